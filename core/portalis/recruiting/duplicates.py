"""Which partners and open applications an application may repeat.

Two rules, the same the deal conflicts use (``portalis.companies``):

* **same domain** — the registrable domain of the applicant's website or e-mail address
  equals a partner's ``email_domain`` or another open application's domains. Sub-domains
  count as the domain (``eu.acme.com`` is ``acme.com``); free-mail providers never count
  (two Gmail users are not one company), which is why they are never stored as domains.
* **similar name** — :func:`~portalis.companies.names.company_name_similarity` reaches
  :data:`~portalis.companies.names.SIMILAR_NAME_THRESHOLD`. Candidates are found by index
  first: applications by their stored ``name_key``, partners by the key appearing in their
  name; only those are scored. A name that differs within its first four distinctive
  letters is found only through its domain (the trade-off ``name_block_key`` documents).

Matches are advice for the reviewer, never a refusal: a second office of a partner may
rightly apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from ..companies.names import SIMILAR_NAME_THRESHOLD, company_name_similarity
from ..db import db
from ..models import Application, Partner
from ..models.applications import OPEN_STAGES

MAX_CANDIDATES = 200


@dataclass(frozen=True)
class Duplicate:
    """``kind`` is "partner" or "application"; ``rule`` "same_domain" or "similar_name"."""

    kind: str
    id: int
    name: str
    rule: str
    score: float
    domain: str | None = None
    stage: str | None = None


def domains_of(application: Application) -> set[str]:
    return {d for d in (application.website_domain, application.email_domain) if d}


def find(application: Application) -> list[Duplicate]:
    """Partners and other open applications that may be the same company, best first;
    one entry per record (a domain match outranks a name match)."""
    found: dict[tuple[str, int], Duplicate] = {}
    domains = domains_of(application)
    if domains:
        for p in db.session.execute(
            select(Partner.id, Partner.name, Partner.email_domain)
            .where(Partner.email_domain.in_(domains))
            .limit(MAX_CANDIDATES)
        ):
            if application.partner_id == p.id:
                continue  # the partner this application created (or came from)
            found[("partner", p.id)] = Duplicate(
                "partner", p.id, p.name, "same_domain", 1.0, p.email_domain
            )
        for a in db.session.scalars(
            _other_open(application)
            .where(
                or_(Application.website_domain.in_(domains), Application.email_domain.in_(domains))
            )
            .limit(MAX_CANDIDATES)
        ):
            shared = sorted(domains_of(a) & domains)
            found[("application", a.id)] = Duplicate(
                "application", a.id, a.company_name, "same_domain", 1.0, shared[0], a.stage
            )
    key = application.name_key
    if key:
        pattern = "%" + key.replace("%", "").replace("_", "") + "%"
        partners = db.session.execute(
            select(Partner.id, Partner.name)
            .where(func.lower(Partner.name).like(pattern))
            .limit(MAX_CANDIDATES)
        ).all()
        for pid, name in partners:
            if ("partner", pid) in found or application.partner_id == pid:
                continue
            score = company_name_similarity(application.company_name, name)
            if score >= SIMILAR_NAME_THRESHOLD:
                found[("partner", pid)] = Duplicate("partner", pid, name, "similar_name", score)
        for a in db.session.scalars(
            _other_open(application).where(Application.name_key == key).limit(MAX_CANDIDATES)
        ):
            if ("application", a.id) in found:
                continue
            score = company_name_similarity(application.company_name, a.company_name)
            if score >= SIMILAR_NAME_THRESHOLD:
                found[("application", a.id)] = Duplicate(
                    "application", a.id, a.company_name, "similar_name", score, stage=a.stage
                )
    return sorted(found.values(), key=lambda d: (-d.score, d.kind, d.name))


def _other_open(application: Application) -> Select[Application]:
    return select(Application).where(
        Application.stage.in_(OPEN_STAGES), Application.id != application.id
    )
