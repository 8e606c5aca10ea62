"""Engine-independent pieces of a search: facet ordering and "did you mean".

Each backend supplies two small callbacks that run inside its own engine with
the viewer's visibility filter applied; the ranking logic lives here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from portalis.search import _text
from portalis.search._query import ParsedQuery
from portalis.search.backend import FACET_VALUES

__all__ = ["did_you_mean", "facet_lists"]

#: Candidates checked against the visible set per misspelled word.
MAX_CANDIDATES = 25


def facet_lists(counts: Mapping[str, Mapping[str, int]]) -> dict[str, list[tuple[str, int]]]:
    """Most frequent values first, ties alphabetically; zero counts dropped."""
    out: dict[str, list[tuple[str, int]]] = {}
    for key in sorted(counts):
        values = sorted(
            ((v, n) for v, n in counts[key].items() if n > 0), key=lambda vn: (-vn[1], vn[0])
        )
        if values:
            out[key] = values[:FACET_VALUES]
    return out


def did_you_mean(
    parsed: ParsedQuery,
    visible_df: Callable[[str], int],
    candidates: Callable[[str, int], Iterable[str]],
) -> str | None:
    """A corrected query, or ``None``.

    ``visible_df(word)`` counts documents the viewer may see that contain the
    exact (unstemmed) word; ``candidates(word, max_distance)`` proposes words
    from any vocabulary the engine has. Only candidates with a visible count
    are used, so a suggestion can never reveal a word that exists only in
    documents hidden from the viewer (or in another tenant). Among the
    nearest candidates, the one in most visible documents wins.
    """
    fix: dict[str, str] = {}
    for word in parsed.spell_words():
        if visible_df(word) > 0:
            continue
        limit = _text.max_distance(word)
        scored: list[tuple[int, str]] = []
        for cand in set(candidates(word, limit)):
            if cand == word or not _text.spellable(cand):
                continue
            dist = _text.damerau_levenshtein(word, cand, limit)
            if dist <= limit:
                scored.append((dist, cand))
        scored.sort()
        best: tuple[int, int, str] | None = None
        for dist, cand in scored[:MAX_CANDIDATES]:
            if best is not None and dist > best[0]:
                break
            df = visible_df(cand)
            if df and (best is None or df > best[1]):
                best = (dist, df, cand)
        if best is not None:
            fix[word] = best[2]
    return parsed.render(fix) if fix else None
