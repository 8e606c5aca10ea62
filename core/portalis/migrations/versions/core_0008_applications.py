"""applications (owned by the applications work)

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-04 21:40:00

``applications`` holds what a company wrote on the "become a partner" form until a person
approves (which creates the partner) or declines it; ``application_fields`` the extra
questions a vendor asks per program. Programs get ``accepts_applications``, on for existing
programs (the form offered every tenant's first program before).

Companies that applied before this version are partners of status ``applied`` with a
password-less admin. Each becomes an application in stage ``new`` that points at that
partner (``partner_id``); approving it activates that partner and invites its admin rather
than creating a second company, so nothing a vendor already did with the record is lost.
The partner rows are kept: deleting them could break references other tables hold.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portalis.db

revision: str = "core_0008"
down_revision: str | None = "core_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = portalis.db.AwareDateTime(timezone=True)
_OPEN = sa.text("stage IN ('new', 'vetting')")


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy of `programs`, which other tables reference)
    op.add_column(
        "programs",
        sa.Column("accepts_applications", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_table(
        "applications",
        sa.Column("id", _ID, nullable=False),
        sa.Column("program_id", _ID, nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=32), nullable=False),
        sa.Column("website", sa.String(length=255), nullable=True),
        sa.Column("website_domain", sa.String(length=255), nullable=True),
        sa.Column("email_domain", sa.String(length=255), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("owner_id", _ID, nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("reason_sent", sa.Boolean(), nullable=False),
        sa.Column("decided_by_id", _ID, nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("partner_id", _ID, nullable=True),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_applications_tenant_id_owner_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["partners.tenant_id", "partners.id"],
            name=op.f("fk_applications_tenant_id_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "program_id"],
            ["programs.tenant_id", "programs.id"],
            name=op.f("fk_applications_tenant_id_program_id_programs"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_applications_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_applications_tenant_id_id")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        for column in (
            "contact_email",
            "created_at",
            "email_domain",
            "ip_hash",
            "name_key",
            "owner_id",
            "partner_id",
            "program_id",
            "stage",
            "tenant_id",
            "website_domain",
        ):
            batch_op.create_index(batch_op.f(f"ix_applications_{column}"), [column])
        batch_op.create_index(
            "uq_applications_open_email",
            ["tenant_id", "contact_email"],
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )
    op.create_table(
        "application_fields",
        sa.Column("id", _ID, nullable=False),
        sa.Column("program_id", _ID, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("label_i18n", sa.JSON(), nullable=False),
        sa.Column("help", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "program_id"],
            ["programs.tenant_id", "programs.id"],
            name=op.f("fk_application_fields_tenant_id_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_application_fields_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_fields")),
        sa.UniqueConstraint("program_id", "key", name=op.f("uq_application_fields_program_id_key")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_application_fields_tenant_id_id")),
    )
    with op.batch_alter_table("application_fields", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_fields_program_id"), ["program_id"])
        batch_op.create_index(batch_op.f("ix_application_fields_tenant_id"), ["tenant_id"])
    _migrate_applied_partners()


def _migrate_applied_partners() -> None:
    """Each partner of status "applied" becomes an open application pointing at it."""
    bind = op.get_bind()
    partners = sa.table(
        "partners",
        sa.column("id"),
        sa.column("tenant_id"),
        sa.column("name"),
        sa.column("status"),
        sa.column("program_id"),
        sa.column("country"),
        sa.column("website"),
        sa.column("contact_email"),
        sa.column("created_at"),
    )
    users = sa.table(
        "users",
        sa.column("id"),
        sa.column("tenant_id"),
        sa.column("partner_id"),
        sa.column("name"),
        sa.column("email"),
        sa.column("locale"),
    )
    applications = sa.table(
        "applications",
        *(
            sa.column(name)
            for name in (
                "tenant_id",
                "program_id",
                "stage",
                "company_name",
                "name_key",
                "website",
                "website_domain",
                "email_domain",
                "country",
                "contact_name",
                "contact_email",
                "locale",
                "reason_sent",
                "partner_id",
                "created_at",
                "updated_at",
            )
        ),
        sa.column("answers", sa.JSON()),
    )
    rows = bind.execute(
        sa.select(partners).where(partners.c.status == "applied").order_by(partners.c.id)
    ).all()
    if not rows:
        return
    from portalis.companies.domains import is_free_mail_domain, registrable_domain
    from portalis.companies.names import name_block_key

    def domain(value: str | None) -> str | None:
        found = registrable_domain(value or "")
        return None if found is None or is_free_mail_domain(found) else found

    seen: set[tuple[int, str]] = set()
    for p in rows:
        person = bind.execute(
            sa.select(users.c.name, users.c.email, users.c.locale)
            .where(users.c.tenant_id == p.tenant_id, users.c.partner_id == p.id)
            .order_by(users.c.id)
            .limit(1)
        ).first()
        email = ((person.email if person else None) or p.contact_email or "").strip().lower()
        if not email or (p.tenant_id, email) in seen:
            continue  # nobody to answer, or already migrated under that address
        seen.add((p.tenant_id, email))
        bind.execute(
            applications.insert().values(
                tenant_id=p.tenant_id,
                program_id=p.program_id,
                stage="new",
                company_name=p.name,
                name_key=name_block_key(p.name or "")[:32],
                website=p.website,
                website_domain=domain(p.website),
                email_domain=domain(email),
                country=p.country,
                contact_name=(person.name if person else "") or p.name,
                contact_email=email,
                locale=person.locale if person else None,
                answers={},
                reason_sent=False,
                partner_id=p.id,
                created_at=p.created_at,
                updated_at=p.created_at,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("application_fields", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_fields_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_application_fields_program_id"))
    op.drop_table("application_fields")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("uq_applications_open_email")
        for column in (
            "website_domain",
            "tenant_id",
            "stage",
            "program_id",
            "partner_id",
            "owner_id",
            "name_key",
            "ip_hash",
            "email_domain",
            "created_at",
            "contact_email",
        ):
            batch_op.drop_index(batch_op.f(f"ix_applications_{column}"))
    op.drop_table("applications")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("accepts_applications")
