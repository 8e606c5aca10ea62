"""Background jobs: text extraction after an upload, and the publish/expiry schedule.

Both run in the tenant's scope with their own session (see ``api.enqueue``) and commit
through the job runner.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, not_, or_, select

from portalis import api

from . import service
from .access import live_clause
from .models import Item, Translation, Version

#: How often the schedule job looks for items whose publish or expiry moment passed.
SCHEDULE_EVERY = dt.timedelta(minutes=1)
BATCH = 500


def extract_version(version_id: int) -> None:
    """Extract a version's text; if it is (still) current, re-index its item with it."""
    version = api.session.get(Version, version_id)
    if version is None or version.text_status not in ("pending", "failed"):
        return
    service.extract_now(version)
    # a restore made before the extraction finished shares the same file: fill it too
    for twin in api.session.scalars(
        select(Version).where(
            Version.stored_name == version.stored_name,
            Version.id != version.id,
            Version.text_status.in_(("pending", "failed")),
        )
    ):
        twin.text, twin.text_status = version.text, version.text_status
    api.session.flush()
    current = api.session.scalars(
        select(Translation.item_id).where(
            Translation.current_version_id.in_(
                select(Version.id).where(Version.stored_name == version.stored_name)
            )
        )
    ).all()
    service.index_items(current)


def sync_schedule() -> None:
    """Items that became published or expired since they were indexed: index them again,
    so the search shows them to partners exactly while they are live."""
    programs = api.programs_with_plugin(service.PLUGIN_NAME)
    if not programs:
        return
    now = api.utcnow()
    live = and_(live_clause(now), Item.visibility != "hidden")
    ids = api.session.scalars(
        select(Item.id)
        .where(
            Item.program_id.in_(programs),
            or_(
                and_(live, Item.search_live.is_(False)),
                and_(not_(live), Item.search_live.is_(True)),
            ),
        )
        .limit(BATCH)
    ).all()
    service.index_items(ids)
