"""Forms: a checklist task, the checklist's settings, and giving a task to a colleague.

Labels are lazy (``_l``), translated at render time in the viewer's language. Every form
is an ``api.PortalForm``: WTForms' own messages in the same language, and no control
characters (NUL among them) in a text field by the time anything reads it. Select
fields of ids use ``api.coerce_id`` with 0 as "none"; their choices are filled by the
view from the current tenant's records, so a value from elsewhere is "not a valid choice".
"""

from __future__ import annotations

from typing import Any

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portalis import api

from .i18n import _l
from .models import MAX_DUE_DAYS, OWNER_SIDES, PARTNER, VENDOR


def clean_text(value: Any) -> Any:
    """Without the spaces a paste brings around it (the form base has dropped control
    characters already)."""
    return value.strip() if isinstance(value, str) else value


def side_label(side: str) -> Any:
    return {PARTNER: _l("The partner"), VENDOR: _l("Your team")}[side]


class TaskForm(api.PortalForm):
    title = StringField(
        _l("Task"), validators=[DataRequired(), Length(max=200)], filters=[clean_text]
    )
    description = TextAreaField(
        _l("What to do"), validators=[Optional(), Length(max=2000)], filters=[clean_text]
    )
    owner_side = SelectField(
        _l("Done by"),
        choices=api.select_choices((s, side_label(s)) for s in OWNER_SIDES),
        default=PARTNER,
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


class ChecklistForm(api.PortalForm):
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


class AssignForm(api.PortalForm):
    assignee_id = SelectField(_l("Owner"), coerce=api.coerce_id, choices=[], default=0)
