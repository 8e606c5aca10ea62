"""partner email domain and public extension points

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-04 21:40:00
"""

from collections.abc import Sequence

revision: str = "core_0006"
down_revision: str | None = "core_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
