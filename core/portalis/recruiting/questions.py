"""The extra questions a vendor asks on a program's application form.

A question (:class:`~portalis.models.ApplicationField`) is text, a choice, a country or a
file. :func:`add_fields` turns a program's active questions into WTForms fields on a form
class made for the request, so they render and validate like every other field;
:func:`answers_from` reads them back. Files are only *checked* here (type and size, in
:func:`file_problem`'s terms); :mod:`portalis.recruiting.submission` stores them once
the whole form is valid, so a refused form leaves no file behind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask_wtf.file import FileField
from sqlalchemy import func, select
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from ..db import db
from ..i18n import gettext, localized
from ..models import ApplicationField
from ..models.applications import FIELD_KINDS
from ..web.fields import CountryField, SelectChoice

#: Field names on the form: ``q_<key>``, so a question can't clash with a built-in field.
PREFIX = "q_"
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 5000
MAX_CHOICES = 50
#: What a file question accepts (checked from the bytes, not the name).
FILE_TYPES = frozenset({"pdf", "png", "jpeg"})
MAX_FILE_BYTES = 10 * 1024 * 1024


def active_fields(program_id: int) -> list[ApplicationField]:
    """The questions the program asks now, in their order."""
    return list(
        db.session.scalars(
            select(ApplicationField)
            .where(ApplicationField.program_id == program_id, ApplicationField.archived.is_(False))
            .order_by(ApplicationField.position, ApplicationField.id)
        )
    )


def all_fields(program_id: int) -> list[ApplicationField]:
    """Every question of the program, archived ones last."""
    return list(
        db.session.scalars(
            select(ApplicationField)
            .where(ApplicationField.program_id == program_id)
            .order_by(ApplicationField.archived, ApplicationField.position, ApplicationField.id)
        )
    )


def key_for(label: str, program_id: int) -> str:
    """A stable, unused key for a new question, made from its label ("Vendors you sell"
    → ``vendors_you_sell``; a label in another script → ``question_3``)."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:30]
    if not base or not base[0].isalpha():
        base = "question"
    taken = set(
        db.session.scalars(
            select(ApplicationField.key).where(ApplicationField.program_id == program_id)
        )
    )
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def next_position(program_id: int) -> int:
    top = db.session.scalar(
        select(func.max(ApplicationField.position)).where(ApplicationField.program_id == program_id)
    )
    return (top or 0) + 1


def label_of(field: ApplicationField) -> str:
    """The question in the viewer's language (the vendor's text when not translated)."""
    return localized(field.label, field.label_i18n)


def _file_check(field: ApplicationField) -> Any:
    def check(form: Any, wt_field: Any) -> None:
        data = wt_field.data
        has_file = bool(data and getattr(data, "filename", ""))
        if not has_file:
            if field.required:
                raise StopValidation(gettext("Attach a file."))
            wt_field.errors = []
            raise StopValidation()
        problem = file_problem(data.stream)
        if problem:
            raise StopValidation(problem)

    return check


def file_problem(stream: Any) -> str | None:
    """Why an attached file can't be taken (too big), or None. The file's type is checked
    from its bytes when it is stored."""
    try:
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
    except (OSError, ValueError):
        return gettext("The file could not be read. Attach it again.")
    if size == 0:
        return gettext("The file is empty.")
    if size > MAX_FILE_BYTES:
        return gettext("The file is larger than %(size)s MB.", size=MAX_FILE_BYTES // 2**20)
    return None


def _wt_field(field: ApplicationField) -> Any:
    # the vendor's words take their own direction (FSI … PDI): an English question on an
    # Arabic page keeps its question mark at its end
    label = f"\u2068{label_of(field)}\u2069"
    desc = field.help or ""
    need = [DataRequired()] if field.required else [Optional()]
    if field.kind == "choice":
        choices = [SelectChoice("", gettext("Choose…"))] + [
            SelectChoice(c, c) for c in field.choices[:MAX_CHOICES]
        ]
        return SelectField(
            label,
            validators=[InputRequired()] if field.required else [Optional()],
            choices=choices,
            description=desc,
            validate_choice=True,
        )
    if field.kind == "country":
        return CountryField(
            label, validators=need, blank=gettext("Choose a country"), description=desc
        )
    if field.kind == "file":
        return FileField(label, validators=[_file_check(field)], description=desc)
    return TextAreaField(
        label, validators=[*need, Length(max=MAX_TEXT)], description=desc, render_kw={"rows": 3}
    )


def form_class(base: type, fields: Sequence[ApplicationField]) -> type:
    """A subclass of ``base`` (made for this request) with one field per question."""
    attrs = {PREFIX + f.key: _wt_field(f) for f in fields if f.kind in FIELD_KINDS}
    return type(base.__name__, (base,), attrs)


def question_fields(form: Any, fields: Sequence[ApplicationField]) -> list[Any]:
    """The form's bound fields for ``fields``, in their order (for the template)."""
    return [form[PREFIX + f.key] for f in fields if PREFIX + f.key in form]


def answers_from(form: Any, fields: Sequence[ApplicationField]) -> dict[str, dict[str, Any]]:
    """The answers to every question but files, each with the label it was asked with."""
    out: dict[str, dict[str, Any]] = {}
    for f in fields:
        if f.kind == "file" or PREFIX + f.key not in form:
            continue
        value = form[PREFIX + f.key].data
        if isinstance(value, str):
            value = value.strip()
        out[f.key] = {"label": f.label, "kind": f.kind, "value": value or ""}
    return out


def uploads_from(
    form: Any, fields: Sequence[ApplicationField]
) -> list[tuple[ApplicationField, Any]]:
    """The files attached to file questions: ``(question, FileStorage)``."""
    out = []
    for f in fields:
        if f.kind != "file" or PREFIX + f.key not in form:
            continue
        data = form[PREFIX + f.key].data
        if data and getattr(data, "filename", ""):
            out.append((f, data))
    return out
