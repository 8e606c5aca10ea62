"""Pages for the vendor's staff: templates (write, preview, publish, archive) and every
partner's agreements (read, download, counter-sign)."""

from __future__ import annotations

import types
from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import func, select

from portalis import api

from .. import access, documents, service
from ..forms import ConfirmForm, kind_label, lock_label, template_form
from ..i18n import _
from ..models import (
    COUNTERSIGNED,
    LOCK_PLUGINS,
    PENDING,
    SIGNED,
    STATUSES,
    Agreement,
    AgreementTemplate,
    TemplateVersion,
)
from ..placeholders import PLACEHOLDERS, MissingValues, token
from ..responses import send_pdf
from .blueprint import bp

#: Rows on the agreements list.
LIMIT = 200


def _languages() -> list[str]:
    tenant = api.current_tenant()
    langs = list(getattr(tenant, "allowed_locales", None) or []) or ["en"]
    default = getattr(tenant, "default_locale", None) or langs[0]
    return [default] + [lang for lang in langs if lang != default]


def _language_choices() -> list[tuple[str, str]]:
    """The tenant's languages, each named in itself ("Deutsch", "日本語"): the text under
    it is written in that language."""
    from babel.core import Locale

    out = []
    for lang in _languages():
        try:
            name = Locale.parse(lang).get_display_name(lang) or lang
        except (ValueError, TypeError):
            name = lang
        out.append((lang, name[:1].upper() + name[1:]))
    return out


def _plugin_choices() -> list[tuple[str, str]]:
    """The features a template may lock: installed plugins configured for a program (this
    one aside), each by its title in the viewer's language ("Deal registration")."""
    configured = set(api.session.scalars(select(api.ProgramPlugin.plugin)).all())
    choices = [
        (info.name, api.resolve_text(info.title))
        for info in api.installed_plugins()
        if info.name in configured and info.name != "agreements"
    ]
    return sorted(choices, key=lambda choice: choice[1].casefold())


def _programs() -> list[Any]:
    return list(api.session.scalars(select(api.Program).order_by(api.Program.name)))


def _form(template: AgreementTemplate | None) -> Any:
    langs = _languages()
    form = template_form(langs, obj=template)
    form.setup(_programs(), _plugin_choices(), _language_choices())
    if request.method == "GET" and template is not None:
        for lang in langs:
            getattr(form, f"title_{lang}").data = (template.draft_titles or {}).get(lang, "")
            getattr(form, f"body_{lang}").data = (template.draft_bodies or {}).get(lang, "")
    return form


def _values(form: Any) -> dict[str, Any]:
    langs = _languages()
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "program_id": form.program_id.data,
        "partner_types": list(form.partner_types.data or []),
        "countries": list(form.countries.data or []),
        "requires_countersignature": bool(form.requires_countersignature.data),
        "lock": form.lock.data,
        "lock_plugins": list(form.lock_plugins.data or [])
        if form.lock.data == LOCK_PLUGINS
        else [],
        "default_language": form.default_language.data or langs[0],
        "draft_titles": {
            lang: getattr(form, f"title_{lang}").data or ""
            for lang in langs
            if (getattr(form, f"title_{lang}").data or "").strip()
        },
        "draft_bodies": {
            lang: getattr(form, f"body_{lang}").data or ""
            for lang in langs
            if (getattr(form, f"body_{lang}").data or "").strip()
        },
    }


def _counts() -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for template_id, status, n in api.session.execute(
        select(Agreement.template_id, Agreement.status, func.count(Agreement.id))
        .where(Agreement.current.is_(True))
        .group_by(Agreement.template_id, Agreement.status)
    ):
        out.setdefault(template_id, {})[status] = int(n)
    return out


@bp.route("/manage/")
@access.manager_required
def templates() -> Any:
    rows = api.session.scalars(
        select(AgreementTemplate).order_by(AgreementTemplate.archived, AgreementTemplate.name)
    ).all()
    versions = {t.id: service.current_version(t.id) for t in rows}
    return api.page(
        "agreements/vendor/templates.html",
        rows=rows,
        versions=versions,
        counts=_counts(),
        kind_label=kind_label,
        lock_label=lock_label,
        programs={p.id: p for p in _programs()},
    )


def _edit_page(template: AgreementTemplate | None, form: Any, status: int = 200, **ctx: Any) -> Any:
    version = service.current_version(template.id) if template is not None else None
    missing: list[str] = []
    if template is not None and version is not None and not template.archived:
        from ..placeholders import missing_partner_fields

        lacking = [
            (p.name, missing_partner_fields(version.placeholders or [], p))
            for p in service.matching_partners(template)
        ]
        missing = service.missing_message([(n, f) for n, f in lacking if f])
    return api.page(
        "agreements/vendor/edit.html",
        tmpl=template,
        version=version,
        form=form,
        languages=_language_choices(),
        placeholders=[
            (token(name), api.resolve_text(spec[0])) for name, spec in PLACEHOLDERS.items()
        ],
        missing=missing,
        draft_pending=template is not None and service.draft_differs(template, version),
        confirm=ConfirmForm(),
        status=status,
        **ctx,
    )


@bp.route("/manage/new", methods=["GET", "POST"])
@access.manager_required
def new_template() -> Any:
    form = _form(None)
    if form.validate_on_submit():
        try:
            template = service.save_template(AgreementTemplate(), **_values(form))
        except service.Refused as exc:
            return _edit_page(None, form, status=422, error=str(exc))
        api.session.commit()
        flash(_("Draft saved. Preview it, then publish it to ask partners to sign."), "success")
        return redirect(url_for("agreements.edit_template", template_id=template.id))
    return _edit_page(None, form, status=422 if form.errors else 200)


@bp.route("/manage/<id:template_id>", methods=["GET", "POST"])
@access.manager_required
def edit_template(template_id: int) -> Any:
    template = access.template_or_404(template_id)
    form = _form(template)
    if form.validate_on_submit():
        try:
            service.save_template(template, **_values(form))
        except service.Refused as exc:
            api.session.rollback()
            template = access.template_or_404(template_id)
            return _edit_page(template, form, status=422, error=str(exc))
        api.session.commit()
        flash(_("Draft saved."), "success")
        return redirect(url_for("agreements.edit_template", template_id=template.id))
    return _edit_page(template, form, status=422 if form.errors else 200)


@bp.route("/manage/<id:template_id>/publish", methods=["POST"])
@access.manager_required
def publish(template_id: int) -> Any:
    template = access.template_or_404(template_id)
    if not ConfirmForm().validate_on_submit():
        api.not_found()
    try:
        result = service.publish(template, api.current_viewer().user_id)
    except service.Refused as exc:
        flash(str(exc), "error")
        return redirect(url_for("agreements.edit_template", template_id=template.id))
    api.session.commit()
    number = result.version.number if result.version else 0
    flash(
        _(
            "Version %(number)s published. Partners asked to sign: %(count)s.",
            number=number,
            count=result.assigned,
        ),
        "success",
    )
    for line in service.missing_message(result.missing):
        flash(line, "warning")
    return redirect(url_for("agreements.edit_template", template_id=template.id))


@bp.route("/manage/<id:template_id>/archive", methods=["POST"])
@access.manager_required
def archive(template_id: int) -> Any:
    template = access.template_or_404(template_id)
    if not ConfirmForm().validate_on_submit():
        api.not_found()
    restoring = template.archived
    service.archive(template, archived=not restoring)
    api.session.commit()
    flash(
        _("Restored: partners who match are asked to sign again.")
        if restoring
        else _("Archived: nobody is asked to sign it any more; signed copies stay."),
        "success",
    )
    return redirect(url_for("agreements.edit_template", template_id=template.id))


#: The partner a vendor's preview is filled with.
SAMPLE_PARTNER = types.SimpleNamespace(
    name="Example Partner Ltd",
    country="DE",
    website="https://partner.example.com",
    contact_email="office@partner.example.com",
    phone="+49 30 1234567",
)


@bp.route("/manage/<id:template_id>/preview.pdf")
@access.manager_required
def preview(template_id: int) -> Any:
    """The draft as a PDF, filled with an example partner and signer."""
    template = access.template_or_404(template_id)
    program = api.session.get(api.Program, template.program_id)
    draft = TemplateVersion(
        template_id=template.id,
        number=(getattr(service.current_version(template.id), "number", 0) or 0) + 1,
        titles=dict(template.draft_titles or {}),
        bodies=dict(template.draft_bodies or {}),
        published_at=api.utcnow(),
    )
    language = documents.language_for(draft, template, api.text_arg("lang", max_length=16) or None)
    try:
        shown = documents.render(
            draft,
            template,
            SAMPLE_PARTNER,
            program,
            signer=documents.SAMPLE_SIGNER,
            language=language,
        )
    except MissingValues:
        api.not_found()
    return send_pdf(shown.pdf, f"{template.name} preview.pdf")


@bp.route("/manage/agreements")
@access.manager_required
def agreements() -> Any:
    status = api.choice_arg("status", ("", *STATUSES, "awaiting"), default="")
    stmt = (
        select(Agreement, AgreementTemplate, TemplateVersion, api.Partner)
        .join(AgreementTemplate, AgreementTemplate.id == Agreement.template_id)
        .join(TemplateVersion, TemplateVersion.id == Agreement.version_id)
        .join(api.Partner, api.Partner.id == Agreement.partner_id)
    )
    if status == "awaiting":
        stmt = stmt.where(
            Agreement.status == SIGNED,
            Agreement.requires_countersignature.is_(True),
            Agreement.current.is_(True),
        )
    elif status:
        stmt = stmt.where(Agreement.status == status)
    rows = api.session.execute(
        access.visible(stmt)
        .order_by(Agreement.assigned_at.desc(), Agreement.id.desc())
        .limit(LIMIT)
    ).all()
    return api.page(
        "agreements/vendor/agreements.html",
        rows=rows,
        status_filter=status,
        statuses=STATUSES,
        limit=LIMIT,
    )


@bp.route("/manage/agreements/<id:agreement_id>", methods=["GET", "POST"])
@access.manager_required
def vendor_agreement(agreement_id: int) -> Any:
    viewer = api.current_viewer()
    agreement = access.agreement_or_404(agreement_id, viewer)
    template, version, partner, program = service.parts(agreement)
    form = ConfirmForm()
    if request.method == "POST":
        if not access.countersigns(viewer):
            api.not_found()
        if form.validate_on_submit():
            try:
                service.countersign(agreement, viewer=viewer, user=api.current_user())
            except service.Refused as exc:
                flash(str(exc), "error")
            else:
                api.session.commit()
                flash(_("Counter-signed. The signed PDF now carries both signatures."), "success")
            return redirect(url_for("agreements.vendor_agreement", agreement_id=agreement.id))
    return api.page(
        "agreements/vendor/agreement.html",
        agreement=agreement,
        tmpl=template,
        version=version,
        partner=partner,
        program=program,
        form=form,
        may_countersign=access.countersigns(viewer),
        kind_label=kind_label,
        pending=PENDING,
        countersigned=COUNTERSIGNED,
    )
