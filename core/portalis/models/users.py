"""People who sign in: tenant users (vendor staff and partner users) and platform operators."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, BigId, TenantScoped, utcnow
from ..roles import Role
from .partners import Partner


def _nonce() -> str:
    return secrets.token_urlsafe(16)


class User(TenantScoped, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    partner_id: Mapped[int | None] = mapped_column(BigId, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: Rotated whenever a signed link (invitation, password reset) is used, which makes
    #: every such link single-use and voids older ones.
    token_nonce: Mapped[str] = mapped_column(String(64), default=_nonce)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]

    partner: Mapped[Partner | None] = relationship(
        Partner,
        primaryjoin="and_(foreign(User.partner_id) == Partner.id, User.tenant_id == Partner.tenant_id)",
        viewonly=True,
        lazy="joined",
    )

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_vendor_staff(self) -> bool:
        return self.role_enum.is_vendor

    @property
    def is_partner(self) -> bool:
        return not self.is_vendor_staff

    @property
    def invitation_pending(self) -> bool:
        return self.password_hash is None

    def rotate_nonce(self) -> None:
        self.token_nonce = _nonce()

    # Flask-Login protocol -------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class UserSession(TenantScoped, Base):
    """A signed-in browser. Logout deletes the row, so a copied cookie stops working."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "user_id"], ["users.tenant_id", "users.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    user_id: Mapped[int] = mapped_column(BigId, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))


class PlatformOperator(Base):
    """Runs the platform (all tenants) from the CLI; never a tenant user."""

    __tablename__ = "platform_operators"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
