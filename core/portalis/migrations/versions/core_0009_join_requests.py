"""join requests and team (owned by the team work)

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-12-04 21:40:00
"""

from collections.abc import Sequence

revision: str = "core_0009"
down_revision: str | None = "core_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
