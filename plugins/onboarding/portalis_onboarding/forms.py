"""Forms: a checklist task, the checklist's settings, and giving a task to a colleague.

Labels are lazy (``_l``), translated at render time in the viewer's language. Select
fields of ids use ``api.coerce_id`` with 0 as "none"; their choices are filled by the
view from the current tenant's records, so a value from elsewhere is "not a valid choice".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portalis import api

from .i18n import _l
from .models import MAX_DUE_DAYS, OWNER_SIDES, PARTNER, VENDOR

try:  # WTForms >= 3.3 wants SelectChoice objects instead of tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms

    def SelectChoice(value: Any, label: Any) -> Any:  # noqa: N802
        return (value, label)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> Any:
    """Strip and drop control characters (PostgreSQL refuses NUL in text)."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else value


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[Any]:
    return [SelectChoice(value, label) for value, label in pairs]


def side_label(side: str) -> Any:
    return {PARTNER: _l("The partner"), VENDOR: _l("Your team")}[side]


class TaskForm(FlaskForm):
    title = StringField(
        _l("Task"), validators=[DataRequired(), Length(max=200)], filters=[clean_text]
    )
    description = TextAreaField(
        _l("What to do"), validators=[Optional(), Length(max=2000)], filters=[clean_text]
    )
    owner_side = SelectField(
        _l("Done by"), choices=choices((s, side_label(s)) for s in OWNER_SIDES), default=PARTNER
    )
    owner_user_id = SelectField(
        _l("Responsible on your team"), coerce=api.coerce_id, choices=[], default=0
    )
    due_days = api.BoundedIntegerField(
        _l("Due (days after the partner joined)"),
        validators=[Optional()],
        min=0,
        max=MAX_DUE_DAYS,
    )
    milestone = SelectField(_l("How it is completed"), choices=[], default="")


class ChecklistForm(FlaskForm):
    owner_id = SelectField(
        _l("Tell this person when a partner completes onboarding"),
        coerce=api.coerce_id,
        choices=[],
        default=0,
    )
    completion_tier_id = SelectField(
        _l("When a partner completes onboarding, move it to"),
        coerce=api.coerce_id,
        choices=[],
        default=0,
    )


class AssignForm(FlaskForm):
    assignee_id = SelectField(_l("Owner"), coerce=api.coerce_id, choices=[], default=0)
