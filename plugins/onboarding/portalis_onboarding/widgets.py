"""Dashboard cards and the vendor's partner-list column.

* Partner: progress, and the next step first with a link to it; it needs action while
  the checklist is open.
* Vendor (``onboarding.manage``): partners onboarding, overdue, completed.
* Partner summaries: "3 of 5 · next: …" with a progress bar, for a page of partners.
"""

from __future__ import annotations

from collections.abc import Sequence

from portalis import api

from . import access, progress
from .i18n import _


def partner_widget(viewer: api.Viewer) -> api.Widget | None:
    state = progress.for_partner(viewer.partner_id) if viewer.partner_id else None
    if state is None or not state.items:
        return None
    now = api.utcnow()
    html = api.render(
        "onboarding/widgets/partner.html",
        state=state,
        next_item=state.next_step,
        overdue=len(state.overdue_items(now)),
        now=now,
    )
    return api.Widget(
        title=_("Onboarding"),
        html=html,
        order=5,
        needs_action=not state.complete,
        width=1,
    )


def vendor_widget() -> api.Widget | None:
    """Partners onboarding, overdue and finished in the programs that enable the plugin
    (one query; no card before a checklist has tasks)."""
    states = progress.for_partners(enabled_only=True, active_only=True)
    if not states:
        return None
    now = api.utcnow()
    with_tasks = [s for s in states.values() if s.items]
    completed = sum(1 for s in with_tasks if s.complete)
    overdue = sum(1 for s in with_tasks if not s.complete and s.overdue_items(now))
    html = api.render(
        "onboarding/widgets/vendor.html",
        onboarding=len(with_tasks) - completed,
        completed=completed,
        overdue=overdue,
    )
    return api.Widget(title=_("Partner onboarding"), html=html, order=40, width=1)


def for_viewer(viewer: api.Viewer) -> list[api.Widget]:
    if access.partner_sees(viewer):
        widget = partner_widget(viewer)
    elif access.manages(viewer):
        widget = vendor_widget()
    else:
        widget = None
    return [widget] if widget is not None else []


def summaries(partner_ids: Sequence[int]) -> list[api.PartnerSummary]:
    """One line per partner whose program has a checklist (one query for the page)."""
    now = api.utcnow()
    out = []
    for pid, state in progress.for_partners(partner_ids).items():
        if not state.items:
            continue
        if state.complete:
            text = _("Complete")
        else:
            text = _("%(done)s of %(total)s", done=state.done_count, total=state.total)
            nxt = state.next_step
            if nxt is not None:
                text = _("%(progress)s · next: %(task)s", progress=text, task=nxt.task.title)
        out.append(
            api.PartnerSummary(
                partner_id=pid,
                label=_("Onboarding"),
                text=text,
                progress=state.fraction,
                needs_action=not state.complete and bool(state.overdue_items(now)),
            )
        )
    return out
