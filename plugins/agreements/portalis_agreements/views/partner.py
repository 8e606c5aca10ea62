"""Pages for a partner's people: their agreements, reading and signing one, the PDFs."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from portalis import api

from .. import access, lock, service
from ..documents import MissingValues, Rendered
from ..forms import SignForm, kind_label
from ..i18n import _
from ..models import (
    PENDING,
    SIGNED_STATUSES,
    SUPERSEDED,
    Agreement,
    AgreementTemplate,
    TemplateVersion,
)
from ..placeholders import PROFILE_FIELDS, missing_partner_fields
from ..responses import send_pdf, send_stored_pdf
from .blueprint import bp


def _rows(viewer: api.Viewer) -> list[Any]:
    return list(
        api.session.execute(
            access.visible(
                select(Agreement, AgreementTemplate, TemplateVersion)
                .join(AgreementTemplate, AgreementTemplate.id == Agreement.template_id)
                .join(TemplateVersion, TemplateVersion.id == Agreement.version_id),
                viewer,
            ).order_by(Agreement.assigned_at.desc(), Agreement.id.desc())
        ).all()
    )


@bp.route("/")
@api.partner_member
def index() -> Any:
    viewer = api.current_viewer()
    rows = _rows(viewer)
    current = [r for r in rows if r[0].current and not r[1].archived and r[0].status != "withdrawn"]
    history = [r for r in rows if r not in current]
    return api.page(
        "agreements/partner/index.html",
        current=current,
        history=history,
        may_sign=access.may_sign(viewer),
        kind_label=kind_label,
    )


def _newer(agreement: Agreement) -> Agreement | None:
    """The partner's current agreement of the same template, when this one is older."""
    return api.session.scalars(
        select(Agreement).where(
            Agreement.partner_id == agreement.partner_id,
            Agreement.template_id == agreement.template_id,
            Agreement.current.is_(True),
            Agreement.id != agreement.id,
        )
    ).first()


@bp.route("/<id:agreement_id>", methods=["GET", "POST"])
@api.partner_member
def show(agreement_id: int) -> Any:
    viewer = api.current_viewer()
    agreement = access.agreement_or_404(agreement_id, viewer)
    template, version, partner, _program = service.parts(agreement)
    user = api.current_user()
    may_sign = access.may_sign(viewer)
    form = SignForm()
    status = 200
    error = None
    if request.method == "POST":
        if not may_sign:
            api.not_found()  # as for any page this person can't use
        if form.validate_on_submit():
            try:
                service.sign(
                    agreement,
                    viewer=viewer,
                    user=user,
                    typed_name=form.full_name.data or "",
                    shown_sha256=form.document_sha256.data or "",
                    language=form.language.data,
                    ip=request.remote_addr,
                    user_agent=request.headers.get("User-Agent", ""),
                )
            except service.Refused as exc:
                error = str(exc)
                status = 409
            else:
                api.session.commit()  # signed before we say so
                flash(_("Signed. The signed PDF is ready to download."), "success")
                return redirect(url_for("agreements.show", agreement_id=agreement.id))
        else:
            status = 422
    shown: Rendered | None = None
    preparing = False
    if agreement.status == PENDING and may_sign and user is not None:
        try:
            shown = service.document_for(agreement, user, api.current_locale())
        except MissingValues:
            preparing = True
        else:
            form.document_sha256.data = shown.sha256
            form.language.data = shown.language
    elif agreement.status == PENDING:
        # nobody here may sign: whether it can be made yet is all a reader needs to know
        preparing = bool(missing_partner_fields(version.placeholders or [], partner))
    # values the company's admins add themselves on the profile: say which, and where
    lacking = set(missing_partner_fields(version.placeholders or [], partner))
    to_add = (
        lock.add_message(lacking, api.isolate(template.name))
        if preparing and lacking and lacking <= PROFILE_FIELDS
        else None
    )
    return api.page(
        "agreements/partner/show.html",
        agreement=agreement,
        tmpl=template,
        version=version,
        shown=shown,
        preparing=preparing,
        to_add=to_add,
        form=form,
        error=error,
        may_sign=may_sign,
        impersonated=access.impersonated(viewer),
        newer=_newer(agreement) if agreement.status == SUPERSEDED else None,
        kind_label=kind_label,
        status=status,
    )


@bp.route("/<id:agreement_id>/document.pdf")
@api.login_required
def document(agreement_id: int) -> Any:
    """The document: for a pending agreement the one this signer would sign now (the same
    bytes as the hash on the page); once signed, the stored document that was signed."""
    viewer = api.current_viewer()
    agreement = access.agreement_or_404(agreement_id, viewer)
    if agreement.status in SIGNED_STATUSES and agreement.document_file:
        return send_stored_pdf(agreement.document_file, _filename(agreement, "document"))
    user = api.current_user()
    if agreement.status != PENDING or not access.may_sign(viewer) or user is None:
        api.not_found()
    try:
        shown = service.document_for(agreement, user, api.text_arg("lang", max_length=16) or None)
    except MissingValues:
        api.not_found()
    return send_pdf(shown.pdf, _filename(agreement, "document"))


@bp.route("/<id:agreement_id>/signed.pdf")
@api.login_required
def signed(agreement_id: int) -> Any:
    """The signed PDF (document and signature page), for both sides."""
    agreement = access.agreement_or_404(agreement_id)
    if agreement.status not in SIGNED_STATUSES or not agreement.signed_file:
        api.not_found()
    return send_stored_pdf(agreement.signed_file, _filename(agreement, "signed"))


def _filename(agreement: Agreement, what: str) -> str:
    template = api.session.get(AgreementTemplate, agreement.template_id)
    name = template.name if template else "agreement"
    return api.clean_filename(f"{name} {what}.pdf", fallback="agreement.pdf")
