"""partner email domain: the registrable domain that identifies a partner company

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-04 21:40:00

Self-registration ("my company is already a partner") and duplicate detection on
applications look partners up by their registrable domain, so it is stored and indexed.
Existing partners get it from their website, else their contact e-mail (never a free-mail
provider), by the same function the model's listener uses from now on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portalis.companies.domains import company_domain

revision: str = "core_0006"
down_revision: str | None = "core_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("partners", sa.Column("email_domain", sa.String(length=253), nullable=True))
    op.create_index("ix_partners_tenant_id_email_domain", "partners", ["tenant_id", "email_domain"])
    partners = sa.table(
        "partners",
        sa.column("id", sa.BigInteger()),
        sa.column("website", sa.String()),
        sa.column("contact_email", sa.String()),
        sa.column("email_domain", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(partners.c.id, partners.c.website, partners.c.contact_email))
    for pid, website, email in rows.all():
        domain = company_domain(website, email)
        if domain is not None:
            bind.execute(partners.update().where(partners.c.id == pid).values(email_domain=domain))


def downgrade() -> None:
    op.drop_index("ix_partners_tenant_id_email_domain", table_name="partners")
    op.drop_column("partners", "email_domain")
