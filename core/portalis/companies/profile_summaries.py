"""The profile's line on the vendor's partner list and partner page: how complete each
company profile is, and whether a change waits for approval (two queries per page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..i18n import gettext as _
from ..plugins.contract import PartnerSummary
from ..web.templating import percent
from .profile import completeness_metric
from .profile_changes import pending_changes


def profile_summaries(partner_ids: Sequence[int]) -> list[PartnerSummary]:
    ids = list(partner_ids)
    if not ids:
        return []
    done = completeness_metric(ids, 0, dt.datetime.now(dt.UTC))
    waiting = pending_changes(ids)
    out = []
    for pid in ids:
        share = done.get(pid, 0.0) / 100
        text = _("%(pct)s complete", pct=percent(share))
        if pid in waiting:
            text = _("%(pct)s complete · changes to approve", pct=percent(share))
        out.append(
            PartnerSummary(
                partner_id=pid,
                label=_("Company profile"),
                text=text,
                progress=share,
                needs_action=pid in waiting,
            )
        )
    return out
