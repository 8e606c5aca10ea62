"""Unit tests for the pure deal-registration conflict rules (``portalis_deals.conflicts``)."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from portalis.api import company_name_similarity
from portalis_deals.conflicts import (
    COUNTRY_MISMATCH_FACTOR,
    DEFAULT_NAME_THRESHOLD,
    RULES_VERSION,
    SAME_NAME_SCORE,
    SIMILAR_NAME_WEIGHT,
    ConflictMatch,
    DealFacts,
    find_conflicts,
)

THRESHOLD = DEFAULT_NAME_THRESHOLD

SIMILARITY_NAMES = [
    "Acme",
    "Apex",
    "Acme Widgets",
    "Acme Holdings GmbH & Co. KG",
    "Global Solutions",
    "トヨタ自動車株式会社",
    "日産自動車",
    "ООО «Ромашка»",
    "",
    "a",
    "AT&T",
    "The Company of Biologists Ltd",
]


# --------------------------------------------------------------------------------------------
# find_conflicts
# --------------------------------------------------------------------------------------------


def test_same_domain_match() -> None:
    candidate = DealFacts(None, "Acme Europe", "https://www.eu.acme.com/contact")
    existing = [DealFacts(7, "Totally Different Name", "jo@sales.acme.com")]
    assert find_conflicts(candidate, existing) == [
        ConflictMatch(7, "same_domain", ("customer_domain",), 1.0, RULES_VERSION)
    ]


def test_same_domain_co_uk() -> None:
    candidate = DealFacts(None, "Widget Works", "jo@sales.acme.co.uk")
    existing = [
        DealFacts(1, "Other Co", "www.acme.co.uk"),
        DealFacts(2, "Third Co", "apex.co.uk"),  # same public suffix, different company
    ]
    matches = find_conflicts(candidate, existing)
    assert [(m.other_id, m.rule) for m in matches] == [(1, "same_domain")]


def test_domain_and_name_together_record_both_fields() -> None:
    candidate = DealFacts(None, "ACME, Inc.", "acme.com")
    existing = [DealFacts(3, "Acme GmbH", "www.acme.com")]
    (match,) = find_conflicts(candidate, existing)
    assert match.rule == "same_domain"
    assert match.fields == ("customer_domain", "customer_name")
    assert match.score == 1.0


def test_shared_free_mail_domain_does_not_conflict() -> None:
    candidate = DealFacts(None, "Acme", "jo@gmail.com")
    existing = [
        DealFacts(1, "Apex", "sam@gmail.com"),
        DealFacts(2, "Zenith", "https://mail.google.com"),  # google.com is a company domain
        DealFacts(3, "Orbit", "someone@GMAIL.COM"),
    ]
    assert find_conflicts(candidate, existing) == []


def test_free_mail_domain_still_allows_name_match() -> None:
    candidate = DealFacts(None, "Acme Ltd", "jo@gmail.com")
    existing = [DealFacts(1, "ACME, Inc.", "sam@gmail.com")]
    (match,) = find_conflicts(candidate, existing)
    assert match.rule == "same_name"
    assert match.fields == ("customer_name",)


def test_invalid_or_missing_domains_do_not_conflict() -> None:
    candidate = DealFacts(None, "Acme", "n/a")
    existing = [
        DealFacts(1, "Apex", "n/a"),
        DealFacts(2, "Zenith", None),
        DealFacts(3, "Orbit", ""),
    ]
    assert find_conflicts(candidate, existing) == []
    assert find_conflicts(DealFacts(None, "Acme", None), [DealFacts(1, "Apex", None)]) == []


def test_same_name_match() -> None:
    candidate = DealFacts(None, "Ácmé S.A.", None)
    existing = [DealFacts(5, "ACME, Inc.", "acme.example")]
    assert find_conflicts(candidate, existing) == [
        ConflictMatch(5, "same_name", ("customer_name",), SAME_NAME_SCORE, RULES_VERSION)
    ]


def test_japanese_same_name_match() -> None:
    candidate = DealFacts(None, "トヨタ自動車株式会社", None, "JP")
    existing = [DealFacts(9, "トヨタ自動車", None, "JP"), DealFacts(10, "日産自動車", None, "JP")]
    matches = find_conflicts(candidate, existing)
    assert [(m.other_id, m.rule, m.score) for m in matches] == [(9, "same_name", 0.95)]


def test_similar_name_match_scores_below_same_name() -> None:
    candidate = DealFacts(None, "Acme Widgets", None)
    existing = [DealFacts(4, "Acme Widgts Ltd", None)]
    (match,) = find_conflicts(candidate, existing)
    similarity = company_name_similarity("Acme Widgets", "Acme Widgts Ltd")
    assert match.rule == "similar_name"
    assert match.fields == ("customer_name",)
    assert match.score == round(SIMILAR_NAME_WEIGHT * similarity, 3)
    assert match.score < SAME_NAME_SCORE


def test_word_order_is_similar_not_same() -> None:
    (match,) = find_conflicts(
        DealFacts(None, "Widgets Acme", None), [DealFacts(1, "Acme Widgets", None)]
    )
    assert match.rule == "similar_name"
    assert match.score == round(SIMILAR_NAME_WEIGHT * 1.0, 3)


def test_unrelated_names_do_not_match() -> None:
    candidate = DealFacts(None, "Acme", "acme.com")
    existing = [
        DealFacts(1, "Apex", "apex.com"),
        DealFacts(2, "Apex Technologies", None),
        DealFacts(3, "Acme-Corp Consulting", "acmecorp.com"),
    ]
    assert find_conflicts(candidate, existing) == []


def test_descriptor_name_variant_matches_with_reduced_score() -> None:
    candidate = DealFacts(None, "Acme Holdings GmbH & Co. KG", None)
    (match,) = find_conflicts(candidate, [DealFacts(2, "Acme Ltd", None)])
    assert match.rule == "similar_name"
    assert match.score == round(SIMILAR_NAME_WEIGHT * 0.9, 3)


def test_name_threshold_controls_similar_names() -> None:
    candidate = DealFacts(None, "Acme Widgets", None)
    existing = [DealFacts(1, "Acme Gadgets", None)]
    similarity = company_name_similarity("Acme Widgets", "Acme Gadgets")
    assert 0.7 < similarity < THRESHOLD
    assert find_conflicts(candidate, existing) == []
    (match,) = find_conflicts(candidate, existing, name_threshold=0.7)
    assert match.score == round(SIMILAR_NAME_WEIGHT * similarity, 3)
    # A threshold of 1.0 still reports identical names.
    (exact,) = find_conflicts(candidate, [DealFacts(2, "Acme Widgets Ltd", None)], name_threshold=1)
    assert exact.rule == "same_name"


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.01, 2])
def test_invalid_threshold_is_rejected(threshold: float) -> None:
    with pytest.raises(ValueError, match="name_threshold"):
        find_conflicts(DealFacts(None, "Acme", None), [], name_threshold=threshold)


def test_country_mismatch_lowers_name_match() -> None:
    candidate = DealFacts(None, "Acme", None, "DE")
    existing = [
        DealFacts(1, "Acme Ltd", None, "GB"),
        DealFacts(2, "Acme GmbH", None, "de"),  # same country, different case
        DealFacts(3, "Acme Inc", None, None),  # unknown country: no evidence either way
    ]
    scores = {m.other_id: m.score for m in find_conflicts(candidate, existing)}
    assert scores == {
        1: round(SAME_NAME_SCORE * COUNTRY_MISMATCH_FACTOR, 3),
        2: SAME_NAME_SCORE,
        3: SAME_NAME_SCORE,
    }


def test_country_mismatch_lowers_similar_name_match() -> None:
    candidate = DealFacts(None, "Acme Widgets", None, "US")
    (same_country,) = find_conflicts(candidate, [DealFacts(1, "Acme Widgts", None, "US")])
    (other_country,) = find_conflicts(candidate, [DealFacts(1, "Acme Widgts", None, "FR")])
    similarity = company_name_similarity("Acme Widgets", "Acme Widgts")
    assert same_country.score == round(SIMILAR_NAME_WEIGHT * similarity, 3)
    assert other_country.score == round(
        SIMILAR_NAME_WEIGHT * similarity * COUNTRY_MISMATCH_FACTOR, 3
    )
    assert other_country.rule == "similar_name"


def test_country_mismatch_never_lowers_domain_match() -> None:
    candidate = DealFacts(None, "Acme", "acme.com", "US")
    existing = [DealFacts(1, "Acme", "jp.acme.com", "JP"), DealFacts(2, "Other", "acme.com", "BR")]
    matches = find_conflicts(candidate, existing)
    assert [(m.other_id, m.rule, m.score) for m in matches] == [
        (1, "same_domain", 1.0),
        (2, "same_domain", 1.0),
    ]


def test_ordering_score_desc_then_other_id_asc() -> None:
    candidate = DealFacts(100, "Acme Widgets", "acme.com", "US")
    existing = [
        DealFacts(50, "Acme Widgts", None, "US"),  # similar_name
        DealFacts(40, "Acme Widgets Inc", None, "US"),  # same_name
        DealFacts(30, "Unrelated", "www.acme.com", "US"),  # same_domain
        DealFacts(20, "Acme Widgets GmbH", None, "DE"),  # same_name, other country
        DealFacts(10, "Acme Widgets LLC", None, "US"),  # same_name, ties with 40
        DealFacts(5, "Apex", "apex.com", "US"),  # no match
    ]
    matches = find_conflicts(candidate, existing)
    assert [m.other_id for m in matches] == [30, 10, 40, 50, 20]
    assert [m.rule for m in matches] == [
        "same_domain",
        "same_name",
        "same_name",
        "similar_name",
        "same_name",
    ]
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)


def test_skips_the_candidate_itself() -> None:
    candidate = DealFacts(1, "Acme", "acme.com")
    existing = [DealFacts(1, "Acme", "acme.com"), DealFacts(2, "Acme", "acme.com")]
    assert [m.other_id for m in find_conflicts(candidate, existing)] == [2]


def test_unsaved_candidate_skips_nothing() -> None:
    candidate = DealFacts(None, "Acme", "acme.com")
    existing = [DealFacts(1, "Acme", "acme.com"), DealFacts(2, "Acme", "acme.com")]
    assert [m.other_id for m in find_conflicts(candidate, existing)] == [1, 2]


def test_one_match_per_other_deal_even_if_listed_twice() -> None:
    candidate = DealFacts(None, "Acme", "acme.com")
    existing = [DealFacts(2, "Acme", None), DealFacts(2, "Acme", "acme.com")]
    matches = find_conflicts(candidate, existing)
    assert len(matches) == 1
    assert matches[0].rule == "same_domain"


def test_existing_deal_without_id_is_an_error() -> None:
    with pytest.raises(ValueError, match="id"):
        find_conflicts(DealFacts(None, "Acme", None), [DealFacts(None, "Acme", None)])


def test_empty_candidate_name_matches_nothing_by_name() -> None:
    candidate = DealFacts(None, "", None)
    existing = [DealFacts(1, "", None), DealFacts(2, "Inc.", None), DealFacts(3, "Acme", None)]
    assert find_conflicts(candidate, existing) == []


def test_accepts_any_iterable_and_does_not_mutate_inputs() -> None:
    candidate = DealFacts(None, "Acme", "acme.com", "US")
    existing = [DealFacts(1, "ACME Inc", "acme.com", "US"), DealFacts(2, "Apex", None)]
    snapshot = [dataclasses.replace(deal) for deal in existing]
    from_list = find_conflicts(candidate, existing)
    from_generator = find_conflicts(candidate, (deal for deal in existing))
    assert from_list == from_generator
    assert existing == snapshot
    # Pure: same input, same output.
    assert find_conflicts(candidate, existing) == from_list


def test_rules_version_is_recorded_on_every_match() -> None:
    assert isinstance(RULES_VERSION, str)
    assert RULES_VERSION == "1"
    candidate = DealFacts(None, "Acme", "acme.com")
    existing = [
        DealFacts(1, "Other", "acme.com"),
        DealFacts(2, "Acme Ltd", None),
        DealFacts(3, "Acme Widgets", None),
        DealFacts(4, "Acme Holdings", None),
    ]
    matches = find_conflicts(candidate, existing)
    assert {m.rule for m in matches} == {"same_domain", "same_name", "similar_name"}
    assert all(m.rules_version == RULES_VERSION for m in matches)


def test_scores_are_bounded_and_rounded() -> None:
    names = [*SIMILARITY_NAMES, "Acme Widgts", "Acme Widgets GmbH", "Acme Holdings"]
    domains = [None, "acme.com", "jo@acme.com", "gmail.com"]
    countries = [None, "US", "DE"]
    existing = [
        DealFacts(i, name, domain, country)
        for i, (name, domain, country) in enumerate(
            itertools.product(names, domains, countries), start=1
        )
    ]
    seen_rules: set[str] = set()
    for candidate in existing[:: len(domains) * len(countries) - 1]:
        matches = find_conflicts(candidate, existing)
        ids = [m.other_id for m in matches]
        assert len(ids) == len(set(ids))
        assert candidate.id not in ids
        for match in matches:
            seen_rules.add(match.rule)
            assert 0.0 <= match.score <= 1.0
            assert match.score == round(match.score, 3)
            assert match.fields
            assert match.fields[0] == (
                "customer_domain" if match.rule == "same_domain" else "customer_name"
            )
    assert seen_rules == {"same_domain", "same_name", "similar_name"}


def test_results_are_frozen() -> None:
    (match,) = find_conflicts(DealFacts(None, "Acme", None), [DealFacts(1, "Acme", None)])
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.score = 0.1  # type: ignore[misc]
    facts = DealFacts(1, "Acme", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.company_name = "Apex"  # type: ignore[misc]
