"""Forms used across areas."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice


class EmptyForm(FlaskForm):
    """A form with only a CSRF token, for POST-only buttons.

    It renders the token; CSRFProtect (trainer.extensions) checks it on every POST before any
    view runs, so views do not validate it again.
    """


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
