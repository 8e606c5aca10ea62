"""One behavioural suite, run against every search backend (see conftest)."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from portalis.search import SearchBackend, SearchDocument, SearchQuery, SearchViewer

Doc = Callable[..., SearchDocument]

ALL_PLUGINS = frozenset({"content", "deals", "training"})
VENDOR = SearchViewer(True, None, None, None, ALL_PLUGINS)
ANON_PARTNER = SearchViewer(False, None, None, None, ALL_PLUGINS)


def partner(
    program: int | None = 1,
    tier: int | None = 1,
    company: int | None = 10,
    plugins: frozenset[str] = ALL_PLUGINS,
) -> SearchViewer:
    return SearchViewer(False, program, tier, company, plugins)


def search(b: SearchBackend, text_: str, viewer: SearchViewer = VENDOR, **kw: Any) -> Any:
    return b.search(SearchQuery(kw.pop("tenant_id", 1), text_, viewer, **kw))


def ids(results: Any) -> list[str]:
    return [h.doc_id for h in results.hits]


def filler(make_doc: Doc, n: int = 12, **kw: Any) -> list[SearchDocument]:
    """Unrelated documents, so that term statistics (idf) mean something."""
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "omicron",
        "sigma",
    ]
    return [
        make_doc(title=f"{words[i % 12]} notes", body=f"{words[(i + 3) % 12]} misc text", **kw)
        for i in range(n)
    ]


def test_backend_implements_protocol(backend: Any) -> None:
    assert isinstance(backend, SearchBackend)


# --- isolation and visibility -------------------------------------------------


def test_tenant_isolation(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(tenant_id=1, doc_id="same", title="Pricing sheet", body="cloud pricing"),
            make_doc(tenant_id=2, doc_id="same", title="Pricing secrets", body="zebrafish"),
            make_doc(tenant_id=2, title="Other tenant", facets={"type": "secret"}),
        ]
    )
    r = search(backend, "pricing")
    assert ids(r) == ["same"] and r.hits[0].title == "Pricing sheet"
    assert r.total == 1
    everything = search(backend, "")
    assert everything.total == 1
    assert "type" not in everything.facets
    assert search(backend, "zebrafish").total == 0
    assert search(backend, "zebrafsh").suggestion is None
    assert search(backend, "zebrafsh", tenant_id=2).suggestion == "zebrafish"
    assert backend.suggest(1, VENDOR, "pricing s") == ["Pricing sheet"]


def _visibility_corpus(make_doc: Doc) -> list[SearchDocument]:
    return [
        make_doc(doc_id="public", title="Launch kit"),
        make_doc(doc_id="vendor-only", title="Launch kit", audience="vendor"),
        make_doc(doc_id="partner-aud", title="Launch kit", audience="partner"),
        make_doc(doc_id="program-1", title="Launch kit", program_id=1),
        make_doc(doc_id="program-2", title="Launch kit", program_id=2),
        make_doc(doc_id="tier-1", title="Launch kit", tier_ids=(1, 3)),
        make_doc(doc_id="tier-2", title="Launch kit", tier_ids=(2,)),
        make_doc(doc_id="no-tier", title="Launch kit", tier_ids=()),
        make_doc(doc_id="company-10", title="Launch kit", partner_ids=(10,)),
        make_doc(doc_id="company-11", title="Launch kit", partner_ids=(11, 12)),
        make_doc(doc_id="deals-plugin", title="Launch kit", plugin="deals"),
        make_doc(
            doc_id="combo-ok", title="Launch kit", program_id=1, tier_ids=(1,), partner_ids=(10,)
        ),
        make_doc(
            doc_id="combo-bad", title="Launch kit", program_id=1, tier_ids=(1,), partner_ids=(11,)
        ),
    ]


VISIBILITY_CASES = [
    pytest.param(
        VENDOR,
        {
            "public",
            "vendor-only",
            "partner-aud",
            "program-1",
            "program-2",
            "tier-1",
            "tier-2",
            "no-tier",
            "company-10",
            "company-11",
            "deals-plugin",
            "combo-ok",
            "combo-bad",
        },
        id="vendor-staff-sees-all",
    ),
    pytest.param(
        partner(),
        {"public", "partner-aud", "program-1", "tier-1", "company-10", "deals-plugin", "combo-ok"},
        id="partner-program1-tier1-company10",
    ),
    pytest.param(
        partner(program=2, tier=2, company=11),
        {"public", "partner-aud", "program-2", "tier-2", "company-11", "deals-plugin"},
        id="partner-program2-tier2-company11",
    ),
    pytest.param(ANON_PARTNER, {"public", "partner-aud", "deals-plugin"}, id="partner-without-ids"),
    pytest.param(
        partner(plugins=frozenset({"content"})),
        {"public", "partner-aud", "program-1", "tier-1", "company-10", "combo-ok"},
        id="plugin-disabled",
    ),
    pytest.param(
        SearchViewer(True, None, None, None, frozenset({"deals"})),
        {"deals-plugin"},
        id="vendor-one-plugin",
    ),
    pytest.param(SearchViewer(True, None, None, None, frozenset()), set(), id="no-plugins"),
]


@pytest.mark.parametrize(("viewer", "expected"), VISIBILITY_CASES)
def test_visibility_rules(
    backend: Any, make_doc: Doc, viewer: SearchViewer, expected: set[str]
) -> None:
    backend.index(_visibility_corpus(make_doc))
    r = search(backend, "launch", viewer, per_page=50)
    assert set(ids(r)) == expected
    assert r.total == len(expected)
    # An empty query lists what is visible, with the same counts.
    listing = search(backend, "", viewer, per_page=50)
    assert set(ids(listing)) == expected
    if expected:
        plugins = dict(r.facets["plugin"])
        assert sum(plugins.values()) == len(expected)
        assert ("deals" in plugins) == ("deals-plugin" in expected)
    else:
        assert r.facets == {}
    titles = backend.suggest(1, viewer, "laun")
    assert titles == (["Launch kit"] if expected else [])


def test_hidden_documents_leak_nothing(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(
                doc_id="open",
                title="Quarterly report",
                body="revenue numbers",
                facets={"type": "pdf"},
            ),
            make_doc(
                doc_id="tier9",
                title="Quarterly zebrafish",
                body="revenue secret",
                tier_ids=(9,),
                facets={"type": "confidential"},
            ),
            make_doc(
                doc_id="vendor",
                title="Quarterly margin",
                body="revenue",
                audience="vendor",
                facets={"type": "internal"},
                plugin="deals",
            ),
            *filler(make_doc),
        ]
    )
    viewer = partner()
    r = search(backend, "revenue", viewer)
    assert ids(r) == ["open"]
    assert r.total == 1
    assert r.facets == {"plugin": [("content", 1)], "type": [("pdf", 1)]}
    assert search(backend, "zebrafish", viewer).total == 0
    assert search(backend, "zebrafsh", viewer).suggestion is None
    assert search(backend, "zebrafsh", VENDOR).suggestion == "zebrafish"
    assert search(backend, "quarterly", viewer, facet_filters={"type": "confidential"}).total == 0
    assert backend.suggest(1, viewer, "quarterly") == ["Quarterly report"]
    assert set(backend.suggest(1, VENDOR, "quarterly")) == {
        "Quarterly report",
        "Quarterly zebrafish",
        "Quarterly margin",
    }


# --- matching -------------------------------------------------------------------


def test_stemming_english(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(doc_id="registered", body="The deal was registered yesterday."),
            make_doc(doc_id="registers", title="Who registers deals?"),
            make_doc(doc_id="registrations", body="Open registrations for the summit."),
            make_doc(doc_id="unrelated", body="Nothing to see."),
        ]
    )
    assert set(ids(search(backend, "registering"))) == {"registered", "registers"}
    # Snowball (and so PostgreSQL's english config) keeps the noun apart:
    # "registration" -> "registr", "registering" -> "regist".
    assert ids(search(backend, "registration")) == ["registrations"]


def test_stemming_other_languages(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(doc_id="de", language="de", body="Verträge mit unseren Partnern"),
            make_doc(doc_id="fr", language="fr-CA", body="Les inscriptions sont ouvertes"),
            make_doc(doc_id="es", language="es", body="Los registros de socios"),
            make_doc(doc_id="ja", language="ja", body="パートナー 登録"),
        ]
    )
    assert ids(search(backend, "Partner Vertrag")) == ["de"]
    assert ids(search(backend, "inscription")) == ["fr"]
    assert ids(search(backend, "socio registro")) == ["es"]
    assert ids(search(backend, "登録")) == ["ja"]


def test_phrase(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(doc_id="exact", body="How deal registration works for partners."),
            make_doc(doc_id="apart", body="Registration of a deal is simple."),
        ]
    )
    assert ids(search(backend, '"deal registration"')) == ["exact"]
    assert set(ids(search(backend, "deal registration"))) == {"exact", "apart"}


def test_prefix(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(doc_id="registration", title="Deal registration"),
            make_doc(doc_id="registering", body="We are registering partners"),
            make_doc(doc_id="regional", body="Regional sales"),
        ]
    )
    assert set(ids(search(backend, "regist*"))) == {"registration", "registering"}
    # The prefix is matched against words, not stems ("registration" stems
    # to "registr", which "registra" is longer than).
    assert ids(search(backend, "registra*")) == ["registration"]
    assert set(ids(search(backend, "reg*"))) == {"registration", "registering", "regional"}


def test_boolean_operators(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(doc_id="cloud-pdf", body="cloud datasheet"),
            make_doc(doc_id="cloud-video", body="cloud webinar"),
            make_doc(doc_id="edge", body="edge datasheet"),
        ]
    )
    assert ids(search(backend, "cloud datasheet")) == ["cloud-pdf"]
    assert set(ids(search(backend, "cloud -webinar"))) == {"cloud-pdf"}
    assert set(ids(search(backend, "webinar OR edge"))) == {"cloud-video", "edge"}
    assert set(ids(search(backend, "-cloud"))) == {"edge"}


def test_title_boost_ranking(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(
                doc_id="body",
                title="Partner handbook",
                body="Chapter seven covers onboarding for new partners in detail.",
            ),
            make_doc(
                doc_id="tags",
                title="Welcome pack",
                tags=("onboarding",),
                body="Material for the first week.",
            ),
            make_doc(
                doc_id="title", title="Onboarding checklist", body="Steps for the first week."
            ),
            *filler(make_doc),
        ]
    )
    assert ids(search(backend, "onboarding")) == ["title", "tags", "body"]


def test_language_boost(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(doc_id="en", language="en", title="Cloud portal", body="cloud portal"),
            make_doc(doc_id="de", language="de", title="Cloud portal", body="cloud portal"),
            *filler(make_doc),
        ]
    )
    assert ids(search(backend, "cloud", language="de"))[0] == "de"
    assert ids(search(backend, "cloud", language="en-GB"))[0] == "en"


# --- facets, sorting, paging ------------------------------------------------


def test_facet_counts_and_filters(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(body="kit", facets={"type": "pdf", "product": "Cloud"}),
            make_doc(body="kit", facets={"type": "pdf", "product": "Edge"}),
            make_doc(body="kit", facets={"type": "video", "product": "Cloud"}),
            make_doc(body="kit", facets={"type": "video"}, plugin="training"),
            make_doc(body="kit", plugin="deals"),
            make_doc(body="other", facets={"type": "pdf"}),
        ]
    )
    r = search(backend, "kit")
    assert r.total == 5
    assert r.facets == {
        "plugin": [("content", 3), ("deals", 1), ("training", 1)],
        "product": [("Cloud", 2), ("Edge", 1)],
        "type": [("pdf", 2), ("video", 2)],
    }
    pdf = search(backend, "kit", facet_filters={"type": "pdf"})
    assert pdf.total == 2
    assert pdf.facets["product"] == [("Cloud", 1), ("Edge", 1)]
    both = search(backend, "kit", facet_filters={"type": "video", "product": "Cloud"})
    assert both.total == 1
    training = search(backend, "kit", facet_filters={"plugin": "training"})
    assert training.total == 1 and training.facets["plugin"] == [("training", 1)]
    assert search(backend, "kit", facet_filters={"type": "nope"}).total == 0
    assert search(backend, "", facet_filters={"type": "pdf"}).total == 3


def test_date_sort_and_paging(backend: Any, make_doc: Doc) -> None:
    base = datetime(2024, 3, 1, tzinfo=UTC)
    backend.index(
        [
            make_doc(doc_id=f"d{i}", body="release notes", updated_at=base + timedelta(days=i))
            for i in (3, 1, 4, 0, 2)
        ]
        + filler(make_doc)
    )
    r = search(backend, "release", sort="date", per_page=2)
    assert r.total == 5
    assert ids(r) == ["d4", "d3"]
    assert r.hits[0].updated_at == base + timedelta(days=4)
    assert ids(search(backend, "release", sort="date", per_page=2, page=2)) == ["d2", "d1"]
    last = search(backend, "release", sort="date", per_page=2, page=3)
    assert ids(last) == ["d0"] and last.total == 5
    beyond = search(backend, "release", per_page=2, page=9)
    assert beyond.hits == [] and beyond.total == 5
    all_pages = [ids(search(backend, "release", per_page=2, page=p)) for p in (1, 2, 3)]
    assert sorted(sum(all_pages, [])) == ["d0", "d1", "d2", "d3", "d4"]


# --- writes ------------------------------------------------------------------


def test_upsert_replaces(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [make_doc(doc_id="x", title="Old title", body="obsolete words", facets={"type": "pdf"})]
    )
    backend.index(
        [make_doc(doc_id="x", title="New title", body="fresh words", facets={"type": "video"})]
    )
    assert search(backend, "obsolete").total == 0
    r = search(backend, "fresh")
    assert ids(r) == ["x"] and r.hits[0].title == "New title"
    assert search(backend, "").total == 1
    assert search(backend, "words").facets["type"] == [("video", 1)]
    # The same id twice in one batch: the last one wins.
    backend.index([make_doc(doc_id="y", title="first"), make_doc(doc_id="y", title="second")])
    assert [h.title for h in search(backend, "second").hits] == ["second"]
    assert search(backend, "first").total == 0


def test_delete_and_clear(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(doc_id="a", body="shared word"),
            make_doc(doc_id="b", body="shared word"),
            make_doc(tenant_id=2, doc_id="a", body="shared word"),
        ]
    )
    backend.delete(1, ["a", "does-not-exist"])
    assert ids(search(backend, "shared")) == ["b"]
    assert search(backend, "shared", tenant_id=2).total == 1
    backend.clear(1)
    assert search(backend, "shared").total == 0
    assert search(backend, "shared", tenant_id=2).total == 1
    backend.clear(None)
    assert search(backend, "shared", tenant_id=2).total == 0
    backend.index([make_doc(doc_id="a", body="shared renewed")])
    assert ids(search(backend, "renewed")) == ["a"]


# --- presentation -------------------------------------------------------------


def assert_safe_snippet(snippet: str, body: str) -> None:
    """Only <mark> markup; every fragment is escaped text of the body."""
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare and '"' not in bare
    for fragment in bare.split("…"):
        assert " ".join(html.unescape(fragment).split()) in " ".join(body.split())


def test_snippet_highlights_and_escapes_html(backend: Any, make_doc: Doc) -> None:
    body = '<script>alert("x")</script> Deal registration & "quotes" explained.'
    backend.index([make_doc(doc_id="xss", title="<b>Registration</b>", body=body)])
    hit = search(backend, "registration").hits[0]
    assert "<script>" not in hit.snippet_html and "</script>" not in hit.snippet_html
    assert "script&gt;" in hit.snippet_html
    assert "<mark>registration</mark>" in hit.snippet_html
    assert_safe_snippet(hit.snippet_html, body)
    assert hit.title == "<b>Registration</b>"  # raw; templates escape titles


def test_snippet_of_long_body(backend: Any, make_doc: Doc) -> None:
    body = (
        ("Filler words <b>here</b> & there. " * 30)
        + "The rebate program pays out. "
        + ("More filler text. " * 30)
    )
    backend.index([make_doc(body=body)])
    snippet = search(backend, "rebate").hits[0].snippet_html
    assert "<mark>rebate</mark>" in snippet
    assert len(snippet) < 800
    assert_safe_snippet(snippet, body)


def test_snippet_without_body_match(backend: Any, make_doc: Doc) -> None:
    backend.index([make_doc(title="Onboarding", body="A <i>long</i> text. " * 40)])
    snippet = search(backend, "onboarding").hits[0].snippet_html
    assert snippet.startswith("A &lt;i&gt;long&lt;/i&gt; text.")
    assert "<i>" not in snippet and len(snippet) < 600


def test_did_you_mean(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(title="Deal registration", body="How registration works"),
            make_doc(title="Registration FAQ"),
            make_doc(title="Partner onboarding"),
            make_doc(title="Regional event"),
        ]
    )
    r = search(backend, "registraton")
    assert r.total == 0
    assert r.suggestion == "registration"
    assert search(backend, "deal registraton").suggestion == "deal registration"
    assert search(backend, '"partner onbaording"').suggestion == '"partner onboarding"'
    # Enough hits, or a correctly spelled word: no suggestion.
    assert search(backend, "registration").suggestion is None
    assert search(backend, "xqzvwk").suggestion is None


def test_suggest_titles(backend: Any, make_doc: Doc) -> None:
    backend.index(
        [
            make_doc(title="Deal registration guide"),
            make_doc(title="Deal desk"),
            make_doc(title="Registration FAQ"),
        ]
    )
    assert backend.suggest(1, VENDOR, "deal reg") == ["Deal registration guide"]
    assert set(backend.suggest(1, VENDOR, "regist")) == {
        "Deal registration guide",
        "Registration FAQ",
    }
    assert backend.suggest(1, VENDOR, "deal ") == backend.suggest(1, VENDOR, "deal")[:8]
    assert set(backend.suggest(1, VENDOR, "deal")) == {"Deal registration guide", "Deal desk"}
    assert backend.suggest(1, VENDOR, "deal", limit=1) in (
        ["Deal desk"],
        ["Deal registration guide"],
    )
    assert backend.suggest(1, VENDOR, "  ") == []
    assert backend.suggest(1, VENDOR, "zzz") == []


def test_hostile_query_text(backend: Any, make_doc: Doc) -> None:
    backend.index([make_doc(doc_id="ok", body="normal text")])
    for q in [
        '"',
        "*",
        "-",
        "OR",
        "'; DROP TABLE search_documents; --",
        "a:b",
        "{x} : y",
        "NEAR(a b)",
        "\\",
        "text:*",
        "!!",
        "(",
        "x" * 600,
        "\x00text",
    ]:
        search(backend, q)  # must not raise
    assert ids(search(backend, "'; normal --")) == ["ok"]


# --- database transactions ----------------------------------------------------


def test_index_inside_callers_transaction(sql_backend: Any, make_doc: Doc) -> None:
    engine = sql_backend.engine
    with engine.connect() as conn:
        tx = conn.begin()
        sql_backend.index([make_doc(doc_id="rolled", body="ephemeral")], connection=conn)
        tx.rollback()
    assert search(sql_backend, "ephemeral").total == 0
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))  # the caller's own work would go here
        sql_backend.index([make_doc(doc_id="kept", body="durable")], connection=conn)
        sql_backend.delete(1, ["nothing"], connection=conn)
    assert ids(search(sql_backend, "durable")) == ["kept"]
