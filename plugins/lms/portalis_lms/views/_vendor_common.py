"""Helpers shared by the vendor's authoring pages (:mod:`.vendor`, :mod:`.vendor_lessons`,
:mod:`.vendor_paths`, :mod:`.vendor_assignments`): form choices (languages, programs,
audience), dates entered in the viewer's time zone, the reach count, a course's or path's
status badge, titles in the viewer's language, and the refuse/done/CSRF steps every form
takes. No routes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import flash, redirect, url_for
from flask_babel import get_timezone
from sqlalchemy import select

from portalis import api

from .. import service
from ..forms import ModuleForm, visibility_choices
from ..models import LESSON_KINDS, Course, CourseTranslation, Path


def _user_id() -> int | None:
    return api.current_viewer().user_id


def autonym(code: str) -> str:
    """A language named in itself ("Deutsch")."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def _language_choices(blank: str | None = None) -> list[Any]:
    pairs: list[tuple[str, str]] = [("", blank)] if blank else []
    pairs += [(code, autonym(code)) for code in service.tenant_languages()]
    return api.select_choices(pairs)


def _programs() -> list[api.Program]:
    return list(api.session.scalars(select(api.Program).order_by(api.Program.name)))


def _program_name(program: api.Program | None) -> str:
    return api.localized(program.name, program.name_i18n) if program else ""


def _setup_audience(form: Any, program_id: int | None) -> None:
    tiers = (
        api.session.scalars(
            select(api.Tier).where(api.Tier.program_id == program_id).order_by(api.Tier.rank)
        ).all()
        if program_id
        else []
    )
    form.tier_ids.choices = api.select_choices(
        (t.id, api.localized(t.name, t.name_i18n)) for t in tiers
    )
    partners = (
        api.session.scalars(
            select(api.Partner)
            .where(api.Partner.program_id == program_id, api.Partner.status != "suspended")
            .order_by(api.Partner.name)
            .limit(2000)
        ).all()
        if program_id
        else []
    )
    form.partner_ids.choices = api.select_choices((p.id, p.name) for p in partners)
    form.visibility.choices = visibility_choices()


def _setup_program(form: Any) -> int | None:
    programs = _programs()
    form.program_id.choices = api.select_choices((p.id, _program_name(p)) for p in programs)
    ids = [p.id for p in programs]
    pid = form.program_id.data if form.program_id.data in ids else (ids[0] if ids else None)
    return pid


def _start_of(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time.min, get_timezone()).astimezone(dt.UTC)


def _end_of(day: dt.date | None) -> dt.datetime | None:
    """ "Retire after 31 May" = at the end of that day in the viewer's time zone."""
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, get_timezone()).astimezone(
        dt.UTC
    )


def _local_date(value: dt.datetime | None, *, end: bool = False) -> dt.date | None:
    if value is None:
        return None
    local = value.astimezone(get_timezone())
    if end:
        local -= dt.timedelta(microseconds=1)
    return local.date()


def _refuse(form: Any, exc: service.Invalid, fallback: str = "") -> None:
    """Put the service's message on the field it names (or on ``fallback``, or the form)."""
    name = exc.field if exc.field and hasattr(form, exc.field) else fallback
    if name and hasattr(form, name):
        field = getattr(form, name)
        field.errors = [*list(field.errors or []), str(exc)]
    else:
        form.form_errors = [*list(getattr(form, "form_errors", []) or []), str(exc)]


def _done(message: str, endpoint: str, **values: Any) -> Any:
    api.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def course_status(course: Course | Path, now: dt.datetime) -> str:
    """draft (hidden), scheduled, live or retired — the badge on the vendor's pages."""
    if course.retire_at is not None and course.retire_at <= now:
        return "retired"
    if course.visibility == "hidden":
        return "draft"
    if course.publish_at is not None and course.publish_at > now:
        return "scheduled"
    return "live"


def _titles(course_ids: Iterable[int]) -> dict[int, str]:
    """Course titles in the viewer's language where the course has it, else its default's."""
    ids = list(course_ids)
    if not ids:
        return {}
    locale = api.current_locale() or ""
    base = locale.split("_")[0]
    defaults = dict(
        api.session.execute(
            select(Course.id, Course.default_language).where(Course.id.in_(ids))
        ).all()
    )
    out: dict[int, str] = {}
    rank: dict[int, int] = {}
    for tr in api.session.scalars(
        select(CourseTranslation).where(CourseTranslation.course_id.in_(ids))
    ):
        r = (
            0
            if tr.language == locale
            else 1
            if tr.language == base
            else 2
            if tr.language == defaults.get(tr.course_id)
            else 3
        )
        if tr.course_id not in rank or r < rank[tr.course_id]:
            rank[tr.course_id], out[tr.course_id] = r, tr.title
    return out


def _reach(
    program_id: int | None, visibility: str, tiers: Iterable[int], partners: Iterable[int]
) -> tuple[int, int]:
    return api.audience_reach(program_id, visibility, list(tiers), list(partners))


def _csrf_ok() -> bool:
    form = ModuleForm()
    form.validate()
    return not form.csrf_token.errors


def _lesson_kinds() -> list[str]:
    """The kinds a vendor may add (library files once the core can link them)."""
    return [k for k in LESSON_KINDS if k != "file" or _linkables_ready()]


def _linkables_ready() -> bool:
    return hasattr(api, "find_linkables") and hasattr(api, "resolve_linkables")
