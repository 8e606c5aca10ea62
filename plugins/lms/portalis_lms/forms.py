"""Forms of the vendor's authoring pages. Labels are lazy (the viewer's language); every
form is an ``api.PortalForm`` (no control characters in text, WTForms' own messages
translated). Choices are filled by the views (the program's tiers, partners, courses, the
tenant's languages); the domain rules are checked again in :mod:`service`."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portalis import api

from .i18n import _, _l


def clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def visibility_choices() -> list[Any]:
    return api.select_choices(
        [
            ("everyone", _("Everyone in the program")),
            ("tiers", _("Chosen tiers")),
            ("partners", _("Chosen partner companies")),
            ("hidden", _("Hidden (vendor staff only)")),
        ]
    )


def kind_labels() -> dict[str, str]:
    return {
        "text": _("Text"),
        "video": _("Video"),
        "file": _("Library file"),
        "link": _("Link"),
        "scorm": _("SCORM package"),
        "quiz": _("Quiz"),
    }


class _Audience(api.PortalForm):
    visibility = SelectField(_l("Who may take it"), choices=[], default="everyone")
    tier_ids = SelectMultipleField(_l("Tiers"), coerce=api.coerce_id, choices=[])
    partner_ids = SelectMultipleField(_l("Partner companies"), coerce=api.coerce_id, choices=[])
    publish_at = api.BoundedDateField(_l("Publish on"), validators=[Optional()])
    retire_at = api.BoundedDateField(_l("Retire after"), validators=[Optional()])

    def validate_retire_at(self, field: Any) -> None:
        if field.data and self.publish_at.data and field.data < self.publish_at.data:
            raise ValidationError(_("The last day can't be before the publish date."))

    def validate_tier_ids(self, field: Any) -> None:
        if self.visibility.data == "tiers" and not field.data:
            raise ValidationError(_("Choose at least one tier."))

    def validate_partner_ids(self, field: Any) -> None:
        if self.visibility.data == "partners" and not field.data:
            raise ValidationError(_("Choose at least one partner company."))


class CourseSettingsForm(_Audience):
    """A course's settings and audience (the course page)."""

    default_language = SelectField(_l("Default language"), choices=[])
    estimated_minutes = api.BoundedIntegerField(
        _l("Estimated time (minutes)"), default=0, validators=[Optional()], min=0, max=100_000
    )


class NewCourseForm(CourseSettingsForm):
    program_id = SelectField(_l("Program"), coerce=api.coerce_id, choices=[])
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        _l("Summary"),
        filters=[clean],
        validators=[Optional(), Length(max=5000)],
        description=_l("Markdown: **bold**, *italic*, - lists, [links](https://…)."),
    )


class TranslationForm(api.PortalForm):
    """The course's title and summary in one language."""

    language = SelectField(_l("Language"), choices=[])
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        _l("Summary"), filters=[clean], validators=[Optional(), Length(max=5000)]
    )


class ModuleForm(api.PortalForm):
    title = StringField(
        _l("Module title"), filters=[clean], validators=[DataRequired(), Length(max=200)]
    )


class LessonForm(api.PortalForm):
    """A lesson; which fields count depends on its kind (checked in :mod:`service`)."""

    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("For"), choices=[], default="")
    required = BooleanField(_l("Needed to complete the course"), default=True)
    minutes = api.BoundedIntegerField(
        _l("Minutes"), default=0, validators=[Optional()], min=0, max=100_000
    )
    body = TextAreaField(
        _l("Text"),
        filters=[clean],
        validators=[Optional(), Length(max=100_000)],
        description=_l("Markdown: **bold**, *italic*, # headings, - lists, [links](https://…)."),
    )
    url = api.WebsiteField(_l("Web address"), validators=[Optional()])
    upload = FileField(_l("File"))
    link_ref = SelectField(_l("Library file"), choices=[], default="")


class PathForm(_Audience):
    program_id = SelectField(_l("Program"), coerce=api.coerce_id, choices=[])
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), filters=[clean], validators=[Optional(), Length(max=5000)]
    )
    certification = StringField(
        _l("Certification"),
        filters=[clean],
        validators=[DataRequired(), Length(max=200)],
        description=_l("The name on the certificate, e.g. “Certified Sales Professional”."),
    )
    validity_days = api.BoundedIntegerField(
        _l("Valid for (days)"),
        validators=[Optional()],
        min=0,
        max=36_500,
        description=_l("Empty or 0: the certificate never expires."),
    )
    reminder_days = StringField(
        _l("Reminders (days before expiry)"),
        filters=[clean],
        default="60, 30, 7",
        validators=[Optional(), Length(max=100)],
        description=_l("Whole numbers separated by commas, e.g. 60, 30, 7."),
    )
    course_ids = SelectMultipleField(_l("Courses"), coerce=api.coerce_id, choices=[])

    def reminders(self) -> list[int]:
        text = (self.reminder_days.data or "").replace(";", ",")
        return [int(part) for part in text.split(",") if part.strip()]

    def validate_reminder_days(self, field: Any) -> None:
        try:
            values = self.reminders()
        except ValueError as exc:
            raise ValidationError(_("Whole numbers separated by commas, e.g. 60, 30, 7.")) from exc
        if any(not 1 <= v <= 3650 for v in values):
            raise ValidationError(_("Reminders are sent 1 to 3650 days before expiry."))
        if len(values) > 10:
            raise ValidationError(_("Choose at most 10 reminders."))

    def validate_course_ids(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_("Choose at least one course."))


class AssignmentForm(api.PortalForm):
    target = SelectField(_l("Assign to"), choices=[], default="tier")
    tier_id = SelectField(_l("Tier"), coerce=api.coerce_id, choices=[], validators=[Optional()])
    partner_id = SelectField(
        _l("Partner company"), coerce=api.coerce_id, choices=[], validators=[Optional()]
    )
    due_on = api.BoundedDateField(_l("Due by"), validators=[Optional()])
