"""The agreement rules: templates, publishing, assignment, signing, counter-signing.

No request objects here (jobs, events and the demo call these too) and no commits: the
caller's transaction holds everything, so a refused or failed step leaves nothing behind
— files written for a signature that is rolled back are removed again.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import case, func, select, update

from portalis import api

from . import documents, notify
from .i18n import _
from .models import (
    COUNTERSIGNED,
    LOCK_NONE,
    PENDING,
    SIGNED,
    SUPERSEDED,
    WITHDRAWN,
    Agreement,
    AgreementTemplate,
    TemplateVersion,
)
from .placeholders import MissingValues, missing_partner_fields, token, unknown, used

FILE_KIND = "agreements"
#: The signature's columns, copied onto the signature page.
_EVIDENCE = (
    "language",
    "document_sha256",
    "signer_name",
    "signer_email",
    "signed_at",
    "signer_ip",
    "signer_user_agent",
)
#: How many partners a "lacks a value" message names before "and N more".
MISSING_SHOWN = 5


def _rowcount(result: Any) -> int:
    """Rows an UPDATE changed."""
    return int(getattr(result, "rowcount", 0) or 0)


class Refused(ValueError):
    """A request the rules refuse; ``str(exc)`` is the translated message for the person."""


# --- templates ------------------------------------------------------------------------


def check_texts(titles: dict[str, str], bodies: dict[str, str]) -> None:
    """Refuse placeholders that don't exist (a typo would print into the contract)."""
    bad = unknown([*titles.values(), *bodies.values()])
    if bad:
        raise Refused(
            _(
                "Unknown placeholder %(names)s. Use only the placeholders listed beside the text.",
                names=", ".join(token(n) for n in bad),
            )
        )


def save_template(template: AgreementTemplate, **values: Any) -> AgreementTemplate:
    """Create (unsaved ``template``) or change a template's settings and draft text."""
    check_texts(values.get("draft_titles", {}), values.get("draft_bodies", {}))
    creating = template.id is None
    before = None if creating else _template_state(template)
    for key, value in values.items():
        setattr(template, key, value)
    template.updated_at = api.utcnow()
    if creating:
        api.session.add(template)
    api.session.flush()
    after = _template_state(template)
    api.audit(
        "agreements.template_created" if creating else "agreements.template_changed",
        "agreements_template",
        template.id,
        before=before,
        after=after,
    )
    if before is not None and _rules(before) != _rules(after) and not template.archived:
        sync_template(template, rules_changed=True)
    return template


def _rules(state: dict[str, Any]) -> tuple[Any, ...]:
    """Who the template picks (a change re-decides who is asked to sign)."""
    return (state["program_id"], sorted(state["partner_types"]), sorted(state["countries"]))


def _template_state(t: AgreementTemplate) -> dict[str, Any]:
    return {
        "name": t.name,
        "kind": t.kind,
        "program_id": t.program_id,
        "partner_types": list(t.partner_types or []),
        "countries": list(t.countries or []),
        "requires_countersignature": t.requires_countersignature,
        "lock": t.lock,
        "lock_plugins": list(t.lock_plugins or []),
    }


def current_version(template_id: int) -> TemplateVersion | None:
    return api.session.scalars(
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id)
        .order_by(TemplateVersion.number.desc())
        .limit(1)
    ).first()


def draft_differs(template: AgreementTemplate, version: TemplateVersion | None) -> bool:
    """Whether the draft holds text not yet published."""
    draft_b = {k: v for k, v in (template.draft_bodies or {}).items() if v.strip()}
    if version is None:
        return bool(draft_b)
    draft_t = {k: v for k, v in (template.draft_titles or {}).items() if v.strip()}
    return draft_b != (version.bodies or {}) or draft_t != (version.titles or {})


# --- who an agreement is for -------------------------------------------------------------


def matches(template: AgreementTemplate, partner: Any, *, by_type: bool = True) -> bool:
    """Whether the template's rules pick this partner: its program, one of its partner
    types (if any are chosen; not checked with ``by_type=False``) and one of its countries
    (if any are chosen)."""
    if partner.program_id != template.program_id or partner.status != "active":
        return False
    types = template.partner_types or []
    if by_type and types and partner.partner_type not in types:
        return False
    countries = template.countries or []
    return not (countries and (partner.country or "") not in countries)


def matching_partners(template: AgreementTemplate, *, by_type: bool = True) -> list[Any]:
    partners = api.session.scalars(
        select(api.Partner)
        .where(api.Partner.program_id == template.program_id, api.Partner.status == "active")
        .order_by(api.Partner.name, api.Partner.id)
    ).all()
    return [p for p in partners if matches(template, p, by_type=by_type)]


@dataclass
class Assignment:
    """What publishing or a sync did, for the vendor's message."""

    version: TemplateVersion | None = None
    assigned: int = 0
    superseded: int = 0
    withdrawn: int = 0
    #: (partner name, [placeholders it lacks]) — their document can't be made yet.
    missing: list[tuple[str, list[str]]] = field(default_factory=list)


def missing_message(missing: Sequence[tuple[str, list[str]]]) -> list[str]:
    """One sentence per partner lacking values: "Acme Ltd has no country; fill it in or
    remove {{partner.country}}"."""
    names = {
        "partner.country": _("country"),
        "partner.website": _("website"),
        "partner.email": _("contact e-mail address"),
        "partner.phone": _("phone number"),
    }
    out = []
    for partner_name, fields in list(missing)[:MISSING_SHOWN]:
        out.append(
            _(
                "%(partner)s has no %(what)s; fill it in or remove %(placeholders)s.",
                partner=api.isolate(partner_name),
                what=", ".join(names.get(f, f) for f in fields),
                placeholders=", ".join(api.isolate(token(f)) for f in fields),
            )
        )
    rest = len(missing) - MISSING_SHOWN
    if rest > 0:
        out.append(_("More partners lack details: %(count)s.", count=rest))
    return out


def assign(
    template: AgreementTemplate,
    version: TemplateVersion,
    partners: Iterable[Any],
    *,
    notify_partners: bool = True,
) -> Assignment:
    """Offer ``version`` to each partner who hasn't got it; pending agreements of older
    versions of the template become superseded (a partner who signed an older version
    keeps that signature, and signs the new version too). A partner whose agreement of
    this version was withdrawn (the template archived, or the partner no longer matched)
    is asked again: that agreement is pending again (one row per partner and version)."""
    result = Assignment(version=version)
    partners = list(partners)
    if not partners:
        return result
    ids = [p.id for p in partners]
    have = dict(
        api.session.execute(
            select(Agreement.partner_id, Agreement.status).where(
                Agreement.version_id == version.id, Agreement.partner_id.in_(ids)
            )
        ).all()
    )
    for partner in partners:
        lacking = missing_partner_fields(version.placeholders or [], partner)
        if lacking:
            result.missing.append((partner.name, lacking))
        if partner.id in have and have[partner.id] != WITHDRAWN:
            continue
        older = (
            Agreement.partner_id == partner.id,
            Agreement.template_id == template.id,
            Agreement.version_id != version.id,
        )
        result.superseded += _rowcount(
            api.session.execute(
                update(Agreement)
                .where(*older, Agreement.status == PENDING)
                .values(status=SUPERSEDED)
                .execution_options(synchronize_session=False)
            )
        )
        api.session.execute(
            update(Agreement)
            .where(*older, Agreement.current.is_(True))
            .values(current=False)
            .execution_options(synchronize_session=False)
        )
        agreement = _reoffered(version, partner.id) if partner.id in have else None
        if agreement is None:
            agreement = Agreement(
                program_id=template.program_id,
                partner_id=partner.id,
                template_id=template.id,
                version_id=version.id,
                status=PENDING,
                current=True,
                requires_countersignature=template.requires_countersignature,
            )
            api.session.add(agreement)
        else:
            agreement.requires_countersignature = template.requires_countersignature
        api.session.flush()
        api.audit(
            "agreements.assigned",
            "agreements_agreement",
            agreement.id,
            after={"partner": partner.name, "template": template.name, "version": version.number},
        )
        if notify_partners:
            notify.assigned(agreement, template, partner)
        result.assigned += 1
    return result


def _reoffered(version: TemplateVersion, partner_id: int) -> Agreement | None:
    """The partner's withdrawn agreement of ``version``, pending and current again (a
    compare-and-set: None when it is no longer withdrawn)."""
    changed = api.session.execute(
        update(Agreement)
        .where(
            Agreement.version_id == version.id,
            Agreement.partner_id == partner_id,
            Agreement.status == WITHDRAWN,
        )
        .values(status=PENDING, current=True, assigned_at=api.utcnow())
        .execution_options(synchronize_session=False)
    )
    if not _rowcount(changed):
        return None
    return api.session.scalars(
        select(Agreement)
        .where(Agreement.version_id == version.id, Agreement.partner_id == partner_id)
        .execution_options(populate_existing=True)
    ).one()


def publish(
    template: AgreementTemplate, actor_id: int | None, *, notify_partners: bool = True
) -> Assignment:
    """The draft becomes the next version (immutable) and is offered to every matching
    partner. Refused without text in the template's default language."""
    titles = {k: v.strip() for k, v in (template.draft_titles or {}).items() if v and v.strip()}
    bodies = {k: v for k, v in (template.draft_bodies or {}).items() if v and v.strip()}
    check_texts(titles, bodies)
    if not (bodies.get(template.default_language) or "").strip():
        raise Refused(
            _(
                "Write the text in the default language (%(language)s) before publishing.",
                language=template.default_language,
            )
        )
    if template.archived:
        raise Refused(_("This agreement is archived. Restore it before publishing."))
    latest = current_version(template.id)
    if latest is not None and not draft_differs(template, latest):
        raise Refused(_("Nothing changed since version %(number)s.", number=latest.number))
    version = TemplateVersion(
        template_id=template.id,
        number=(latest.number + 1) if latest else 1,
        titles=titles,
        bodies=bodies,
        placeholders=used([*titles.values(), *bodies.values()]),
        published_at=api.utcnow(),
        published_by_id=actor_id,
    )
    api.session.add(version)
    api.session.flush()
    api.audit(
        "agreements.published",
        "agreements_template",
        template.id,
        after={"version": version.number, "languages": sorted(bodies)},
    )
    return assign(template, version, matching_partners(template), notify_partners=notify_partners)


def sync_template(template: AgreementTemplate, *, rules_changed: bool = False) -> Assignment:
    """Offer the current version to partners who match now (new partners, a country or
    type filled in later) and withdraw pending agreements of partners who no longer do.

    A partner's partner type is the partner's own to edit (company profile): changing it
    must not withdraw what it was asked to sign — that would lift an agreement's lock. So
    a type that no longer matches withdraws only when the vendor changed the template's
    rules (``rules_changed``); the country and the partner's status are the vendor's and
    withdraw whenever they stop matching."""
    version = current_version(template.id)
    if version is None or template.archived:
        return Assignment()
    partners = matching_partners(template)
    result = assign(template, version, partners)
    kept = partners if rules_changed else matching_partners(template, by_type=False)
    keep = [p.id for p in kept]
    stmt = update(Agreement).where(
        Agreement.template_id == template.id, Agreement.status == PENDING
    )
    if keep:
        stmt = stmt.where(Agreement.partner_id.not_in(keep))
    result.withdrawn = _rowcount(
        api.session.execute(
            stmt.values(status=WITHDRAWN).execution_options(synchronize_session=False)
        )
    )
    return result


def sync_program(program_id: int) -> None:
    for template in api.session.scalars(
        select(AgreementTemplate).where(
            AgreementTemplate.program_id == program_id, AgreementTemplate.archived.is_(False)
        )
    ).all():
        sync_template(template)


def sync_partner(partner_id: int) -> None:
    """A partner joined or changed: offer what its program's templates now pick."""
    partner = api.session.get(api.Partner, partner_id)
    if partner is None:
        return
    for template in api.session.scalars(
        select(AgreementTemplate).where(
            AgreementTemplate.program_id == partner.program_id,
            AgreementTemplate.archived.is_(False),
        )
    ).all():
        version = current_version(template.id)
        if version is not None and matches(template, partner):
            assign(template, version, [partner])


def archive(template: AgreementTemplate, archived: bool = True) -> int:
    """Archive (or restore) a template; archiving withdraws its pending agreements (signed
    ones stay, with their PDFs)."""
    template.archived = archived
    withdrawn = 0
    if archived:
        withdrawn = _rowcount(
            api.session.execute(
                update(Agreement)
                .where(Agreement.template_id == template.id, Agreement.status == PENDING)
                .values(status=WITHDRAWN)
                .execution_options(synchronize_session=False)
            )
        )
    api.audit(
        "agreements.archived" if archived else "agreements.restored",
        "agreements_template",
        template.id,
        after={"withdrawn": withdrawn},
    )
    if not archived:
        sync_template(template)
    return withdrawn


# --- the document shown -----------------------------------------------------------------


def parts(agreement: Agreement) -> tuple[AgreementTemplate, TemplateVersion, Any, Any]:
    template = api.session.get(AgreementTemplate, agreement.template_id)
    version = api.session.get(TemplateVersion, agreement.version_id)
    partner = api.session.get(api.Partner, agreement.partner_id)
    program = api.session.get(api.Program, agreement.program_id)
    assert template and version and partner and program  # composite FKs hold them
    return template, version, partner, program


def document_for(
    agreement: Agreement, user: Any, wanted_language: str | None
) -> documents.Rendered:
    """The document ``user`` would sign now; raises MissingValues while the partner lacks
    a value the text needs."""
    template, version, partner, program = parts(agreement)
    language = documents.language_for(version, template, wanted_language)
    return documents.render(
        version,
        template,
        partner,
        program,
        signer=documents.Signer(user.name or user.email, user.email),
        language=language,
    )


def _normal(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def name_matches(typed: str, user: Any) -> bool:
    """The typed name is the user's name (case, width and spacing aside)."""
    return bool(_normal(typed)) and _normal(typed) == _normal(user.name or "")


def _store(data: bytes) -> api.StoredFile:
    stored = api.store_upload(io.BytesIO(data), kind=FILE_KIND, allowed={"pdf"})
    _after(api.on_rollback, stored.name)
    return stored


def _after(when: Any, name: str) -> None:
    """Remove a stored file once the transaction commits (or rolls back). The path is
    found now: the callback runs outside the tenant's scope."""
    path = api.stored_file_path(FILE_KIND, name)
    if path is not None:
        when(lambda: path.unlink(missing_ok=True))


def sign(
    agreement: Agreement,
    *,
    viewer: api.Viewer,
    user: Any,
    typed_name: str,
    shown_sha256: str,
    language: str | None,
    ip: str | None,
    user_agent: str | None,
) -> Agreement:
    """Record the partner's signature of the exact document shown; raises :class:`Refused`."""
    from . import access

    if not access.may_sign(viewer) or viewer.partner_id != agreement.partner_id:
        raise Refused(_("Only an authorised signer of your company can sign this agreement."))
    if agreement.status in (SIGNED, COUNTERSIGNED):
        raise Refused(_("This agreement is already signed. Nothing was changed."))
    if agreement.status == SUPERSEDED:
        raise Refused(
            _(
                "A newer version of this agreement was published. Read the new version and sign that one."
            )
        )
    if agreement.status != PENDING:
        raise Refused(_("This agreement was withdrawn and can no longer be signed."))
    if not name_matches(typed_name, user):
        raise Refused(
            _("Type your full name exactly as on your account (%(name)s) to sign.", name=user.name)
        )
    try:
        shown = document_for(agreement, user, language)
    except MissingValues as exc:
        raise Refused(_("Your agreement is being prepared. Please come back later.")) from exc
    if shown.sha256 != (shown_sha256 or "").strip().lower():
        raise Refused(
            _(
                "The document changed since you opened it. Read the current text below, then sign it."
            )
        )
    return record_signature(
        agreement, shown, user=user, typed_name=typed_name, ip=ip, user_agent=user_agent
    )


def record_signature(
    agreement: Agreement,
    shown: documents.Rendered,
    *,
    user: Any,
    typed_name: str,
    ip: str | None,
    user_agent: str | None,
    notify_vendor: bool = True,
) -> Agreement:
    """Store the document shown and the signed PDF, and record the signature — once: of
    two submissions at once exactly one finds the agreement pending."""
    template, version, _partner, _program = parts(agreement)
    now = api.utcnow()
    document_file = _store(shown.pdf)
    evidence = {
        "language": shown.language,
        "document_sha256": shown.sha256,
        "document_file": document_file.name,
        "signer_id": user.id,
        "signer_name": " ".join(typed_name.split())[:200],
        "signer_email": user.email,
        "signed_at": now,
        "signer_ip": (ip or "")[:64] or None,
        "signer_user_agent": (user_agent or "")[:400] or None,
    }
    # the signature page is drawn from a copy: changing the row itself here would be
    # flushed before the compare-and-set below and defeat it
    record = SimpleNamespace(
        **evidence,
        requires_countersignature=agreement.requires_countersignature,
        countersigner_name=None,
        countersigned_at=None,
    )
    signed = _store(
        documents.signed_pdf(
            record, version, shown.pdf, shown.title, documents.counter_signature_text(record)
        )
    )
    changed = _rowcount(
        api.session.execute(
            update(Agreement)
            .where(Agreement.id == agreement.id, Agreement.status == PENDING)
            .values(
                **evidence,
                status=SIGNED if agreement.requires_countersignature else COUNTERSIGNED,
                signed_file=signed.name,
                signed_sha256=signed.sha256,
                signed_size=signed.size,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if not changed:
        api.remove_stored_file(FILE_KIND, document_file.name)
        api.remove_stored_file(FILE_KIND, signed.name)
        api.session.expire(agreement)
        raise Refused(_("This agreement is already signed. Nothing was changed."))
    api.session.expire(agreement)
    api.audit("agreements.signed", "agreements_agreement", agreement.id, after=agreement.evidence())
    api.emit(
        "agreement.signed",
        {"partner_id": agreement.partner_id, "agreement_id": agreement.id},
        program_id=agreement.program_id,
    )
    if notify_vendor:
        notify.signed(agreement, template)
    return agreement


def countersign(agreement: Agreement, *, viewer: api.Viewer, user: Any) -> Agreement:
    """The vendor's counter-signature; the signed PDF is made again with it on its
    signature page (the document pages are the same; the new file's hash is recorded)."""
    from . import access

    if not access.countersigns(viewer):
        raise Refused(_("You may not counter-sign agreements."))
    if agreement.status != SIGNED or not agreement.requires_countersignature:
        raise Refused(
            _("This agreement is not waiting for a counter-signature. Nothing was changed.")
        )
    return record_countersignature(agreement, user)


def record_countersignature(
    agreement: Agreement, user: Any, *, notify_partner: bool = True
) -> Agreement:
    """Record the counter-signature and replace the signed PDF (compare-and-set, as for
    the partner's signature)."""
    template, version, _partner, _program = parts(agreement)
    path = api.stored_file_path(FILE_KIND, agreement.document_file or "")
    if path is None:
        raise Refused(_("The signed document is missing from the file store. Nothing was changed."))
    document_pdf = path.read_bytes()
    now = api.utcnow()
    previous = agreement.signed_file
    name = user.name or user.email
    record = SimpleNamespace(
        **{c: getattr(agreement, c) for c in _EVIDENCE},
        requires_countersignature=True,
        countersigner_name=name,
        countersigned_at=now,
    )
    title = version.titles.get(agreement.language or "") or template.name
    signed = _store(
        documents.signed_pdf(
            record, version, document_pdf, title, documents.counter_signature_text(record)
        )
    )
    changed = _rowcount(
        api.session.execute(
            update(Agreement)
            .where(Agreement.id == agreement.id, Agreement.status == SIGNED)
            .values(
                status=COUNTERSIGNED,
                countersigner_id=user.id,
                countersigner_name=name,
                countersigned_at=now,
                signed_file=signed.name,
                signed_sha256=signed.sha256,
                signed_size=signed.size,
            )
            .execution_options(synchronize_session=False)
        )
    )
    api.session.expire(agreement)
    if not changed:
        api.remove_stored_file(FILE_KIND, signed.name)
        raise Refused(
            _("This agreement is not waiting for a counter-signature. Nothing was changed.")
        )
    if previous:
        _after(api.on_commit, previous)
    api.audit(
        "agreements.countersigned",
        "agreements_agreement",
        agreement.id,
        after={"countersigner": user.name or user.email, "signed_sha256": signed.sha256},
    )
    api.emit(
        "agreement.countersigned",
        {"partner_id": agreement.partner_id, "agreement_id": agreement.id},
        program_id=agreement.program_id,
    )
    if notify_partner:
        notify.countersigned(agreement, template)
    return agreement


# --- counts -----------------------------------------------------------------------------


def current_agreements_stmt() -> Any:
    """Agreements that count now: of live templates, not superseded or withdrawn."""
    return (
        select(Agreement)
        .join(AgreementTemplate, AgreementTemplate.id == Agreement.template_id)
        .where(
            AgreementTemplate.archived.is_(False),
            Agreement.current.is_(True),
            Agreement.status.in_((PENDING, SIGNED, COUNTERSIGNED)),
        )
    )


def counts_by_partner(partner_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """partner id -> (signed, total) of its current agreements, one grouped query."""
    if not partner_ids:
        return {}
    signed = func.sum(case((Agreement.status.in_((SIGNED, COUNTERSIGNED)), 1), else_=0))
    rows = api.session.execute(
        select(Agreement.partner_id, signed, func.count(Agreement.id))
        .join(AgreementTemplate, AgreementTemplate.id == Agreement.template_id)
        .where(
            Agreement.partner_id.in_(list(partner_ids)),
            Agreement.current.is_(True),
            AgreementTemplate.archived.is_(False),
            Agreement.status.in_((PENDING, SIGNED, COUNTERSIGNED)),
        )
        .group_by(Agreement.partner_id)
    ).all()
    return {pid: (int(s or 0), int(n or 0)) for pid, s, n in rows}


def locking(template: AgreementTemplate) -> bool:
    return template.lock != LOCK_NONE
