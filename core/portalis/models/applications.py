"""Partner applications: how a company asks to join a program, and the extra questions a
vendor asks per program.

An application is not a partner. It holds what the applicant wrote until a person decides;
approving it creates the partner company (see :mod:`portalis.recruiting.decisions`), so an
undecided or declined applicant never appears among the partners and can never sign in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..companies.domains import company_domain
from ..companies.names import name_block_key
from ..db import Base, BigId, TenantScoped, utcnow

#: new → vetting → approved | declined. ``new`` and ``vetting`` are *open*.
STAGES = ("new", "vetting", "approved", "declined")
OPEN_STAGES = ("new", "vetting")

#: What an extra question asks for.
FIELD_KINDS = ("text", "choice", "country", "file")

#: At most one open application per address: a double submission (two tabs, a retry, two
#: requests at once) can't create a second one, whatever the code checked before.
_OPEN = text("stage IN ('new', 'vetting')")


class Application(TenantScoped, Base):
    """One company's application to one program, with everything the applicant wrote."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"]),
        # no ON DELETE SET NULL: on a composite key it would null tenant_id too; people are
        # deactivated, not deleted, and a partner created from an application stays linked
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"]),
        Index(
            "uq_applications_open_email",
            "tenant_id",
            "contact_email",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(BigId, index=True)
    stage: Mapped[str] = mapped_column(String(16), default="new", index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    #: ``name_block_key(company_name)``: the index behind the "similar name" look-up (kept in
    #: step, with the two domains below, by the listener at the end of this module).
    name_key: Mapped[str] = mapped_column(String(32), default="", index=True)
    website: Mapped[str | None] = mapped_column(String(255))
    #: Registrable domains of the website and of the contact's address (``None`` for a
    #: free-mail address): the indexes behind the "same domain" look-up.
    website_domain: Mapped[str | None] = mapped_column(String(255), index=True)
    email_domain: Mapped[str | None] = mapped_column(String(255), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    contact_name: Mapped[str] = mapped_column(String(200))
    #: Lower-case; at most one open application per address (``uq_applications_open_email``).
    contact_email: Mapped[str] = mapped_column(String(254), index=True)
    #: The language the applicant used the form in: a decline is written to them in it.
    locale: Mapped[str | None] = mapped_column(String(16))
    #: ``{field key: {"label": label when asked, "kind": kind, "value": answer}}``; a file's
    #: value is ``{"name": stored name, "filename", "file_type", "size"}``.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The vendor user vetting it.
    owner_id: Mapped[int | None] = mapped_column(BigId, index=True)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    #: Whether the decline reason was e-mailed to the applicant.
    reason_sent: Mapped[bool] = mapped_column(default=False)
    decided_by_id: Mapped[int | None] = mapped_column(BigId)
    #: When it was approved or declined; ``decided_at - created_at`` of approved ones is the
    #: "time from application to approval" KPI.
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: The partner approving it created (or, for an application migrated from a partner of
    #: status "applied", that partner).
    partner_id: Mapped[int | None] = mapped_column(BigId, index=True)
    #: Keyed hash of the submitting address (never the address itself), for flood control.
    ip_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class ApplicationField(TenantScoped, Base):
    """An extra question a vendor asks on a program's application form.

    Never deleted, only archived: an archived field is no longer asked, and the answers
    given to it keep their label (each answer also carries the label it was asked with)."""

    __tablename__ = "application_fields"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("program_id", "key"),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(BigId, index=True)
    #: Stable name of the answer in ``Application.answers`` ("vendors_sold").
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    #: Per-locale labels entered by the vendor; falls back to ``label``.
    label_i18n: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    help: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(16), default="text")
    required: Mapped[bool] = mapped_column(default=False)
    #: The options of a ``choice`` field, as shown.
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


@event.listens_for(Application, "before_insert")
@event.listens_for(Application, "before_update")
def _derive_match_keys(_mapper: Any, _connection: Any, application: Application) -> None:
    """One place keeps the duplicate look-up's keys true to the name, website and address,
    whoever wrote the row (the public form, the demo, a migration of old partners)."""
    application.name_key = name_block_key(application.company_name or "")[:32]
    application.website_domain = company_domain(application.website)
    application.email_domain = company_domain(application.contact_email)
