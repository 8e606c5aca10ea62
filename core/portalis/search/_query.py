"""The user's query language, parsed once and translated by each backend.

Parsing ourselves (instead of handing raw text to ``websearch_to_tsquery``,
FTS5 ``MATCH`` or Whoosh's ``QueryParser``) gives the three engines the same
semantics, and means no user text ever reaches an engine's own query syntax:
backends only receive lowercased letter/digit tokens and put them into
bound parameters or query objects.

Grammar, deliberately small::

    query   := clause*                      (all clauses must match)
    clause  := ["-"] item ("OR" item)*      ("-" excludes; OR binds tighter)
    item    := '"' words '"'                (phrase)
             | word "*"                     (prefix, at least 2 characters)
             | word
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from portalis.search import _text

__all__ = ["Atom", "Clause", "ParsedQuery", "parse_query"]

MAX_QUERY_CHARS = 512
MAX_CLAUSES = 16
MAX_ATOMS = 8
MAX_PHRASE_WORDS = 16
MIN_PREFIX = 2

_LEX = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True, slots=True)
class Atom:
    """One searchable unit: a word, a phrase, or a prefix.

    ``words`` are lowercased tokens as produced by :func:`_text.words`.
    """

    kind: Literal["term", "phrase", "prefix"]
    words: tuple[str, ...]

    def render(self, fix: dict[str, str] | None = None) -> str:
        ws = [fix.get(w, w) for w in self.words] if fix else list(self.words)
        if self.kind == "phrase":
            return '"' + " ".join(ws) + '"'
        if self.kind == "prefix":
            return ws[0] + "*"
        return ws[0]


@dataclass(frozen=True, slots=True)
class Clause:
    """Alternatives (``OR``); a negated clause excludes what it matches."""

    atoms: tuple[Atom, ...]
    negated: bool = False

    def render(self, fix: dict[str, str] | None = None) -> str:
        inner = " OR ".join(a.render(fix) for a in self.atoms)
        return "-" + inner if self.negated else inner


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    clauses: tuple[Clause, ...]

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def atoms(self, positive_only: bool = True) -> Iterator[Atom]:
        for clause in self.positive if positive_only else self.clauses:
            yield from clause.atoms

    def render(self, fix: dict[str, str] | None = None) -> str:
        """Query text again, with words replaced per ``fix`` (spelling)."""
        return " ".join(c.render(fix) for c in self.clauses)

    def spell_words(self) -> list[str]:
        """Words worth spell-checking: whole words of positive clauses."""
        seen: dict[str, None] = {}
        for atom in self.atoms():
            if atom.kind != "prefix":
                for w in atom.words:
                    if _text.spellable(w):
                        seen.setdefault(w)
        return list(seen)

    def highlight_terms(self, group: str) -> tuple[frozenset[str], tuple[str, ...]]:
        """Stems (in ``group``) and prefixes to mark in a snippet."""
        stems: set[str] = set()
        prefixes: list[str] = []
        for atom in self.atoms():
            if atom.kind == "prefix":
                prefixes.append(atom.words[0])
            else:
                stems.update(_text.stem(group, w) for w in atom.words)
        return frozenset(stems), tuple(prefixes)


def _item(text: str, quoted: bool) -> Atom | None:
    if quoted:
        ws = _text.words(text)[:MAX_PHRASE_WORDS]
        if not ws:
            return None
        return Atom("term", (ws[0],)) if len(ws) == 1 else Atom("phrase", tuple(ws))
    prefix = text.endswith("*")
    ws = _text.words(text)[:MAX_PHRASE_WORDS]
    if not ws:
        return None
    if len(ws) > 1:
        # "e-mail", "v2.1": several tokens glued together are meant as one
        # thing, so match them as a phrase (what web search engines do).
        return Atom("phrase", tuple(ws))
    if prefix and len(ws[0]) >= MIN_PREFIX:
        return Atom("prefix", (ws[0],))
    return Atom("term", (ws[0],))


def parse_query(text: str) -> ParsedQuery:
    """Parse user input; never raises, unknown syntax degrades to words."""
    clauses: list[Clause] = []
    pending_or = False
    for match in _LEX.finditer(text[:MAX_QUERY_CHARS]):
        neg_quote, quoted, bare = match.groups()
        if bare is not None:
            if bare in ("OR", "|"):
                pending_or = bool(clauses) and not clauses[-1].negated
                continue
            negated = bare.startswith("-") and len(bare) > 1
            atom = _item(bare.lstrip("+-") if negated or bare.startswith("+") else bare, False)
        else:
            negated = bool(neg_quote)
            atom = _item(quoted, True)
        if atom is None:
            pending_or = False
            continue
        if pending_or and not negated and len(clauses[-1].atoms) < MAX_ATOMS:
            last = clauses[-1]
            if atom not in last.atoms:
                clauses[-1] = Clause((*last.atoms, atom))
        elif len(clauses) < MAX_CLAUSES:
            clause = Clause((atom,), negated)
            if clause not in clauses:
                clauses.append(clause)
        pending_or = False
    return ParsedQuery(tuple(clauses))
