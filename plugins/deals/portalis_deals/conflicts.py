"""Pure, versioned conflict-detection rules for deal registrations.

When a partner submits a deal registration it is compared with the tenant's *active*
registrations of all partners.  Two registrations conflict when they very probably name the
same end customer:

* ``same_domain`` - both resolve to the same *registrable* domain (``www.``, sub-domains,
  URLs and e-mail addresses all collapse to e.g. ``acme.co.uk``).  Shared free-mail domains
  (``gmail.com`` …) never count: two people with Gmail addresses are not the same customer.
* ``same_name`` - the company names are identical after normalisation (case, accents,
  punctuation, spacing and legal forms such as *Inc*, *GmbH & Co. KG* or *株式会社* removed;
  spaces are ignored, so "Micro Soft" is "Microsoft").
* ``similar_name`` - the normalised names are similar enough (see
  :func:`company_name_similarity`) to be worth a human look.

Everything here is a pure function of its arguments - no database, no network, no clock - so
the rules can be unit-tested exhaustively and re-run later with the same result.  Every match
carries :data:`RULES_VERSION`; bump it whenever a change here could change which deals match
or how they score, so stored matches can be told apart from ones the current rules would
produce.

Scoring (a score is "how sure are we that both deals are about the same customer", 0..1):

==================  =====================================================================
rule                score
==================  =====================================================================
``same_domain``     :data:`SAME_DOMAIN_SCORE` (1.0).  A shared corporate domain is the
                    strongest evidence we have; it is never lowered by a country mismatch
                    because subsidiaries in different countries share domains.
``same_name``       :data:`SAME_NAME_SCORE` (0.95).  Slightly below a domain match: unrelated
                    companies do share names ("Apex Ltd" exists in many countries).
``similar_name``    :data:`SIMILAR_NAME_WEIGHT` × similarity (≤ 0.9), so any fuzzy match ranks
                    below an exact name match.  Only reported when the raw similarity reaches
                    ``name_threshold`` (default 0.85).
==================  =====================================================================

Both name rules are multiplied by :data:`COUNTRY_MISMATCH_FACTOR` (0.8) when both deals carry a
country and the countries differ: the match is still *reported* (a multinational is one
customer for channel-conflict purposes) but ranks lower.  An unknown country is no evidence
either way and costs nothing.  The threshold is applied to the raw name similarity, before the
country factor, so the country changes the rank of a match but never whether it is reported.

Only the standard library is used, on purpose: the rules must be cheap to run inside a request
and must not change behaviour because a third-party list (e.g. the Public Suffix List) was
updated underneath a stored ``rules_version``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from portalis.api import (
    SIMILAR_NAME_THRESHOLD,
    company_name_similarity,
    is_free_mail_domain,
    normalize_company_name,
    registrable_domain,
    same_company_name,
)

__all__ = [
    "COUNTRY_MISMATCH_FACTOR",
    "DEFAULT_NAME_THRESHOLD",
    "FIELD_DOMAIN",
    "FIELD_NAME",
    "RULES_VERSION",
    "RULE_SAME_DOMAIN",
    "RULE_SAME_NAME",
    "RULE_SIMILAR_NAME",
    "SAME_DOMAIN_SCORE",
    "SAME_NAME_SCORE",
    "SIMILAR_NAME_WEIGHT",
    "ConflictMatch",
    "DealFacts",
    "find_conflicts",
]

#: Version of the rules below.  Stored with every match; bump it whenever a change to this
#: module - or to the core's name and domain rules it uses (``portalis.companies``) - can
#: change which deals match or how they score.
RULES_VERSION: str = "1"

RULE_SAME_DOMAIN = "same_domain"
RULE_SAME_NAME = "same_name"
RULE_SIMILAR_NAME = "similar_name"

FIELD_DOMAIN = "customer_domain"
FIELD_NAME = "customer_name"

SAME_DOMAIN_SCORE = 1.0
SAME_NAME_SCORE = 0.95
SIMILAR_NAME_WEIGHT = 0.9
COUNTRY_MISMATCH_FACTOR = 0.8
DEFAULT_NAME_THRESHOLD = SIMILAR_NAME_THRESHOLD


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DealFacts:
    """The facts of one registration that the rules look at (nothing else, to stay pure)."""

    id: int | None
    company_name: str
    domain: str | None  # raw domain / web site / e-mail as entered
    country: str | None = None  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class ConflictMatch:
    """One detected conflict between the candidate and another registration.

    ``rule`` is the strongest rule that fired.  ``fields`` lists every customer field that
    matched, the strongest rule's field first - so a same-domain match whose names also match
    reads ``("customer_domain", "customer_name")``.  ``score`` is in ``[0, 1]``, rounded to
    three places, and ``rules_version`` is the :data:`RULES_VERSION` that produced it.
    """

    other_id: int
    rule: str
    fields: tuple[str, ...]
    score: float
    rules_version: str


@dataclass(frozen=True)
class _Prepared:
    domain: str | None  # registrable, None when missing/invalid/free-mail
    name: str  # normalised
    country: str | None  # upper-case, None when unknown


def _prepare(deal: DealFacts) -> _Prepared:
    domain = registrable_domain(deal.domain) if deal.domain else None
    if domain is not None and is_free_mail_domain(domain):
        domain = None
    country = (deal.country or "").strip().upper() or None
    return _Prepared(domain, normalize_company_name(deal.company_name or ""), country)


def _match(
    candidate: _Prepared, other: _Prepared, other_id: int, name_threshold: float
) -> ConflictMatch | None:
    domain_hit = candidate.domain is not None and candidate.domain == other.domain

    name_rule: str | None = None
    name_score = 0.0
    if candidate.name and same_company_name(candidate.name, other.name):
        name_rule, name_score = RULE_SAME_NAME, SAME_NAME_SCORE
    elif (similarity := company_name_similarity(candidate.name, other.name)) >= name_threshold:
        name_rule, name_score = RULE_SIMILAR_NAME, SIMILAR_NAME_WEIGHT * similarity
    if (
        name_rule is not None
        and candidate.country is not None
        and other.country is not None
        and candidate.country != other.country
    ):
        name_score *= COUNTRY_MISMATCH_FACTOR

    if domain_hit:
        fields = (FIELD_DOMAIN, FIELD_NAME) if name_rule else (FIELD_DOMAIN,)
        return ConflictMatch(other_id, RULE_SAME_DOMAIN, fields, SAME_DOMAIN_SCORE, RULES_VERSION)
    if name_rule is not None:
        score = round(min(1.0, max(0.0, name_score)), 3)
        return ConflictMatch(other_id, name_rule, (FIELD_NAME,), score, RULES_VERSION)
    return None


def find_conflicts(
    candidate: DealFacts,
    existing: Iterable[DealFacts],
    *,
    name_threshold: float = DEFAULT_NAME_THRESHOLD,
) -> list[ConflictMatch]:
    """Check ``candidate`` against ``existing`` registrations; return one match per conflict.

    Pure: the result depends only on the arguments and :data:`RULES_VERSION`.  ``existing`` is
    what the database pre-selected (same tenant, active, same registrable domain or same
    :func:`name_block_key`); an entry with the candidate's own ``id`` is skipped so re-checking
    a saved deal does not flag itself.  Each other deal yields at most one match, for its
    strongest rule (``same_domain`` 1.0 > ``same_name`` 0.95 > ``similar_name`` ≤ 0.9; see the
    module docstring for the country factor).  Matches are sorted by score descending, then
    ``other_id`` ascending, so the order is stable for display and tests.

    ``name_threshold`` is the minimum :func:`company_name_similarity` for ``similar_name``.

    Raises ``ValueError`` for a threshold outside ``(0, 1]`` or an existing deal without an id
    (it could not be recorded, and silently dropping it would hide a conflict).
    """
    if not 0.0 < name_threshold <= 1.0:
        raise ValueError(f"name_threshold must be in (0, 1], got {name_threshold!r}")
    prepared_candidate = _prepare(candidate)
    best: dict[int, ConflictMatch] = {}
    for other in existing:
        if other.id is None:
            raise ValueError("existing registrations must have an id")
        if candidate.id is not None and other.id == candidate.id:
            continue
        match = _match(prepared_candidate, _prepare(other), other.id, name_threshold)
        if match is None:
            continue
        previous = best.get(other.id)
        if previous is None or match.score > previous.score:
            best[other.id] = match
    return sorted(best.values(), key=lambda match: (-match.score, match.other_id))
