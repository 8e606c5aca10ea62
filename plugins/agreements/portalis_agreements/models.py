"""Agreement tables (all prefixed ``agreements_``, all tenant-scoped).

* :class:`AgreementTemplate` — what the vendor writes: a name, a kind (NDA, reseller
  terms …), who it is assigned to (program, partner types, countries), whether the vendor
  counter-signs, what it locks while unsigned, and the draft text per language.
* :class:`TemplateVersion` — a published text, immutable: titles and Markdown bodies per
  language and the placeholders they use. Publishing a new version asks every partner to
  sign again.
* :class:`Agreement` — one version offered to one partner, and — once signed — the
  evidence: who typed which name, when (UTC), from which address and browser, the SHA-256
  of the exact PDF shown, and the stored signed PDF (with its signature page) and its
  hash. One row per (partner, version), so assigning twice is impossible.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portalis import api

# --- kinds, locks, statuses ---------------------------------------------------------------

KINDS = ("nda", "reseller", "data_processing", "other")

LOCK_PORTAL = "portal"
LOCK_PLUGINS = "plugins"
LOCK_NONE = "none"
LOCKS = (LOCK_PORTAL, LOCK_PLUGINS, LOCK_NONE)

#: Waiting for the partner's signature.
PENDING = "pending"
#: Signed by the partner (and waiting for the vendor's counter-signature when required).
SIGNED = "signed"
#: Complete: signed by both sides, or by the partner when no counter-signature is needed.
COUNTERSIGNED = "countersigned"
#: A newer version was published before this one was signed; it can't be signed any more.
SUPERSEDED = "superseded"
#: The vendor archived the template or the partner no longer matches its rules.
WITHDRAWN = "withdrawn"
STATUSES = (PENDING, SIGNED, COUNTERSIGNED, SUPERSEDED, WITHDRAWN)
#: Statuses in which the partner has signed.
SIGNED_STATUSES = (SIGNED, COUNTERSIGNED)


class AgreementTemplate(api.TenantScoped, api.Base):
    """An agreement the vendor offers partners of one program."""

    __tablename__ = "agreements_templates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
        Index("ix_agreements_templates_program", "tenant_id", "program_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    #: Partner types (the company profile's ``partner_type``) it is for; empty = every type.
    partner_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ISO 3166 country codes it is for; empty = every country.
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    requires_countersignature: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What stays closed until the partner signs: LOCK_PORTAL, LOCK_PLUGINS or LOCK_NONE.
    lock: Mapped[str] = mapped_column(String(16), default=LOCK_NONE)
    #: With LOCK_PLUGINS: the plugins whose pages stay closed.
    lock_plugins: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The language shown to a reader whose own language the text isn't written in.
    default_language: Mapped[str] = mapped_column(String(16), default="en")
    #: The next version being written: {language: title} and {language: Markdown}.
    draft_titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    draft_bodies: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime(), default=api.utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime(), default=api.utcnow)


class TemplateVersion(api.TenantScoped, api.Base):
    """A published text of a template; never changed after it is written."""

    __tablename__ = "agreements_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "template_id", "number"),
        ForeignKeyConstraint(
            ["tenant_id", "template_id"],
            ["agreements_templates.tenant_id", "agreements_templates.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["tenant_id", "published_by_id"], ["users.tenant_id", "users.id"]),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    template_id: Mapped[int] = mapped_column(api.BigId)
    number: Mapped[int] = mapped_column(Integer)
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    bodies: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: The placeholders the bodies and titles use ("partner.country" …), so the lock and
    #: the lists can tell whether a partner's document can be made without rendering it.
    placeholders: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime(), default=api.utcnow)
    published_by_id: Mapped[int | None] = mapped_column(api.BigId)

    def languages(self) -> list[str]:
        return sorted(lang for lang, body in (self.bodies or {}).items() if body.strip())


class Agreement(api.TenantScoped, api.Base):
    """One version offered to one partner, and the evidence of its signature."""

    __tablename__ = "agreements_agreements"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "partner_id", "version_id"),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "template_id"],
            ["agreements_templates.tenant_id", "agreements_templates.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "version_id"],
            ["agreements_versions.tenant_id", "agreements_versions.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["tenant_id", "signer_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "countersigner_id"], ["users.tenant_id", "users.id"]),
        Index("ix_agreements_agreements_partner", "tenant_id", "partner_id", "status"),
        Index("ix_agreements_agreements_template", "tenant_id", "template_id", "status"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    template_id: Mapped[int] = mapped_column(api.BigId)
    version_id: Mapped[int] = mapped_column(api.BigId)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    #: The partner's latest version of the template (older rows keep their signatures as
    #: history but no longer count or lock).
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Copied from the template when assigned: what the partner was told when offered it.
    requires_countersignature: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_at: Mapped[dt.datetime] = mapped_column(api.AwareDateTime(), default=api.utcnow)
    # --- the partner's signature -------------------------------------------------------
    language: Mapped[str | None] = mapped_column(String(16))
    #: SHA-256 of the exact PDF the signer was shown (and signed).
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    #: That PDF, in the file store (kind "agreements").
    document_file: Mapped[str | None] = mapped_column(String(80))
    signer_id: Mapped[int | None] = mapped_column(api.BigId)
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signer_email: Mapped[str | None] = mapped_column(String(254))
    signed_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime())
    signer_ip: Mapped[str | None] = mapped_column(String(64))
    signer_user_agent: Mapped[str | None] = mapped_column(String(400))
    # --- the vendor's counter-signature ---------------------------------------------------
    countersigner_id: Mapped[int | None] = mapped_column(api.BigId)
    countersigner_name: Mapped[str | None] = mapped_column(String(200))
    countersigned_at: Mapped[dt.datetime | None] = mapped_column(api.AwareDateTime())
    # --- the signed PDF (the document plus its signature page) ----------------------------
    signed_file: Mapped[str | None] = mapped_column(String(80))
    signed_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_size: Mapped[int | None] = mapped_column(Integer)

    @property
    def is_signed(self) -> bool:
        return self.status in SIGNED_STATUSES

    @property
    def awaits_countersignature(self) -> bool:
        return self.status == SIGNED and self.requires_countersignature

    def evidence(self) -> dict[str, Any]:
        """What the audit log records about the signature."""
        return {
            "signer": self.signer_name,
            "email": self.signer_email,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "ip": self.signer_ip,
            "document_sha256": self.document_sha256,
            "signed_sha256": self.signed_sha256,
        }
