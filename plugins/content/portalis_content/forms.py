"""Forms of the content library. Labels are lazy, so they translate in the viewer's
language. Every form is an ``api.PortalForm``: WTForms' own messages come from its
catalogs in the same language, and text fields lose control characters (NUL among them)
before :func:`clean` sees them."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from portalis import api

from .i18n import _, _l
from .service import DEFAULTS


def clean(value: Any) -> Any:
    """Without the spaces around it: a title typed as " Price list " is stored, listed and
    searched as "Price list" (control characters are gone already: the form base drops
    them)."""
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


class _AccessFields(api.PortalForm):
    program_id = SelectField(_l("Program"), coerce=api.coerce_id, choices=[])
    folder_id = SelectField(_l("Folder"), coerce=api.coerce_id, choices=[])
    product = StringField(_l("Product"), filters=[clean], validators=[Optional(), Length(max=100)])
    tags = StringField(
        _l("Keywords"),
        filters=[clean],
        validators=[Optional(), Length(max=500)],
        description=_l("Separate them with commas."),
    )
    visibility = SelectField(_l("Who may see it"), choices=[], default="everyone")
    tier_ids = SelectMultipleField(_l("Tiers"), coerce=api.coerce_id, choices=[])
    partner_ids = SelectMultipleField(_l("Partner companies"), coerce=api.coerce_id, choices=[])
    publish_at = api.BoundedDateField(_l("Publish on"), validators=[Optional()])
    expires_at = api.BoundedDateField(_l("Available until"), validators=[Optional()])
    cobrandable = BooleanField(_l("Co-brand PDF downloads with the partner's details"))
    thumbnail = FileField(_l("Thumbnail image"))

    def validate_expires_at(self, field: DateField) -> None:
        if field.data and self.publish_at.data and field.data < self.publish_at.data:
            raise ValidationError(_("The last day can't be before the publish date."))

    def validate_tier_ids(self, field: SelectMultipleField) -> None:
        if self.visibility.data == "tiers" and not field.data:
            raise ValidationError(_("Choose at least one tier."))

    def validate_partner_ids(self, field: SelectMultipleField) -> None:
        if self.visibility.data == "partners" and not field.data:
            raise ValidationError(_("Choose at least one partner company."))


class TranslationForm(api.PortalForm):
    """One language of an item: its title and description, and its file, web address or
    page text (whichever the item's kind uses)."""

    language = SelectField(_l("Language"), choices=[])
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), filters=[clean], validators=[Optional(), Length(max=5000)]
    )
    file = FileField(_l("File"))
    url = StringField(
        _l("Web address"),
        filters=[clean],
        validators=[Optional(), Length(max=2000), URL(require_tld=False)],
    )
    body = TextAreaField(
        _l("Page text"),
        filters=[clean],
        validators=[Optional(), Length(max=100_000)],
        description=_l("Markdown: **bold**, *italic*, # headings, - lists, [links](https://…)."),
    )

    #: the item's kind ("file", "link" or "page"): a link needs its address, a page its text
    item_kind: str | None = None

    def kind_of_item(self) -> str | None:
        return self.item_kind

    def validate_url(self, field: StringField) -> None:
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_("Only http:// and https:// addresses are allowed."))

    def validate(self, extra_validators: Any = None) -> bool:
        # after the fields' own checks: Optional() ends a field's chain when it is empty,
        # so "required for this kind" can't be a field validator
        ok = super().validate(extra_validators)
        kind = self.kind_of_item()
        if kind == "link" and not self.url.data:
            self.url.errors = [*self.url.errors, _("Enter the web address the link opens.")]
            ok = False
        if kind == "page" and not self.body.data:
            self.body.errors = [*self.body.errors, _("Write the page's text.")]
            ok = False
        return ok


class ItemForm(_AccessFields, TranslationForm):
    """A new item: its first language and its content, plus where and for whom."""

    kind = SelectField(_l("Type"), choices=[], default="file")

    def kind_of_item(self) -> str | None:
        return str(self.kind.data)


class EditItemForm(_AccessFields):
    default_language = SelectField(_l("Default language"), choices=[])
    remove_thumbnail = BooleanField(_l("Remove the thumbnail"))


class VersionForm(api.PortalForm):
    file = FileField(_l("New file"))
    note = StringField(
        _l("What changed"), filters=[clean], validators=[Optional(), Length(max=200)]
    )


class FolderForm(api.PortalForm):
    name = StringField(_l("Name"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    parent_id = SelectField(_l("Inside"), coerce=api.coerce_id, choices=[])
    description = TextAreaField(
        _l("Description"), filters=[clean], validators=[Optional(), Length(max=2000)]
    )
    position = api.BoundedIntegerField(
        _l("Position"), default=0, validators=[Optional()], min=0, max=10_000
    )


class CollectionForm(api.PortalForm):
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), filters=[clean], validators=[Optional(), Length(max=2000)]
    )
    item_ids = SelectMultipleField(_l("Items"), coerce=api.coerce_id, choices=[])
    position = api.BoundedIntegerField(
        _l("Position"), default=0, validators=[Optional()], min=0, max=10_000
    )


class SettingsForm(api.PortalForm):
    """Program settings of the content library (stored as JSON by the core)."""

    class Meta:
        csrf = False  # the core's admin page around it carries the token

    max_upload_mb = api.BoundedIntegerField(
        _l("Largest upload (MB)"),
        default=DEFAULTS["max_upload_mb"],
        min=1,
        max=2048,
        description=_l("Files above this size are refused; the portal's own limit still applies."),
    )
    default_visibility = SelectField(
        _l("Who sees new items by default"),
        choices=api.select_choices(
            [
                ("everyone", _l("Everyone in the program")),
                ("hidden", _l("Hidden (vendor staff only)")),
            ]
        ),
        default=DEFAULTS["default_visibility"],
    )
    updated_days = api.BoundedIntegerField(
        _l("Show “New” and “Updated” badges for this many days"),
        default=DEFAULTS["updated_days"],
        min=1,
        max=365,
    )
