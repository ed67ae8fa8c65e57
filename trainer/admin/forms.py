"""Admin forms: users, stores, roster import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from trainer.forms import choices
from trainer.i18n import LANGUAGE_NAMES

ROLE_CHOICES = [
    ("cashier", _l("Cashier")),
    ("supervisor", _l("Supervisor")),
    ("compliance", _l("Compliance officer")),
    ("admin", _l("Administrator")),
]


class UserForm(FlaskForm):
    """Create or edit an account."""

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(min=2, max=80),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$", message=_l("Letters, digits, . _ @ - only.")),
        ],
    )
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    employee_no = StringField(_l("Employee number"), validators=[Optional(), Length(max=40)])
    email = StringField(
        _l("E-mail (for reminders)"),
        validators=[
            Optional(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Not an e-mail address.")),
        ],
    )
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES))
    stores = SelectMultipleField(_l("Stores"), coerce=int)
    language = SelectField(
        _l("Language"), choices=choices([("", _l("Browser default")), *LANGUAGE_NAMES.items()])
    )
    submit = SubmitField(_l("Save"))


class StoreForm(FlaskForm):
    """Create or edit a store."""

    code = StringField(
        _l("Store code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", message=_l("Letters, digits, _ - only.")),
        ],
    )
    name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=200)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class RosterUploadForm(FlaskForm):
    """Upload a roster CSV for preview."""

    file = FileField(
        _l("Roster CSV file"),
        validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))],
    )
    submit = SubmitField(_l("Preview"))


class RosterConfirmForm(FlaskForm):
    """Import the previewed roster (the file travels back, re-checked, in a hidden field)."""

    roster = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import"))
