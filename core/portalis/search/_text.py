"""Text analysis shared by the backends that cannot analyse text themselves.

Whoosh and SQLite FTS5 get their tokens from here (Whoosh through analyzers
built from the same regular expression and the same Snowball stemmers, SQLite
as pre-stemmed text), so a word is cut and stemmed identically at index and at
query time, and the Python highlighter marks exactly the words that matched.
PostgreSQL uses its own text-search configurations instead.

Stemming exists for English, German, French and Spanish (``STEMMED``). Every
other language, Japanese and Arabic included, is lowercased and split on
non-word characters only ("group" ``xx``). Scripts written without spaces
(Japanese, Chinese, Thai) therefore index whole runs of characters as one
word: searching them finds exact runs only. That is a known limitation.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache

from whoosh.lang import stemmer_for_language

__all__ = [
    "GROUPS",
    "PG_CONFIGS",
    "STEMMED",
    "TOKEN_PATTERN",
    "clean",
    "damerau_levenshtein",
    "deletes",
    "highlight",
    "language_group",
    "stem",
    "stemmer",
    "tokenize",
    "words",
]

#: Language groups with a real stemmer.
STEMMED: tuple[str, ...] = ("en", "de", "fr", "es")
#: All groups a document can fall into; ``xx`` = no stemming.
GROUPS: tuple[str, ...] = (*STEMMED, "xx")
#: PostgreSQL text-search configuration for each group.
PG_CONFIGS: dict[str, str] = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "xx": "simple",
}

#: Letters and digits; underscores split words. SQLite relies on no token
#: ever containing ``_`` (it uses ``en_`` style prefixes to keep languages
#: apart), so this pattern and that convention go together.
TOKEN_PATTERN = r"[^\W_]+"  # noqa: S105 - a regex, not a secret
_TOKEN_RE = re.compile(TOKEN_PATTERN)
# C0 controls (except tab/newline/CR) and the DEL. They are stripped before
# indexing: PostgreSQL rejects NUL, and the PostgreSQL highlighter uses two
# of them as private markers that document text must never contain.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Body text beyond this is not indexed (PostgreSQL caps a tsvector at 1 MB;
#: the same cap everywhere keeps the engines' answers alike).
MAX_BODY_CHARS = 200_000

#: Words shorter or longer than this are not offered as spelling corrections.
SPELL_MIN, SPELL_MAX = 3, 30


def clean(text: str) -> str:
    """NFC-normalise and drop control characters (see ``_CONTROL_RE``)."""
    return _CONTROL_RE.sub(" ", unicodedata.normalize("NFC", text))


def language_group(language: str | None) -> str:
    """Map a BCP 47 tag (``"de-AT"``) to its analysis group (``"de"``)."""
    if not language:
        return "xx"
    primary = language.replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in STEMMED else "xx"


def tokenize(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(lowercased word, start, end)`` for each word in ``text``."""
    for match in _TOKEN_RE.finditer(text):
        yield match.group().lower(), match.start(), match.end()


def words(text: str) -> list[str]:
    """The lowercased words of ``text``, in order."""
    return [m.group().lower() for m in _TOKEN_RE.finditer(text)]


def _identity(word: str) -> str:
    return word


@cache
def _stemmer(group: str) -> Callable[[str], str]:
    if group not in STEMMED:
        return _identity
    # A cache per language: Zipf-distributed text repeats the same words, and
    # the pure-Python Snowball stemmers are the slowest step of indexing.
    return lru_cache(maxsize=200_000)(stemmer_for_language(group))


def stemmer(group: str) -> Callable[[str], str]:
    """The (cached) stemming function of a language group."""
    return _stemmer(group)


def stem(group: str, word: str) -> str:
    """Stem one lowercased word with the group's stemmer."""
    return _stemmer(group)(word)


def stems(group: str, text: str) -> list[str]:
    """Tokenize and stem ``text``."""
    fn = _stemmer(group)
    return [fn(w) for w in words(text)]


# --- spelling --------------------------------------------------------------


def spellable(word: str) -> bool:
    """Whether ``word`` may be offered (or corrected) as a spelling."""
    return SPELL_MIN <= len(word) <= SPELL_MAX and not word.isdigit()


def deletes(word: str) -> set[str]:
    """The word and every string with one character removed.

    Two words within edit distance 1 (and most within 2) share at least one
    such key, which lets SQL find spelling candidates with an index lookup
    instead of comparing against the whole vocabulary ("symmetric delete").
    """
    out = {word}
    for i in range(len(word)):
        out.add(word[:i] + word[i + 1 :])
    return out


def damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, or ``limit + 1`` once it exceeds
    ``limit`` (the early exit keeps checking candidates cheap)."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def max_distance(word: str) -> int:
    """Short words tolerate one typo, longer ones two."""
    return 1 if len(word) <= 4 else 2


# --- highlighting ----------------------------------------------------------

SNIPPET_CHARS = 240
_LEAD = 40


def highlight(
    text: str,
    group: str,
    stem_set: Iterable[str],
    prefixes: Iterable[str] = (),
    max_chars: int = SNIPPET_CHARS,
) -> str:
    """An HTML-safe snippet of ``text`` with matching words in ``<mark>``.

    A word matches if its stem (in ``group``) is in ``stem_set`` or the word
    starts with one of ``prefixes``. The window is the ``max_chars`` stretch
    with the most matches. All text is escaped; ``<mark>`` is the only markup
    in the result, which is what makes it safe to render.
    """
    stem_set = frozenset(stem_set)
    prefixes = tuple(prefixes)
    fn = _stemmer(group)
    spans: list[tuple[int, int]] = []
    if stem_set or prefixes:
        for word, start, end in tokenize(text):
            if fn(word) in stem_set or (prefixes and word.startswith(prefixes)):
                spans.append((start, end))
    if len(text) <= max_chars:
        lo, hi = 0, len(text)
    elif not spans:
        lo, hi = 0, _cut_at_space(text, max_chars)
    else:
        # The window starting at the match that covers most other matches.
        best_i, best_n, j = 0, 0, 0
        for i, (start, _end) in enumerate(spans):
            while j < len(spans) and spans[j][1] <= start + max_chars - _LEAD:
                j += 1
            if j - i > best_n:
                best_i, best_n = i, j - i
        lo = max(0, spans[best_i][0] - _LEAD)
        if lo:
            space = text.find(" ", lo, spans[best_i][0])
            lo = space + 1 if space != -1 else lo
        hi = min(len(text), lo + max_chars)
        if hi < len(text):
            hi = _cut_at_space(text, hi, floor=spans[best_i][1])
    out: list[str] = ["…"] if lo > 0 else []
    pos = lo
    for start, end in spans:
        if start < lo or end > hi:
            continue
        out.append(html.escape(text[pos:start], quote=True))
        out.append("<mark>" + html.escape(text[start:end], quote=True) + "</mark>")
        pos = end
    out.append(html.escape(text[pos:hi], quote=True))
    if hi < len(text):
        out.append("…")
    return "".join(out).strip()


def _cut_at_space(text: str, hi: int, floor: int = 0) -> int:
    """Move a cut point back to the previous space so words stay whole."""
    space = text.rfind(" ", 0, hi)
    return space if space > floor else hi
