"""Requests to join a partner company's team, waiting for someone to decide.

Two ways in: a person asks on the public "join" page (``source="self"``) and is matched to
a partner by the registrable domain of their e-mail address, or a partner admin invites an
address outside the company's domain (``source="invite"``) and the vendor must agree.
Who decides follows from that (:attr:`JoinRequest.partner_decides`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKeyConstraint, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, TenantScoped, utcnow
from ..roles import Role

#: pending → approved (an invitation was sent) or declined
JOIN_REQUEST_STATUSES = ("pending", "approved", "declined")
JOIN_REQUEST_SOURCES = ("self", "invite")


class JoinRequest(TenantScoped, Base):
    __tablename__ = "join_requests"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"], ondelete="CASCADE"
        ),
        # one open request per address: a second "join" or invite while the first waits
        # would only make two people decide the same thing
        Index(
            "uq_join_requests_pending_email",
            "tenant_id",
            "email",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: lower-cased
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    #: the language the person used when asking: what they are written to in
    locale: Mapped[str | None] = mapped_column(String(16))
    #: the company they join; None while the vendor still has to pick one
    partner_id: Mapped[int | None] = mapped_column(BigId, index=True)
    #: active partners whose e-mail domain matched when the request was filed (0, 1 or more)
    candidate_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="self")
    #: the role the invitation will carry (a partner admin may ask for an admin)
    role: Mapped[str] = mapped_column(String(32), default=Role.PARTNER_USER)
    #: the partner admin who invited (``source="invite"``)
    requested_by_id: Mapped[int | None] = mapped_column(BigId)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: the invited user, once approved
    user_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def partner_decides(self) -> bool:
        """A person who asked to join a matched company is accepted by that company's
        admins; an address a partner admin invited from outside its domain, and anyone
        matched to no company or to several, is the vendor's call."""
        return self.source == "self" and self.partner_id is not None

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"
