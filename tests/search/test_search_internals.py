"""Unit tests for the shared pieces: query parser, analysis, highlighter,
spelling, value objects, ``make_backend``, and Whoosh specifics."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from portalis.search import (
    DatabaseBackend,
    SearchDocument,
    SearchQuery,
    SearchViewer,
    WhooshBackend,
    _text,
    make_backend,
)
from portalis.search._query import parse_query

VENDOR = SearchViewer(True, None, None, None, frozenset({"content"}))


def shape(text: str) -> list[tuple[bool, list[tuple[str, tuple[str, ...]]]]]:
    return [(c.negated, [(a.kind, a.words) for a in c.atoms]) for c in parse_query(text).clauses]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Deal Registration",
            [(False, [("term", ("deal",))]), (False, [("term", ("registration",))])],
        ),
        ('"deal registration"', [(False, [("phrase", ("deal", "registration"))])]),
        ("regis*", [(False, [("prefix", ("regis",))])]),
        ("r*", [(False, [("term", ("r",))])]),
        ("-draft", [(True, [("term", ("draft",))])]),
        ('-"old deck"', [(True, [("phrase", ("old", "deck"))])]),
        ("pdf OR video", [(False, [("term", ("pdf",)), ("term", ("video",))])]),
        ("e-mail", [(False, [("phrase", ("e", "mail"))])]),
        ('"unterminated phrase', [(False, [("phrase", ("unterminated", "phrase"))])]),
        ("OR", []),
        ('*** --- ""', []),
        ("a:b {x}", [(False, [("phrase", ("a", "b"))]), (False, [("term", ("x",))])]),
    ],
)
def test_parse_query(text: str, expected: object) -> None:
    assert shape(text) == expected


def test_parse_query_limits_and_render() -> None:
    assert len(parse_query(" ".join(f"w{i}" for i in range(100))).clauses) == 16
    q = parse_query('deal registraton "partner onbaording" regis* -draft a OR b')
    assert q.render({"registraton": "registration"}) == (
        'deal registration "partner onbaording" regis* -draft a OR b'
    )
    assert q.spell_words() == ["deal", "registraton", "partner", "onbaording"]


def test_language_groups_and_stemming() -> None:
    assert _text.language_group("de-AT") == "de"
    assert _text.language_group("pt_BR") == "xx"
    assert _text.language_group("") == "xx"
    assert _text.stem("en", "registering") == _text.stem("en", "registered")
    assert _text.stem("de", "partnern") == _text.stem("de", "partner")
    assert _text.stem("xx", "running") == "running"
    assert _text.words("Ünïcode_and snake_case 42") == ["ünïcode", "and", "snake", "case", "42"]
    assert _text.clean("a\x00b\x02c\nd") == "a b c\nd"


def test_highlight_escapes_and_marks() -> None:
    out = _text.highlight("<b>Tom</b> & Jerry register", "en", {"regist"}, ("jer",))
    assert out == "&lt;b&gt;Tom&lt;/b&gt; &amp; <mark>Jerry</mark> <mark>register</mark>"
    long = ("lorem ipsum " * 50) + "the rebate pays " + ("dolor sit " * 50)
    snippet = _text.highlight(long, "en", {"rebat"})
    assert "<mark>rebate</mark>" in snippet and snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= _text.SNIPPET_CHARS + 30
    assert _text.highlight("", "en", {"x"}) == ""


def test_edit_distance_and_deletes() -> None:
    assert _text.damerau_levenshtein("registraton", "registration", 2) == 1
    assert _text.damerau_levenshtein("onbaording", "onboarding", 2) == 1  # transposition
    assert _text.damerau_levenshtein("abc", "xyz", 1) == 2
    assert "registraton" in _text.deletes("registration")
    assert _text.deletes("abc") == {"abc", "bc", "ac", "ab"}


def test_document_validation() -> None:
    base: dict[str, Any] = {
        "tenant_id": 1,
        "doc_id": "x",
        "plugin": "content",
        "program_id": None,
        "tier_ids": [2, 1],
        "partner_ids": None,
        "audience": "all",
        "language": "en",
        "title": "t",
        "body": "b",
        "tags": ["a"],
        "facets": {"type": "pdf"},
        "url": "/x",
        "updated_at": datetime(2024, 1, 1, 12),
    }
    doc = SearchDocument(**base)
    assert doc.tier_ids == (2, 1) and doc.tags == ("a",)
    assert doc.updated_at == datetime(2024, 1, 1, 12, tzinfo=UTC)
    cet = SearchDocument(
        **{**base, "updated_at": datetime(2024, 1, 1, 13, tzinfo=timezone(timedelta(hours=1)))}
    )
    assert cet.updated_at == doc.updated_at
    for bad in (
        {"audience": "everyone"},
        {"facets": {"plugin": "x"}},
        {"facets": {"type": ""}},
        {"doc_id": ""},
        {"tier_ids": [True]},
    ):
        with pytest.raises((ValueError, TypeError)):
            SearchDocument(**{**base, **bad})
    with pytest.raises(ValueError):
        SearchQuery(1, "x", VENDOR, sort="title")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SearchQuery(1, "x", VENDOR, per_page=0)


def test_make_backend(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    assert isinstance(make_backend("whoosh", index_dir=tmp_path / "ix"), WhooshBackend)
    assert isinstance(make_backend(f"whoosh://{tmp_path}/ix2"), WhooshBackend)
    assert isinstance(make_backend("database", engine=engine), DatabaseBackend)
    assert isinstance(make_backend("sqlite", engine=engine), DatabaseBackend)
    assert isinstance(make_backend(f"sqlite:///{tmp_path / 'b.db'}"), DatabaseBackend)
    with pytest.raises(ValueError):
        make_backend("postgresql", engine=engine)
    with pytest.raises(ValueError):
        make_backend("whoosh")
    with pytest.raises(ValueError):
        make_backend("elasticsearch")


# --- Whoosh specifics -----------------------------------------------------------


def test_whoosh_second_instance_sees_writes(
    tmp_path: Path, make_doc: Callable[..., SearchDocument]
) -> None:
    """Two processes' worth of backends on one directory: the reader side
    picks up commits (new segments, merges, deletions) on its own."""
    writer = WhooshBackend(tmp_path / "ix")
    reader = WhooshBackend(tmp_path / "ix", refresh_interval=0)
    writer.setup()
    reader.setup()
    try:
        writer.index([make_doc(doc_id="a", body="alpha"), make_doc(doc_id="b", body="alpha")])
        assert reader.search(SearchQuery(1, "alpha", VENDOR)).total == 2
        for i in range(12):  # enough commits for Whoosh to merge segments
            writer.index([make_doc(doc_id="a", body=f"alpha v{i}")])
        writer.delete(1, ["b"])
        r = reader.search(SearchQuery(1, "alpha", VENDOR))
        assert [h.doc_id for h in r.hits] == ["a"] and r.total == 1
        assert reader.search(SearchQuery(1, "v11", VENDOR)).total == 1
        assert reader.search(SearchQuery(1, "v10", VENDOR)).total == 0
    finally:
        reader.close()
        writer.close()


def test_whoosh_concurrent_writes_and_searches(
    tmp_path: Path, make_doc: Callable[..., SearchDocument]
) -> None:
    backend = WhooshBackend(tmp_path / "ix", refresh_interval=0)
    backend.setup()
    errors: list[BaseException] = []
    docs = [make_doc(doc_id=f"d{i}", body=f"shared word{i}") for i in range(40)]

    def write(chunk: list[SearchDocument]) -> None:
        try:
            for doc in chunk:
                backend.index([doc])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def read() -> None:
        try:
            for _ in range(30):
                backend.search(SearchQuery(1, "shared", VENDOR))
                backend.suggest(1, VENDOR, "sha")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(docs[i::2],)) for i in range(2)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors, errors
        assert backend.search(SearchQuery(1, "shared", VENDOR)).total == 40
    finally:
        backend.close()


def test_whoosh_requires_setup(tmp_path: Path) -> None:
    backend = WhooshBackend(tmp_path / "ix")
    with pytest.raises(RuntimeError):
        backend.search(SearchQuery(1, "x", VENDOR))
