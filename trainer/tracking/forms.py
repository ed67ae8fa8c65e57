"""Tracking forms: assign work, move a due day, onboarding rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange


class AssignForm(FlaskForm):
    """Assign a course or quiz to people and/or whole stores."""

    item = SelectField(_l("Course, quiz or drill"), validators=[DataRequired()])
    due_on = DateField(_l("Due date"), validators=[InputRequired()])
    people = SelectMultipleField(_l("People"), coerce=int)
    stores = SelectMultipleField(_l("Whole stores (also cashiers who join later)"), coerce=int)
    submit = SubmitField(_l("Assign"))


class DueForm(FlaskForm):
    """Move an assignment's due date."""

    due_on = DateField(_l("Due date"), validators=[InputRequired()])
    submit = SubmitField(_l("Save"))


class RuleForm(FlaskForm):
    """An onboarding rule: these items, due so many days after a new cashier starts."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    items = SelectMultipleField(_l("Courses, quizzes and drills"), validators=[DataRequired()])
    due_days = IntegerField(
        _l("Days from the start to the due date"),
        validators=[InputRequired(), NumberRange(min=1, max=365)],
    )
    store = SelectField(_l("New cashiers of"), coerce=int)
    submit = SubmitField(_l("Add rule"))
