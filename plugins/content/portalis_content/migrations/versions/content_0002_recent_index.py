"""index for the library's newest-first lists

Revision ID: content_0002
Revises: content_0001
Create Date: 2026-11-24 23:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "content_0002"
down_revision: str | None = "content_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_content_items_recent", "content_items", ["tenant_id", "updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_content_items_recent", table_name="content_items")
