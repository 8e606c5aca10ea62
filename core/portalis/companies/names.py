"""Company-name normalisation and similarity.

Partners and applicants type the same company differently ("ACME, Inc.", "Ácmé S.A.", "The
Acme Company"), so names are normalised (case, accents, punctuation, spacing and legal forms
such as *Inc*, *GmbH & Co. KG* or *株式会社* removed) before they are compared, and a
similarity score says how alike two names are once generic words are set aside.

Pure functions of their arguments - no database, no clock - so they can be unit-tested
exhaustively and re-run later with the same result.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

__all__ = [
    "SIMILAR_NAME_THRESHOLD",
    "company_name_similarity",
    "name_block_key",
    "normalize_company_name",
    "same_company_name",
]

#: The :func:`company_name_similarity` from which two names are worth a human look (a
#: possible duplicate application, a possible deal conflict).
SIMILAR_NAME_THRESHOLD: float = 0.85

#: Similarity multiplier when two names share their distinctive words but differ in
#: descriptor words ("Acme Holdings" vs "Acme"): probably the same group, but not proven.
_DESCRIPTOR_MISMATCH_FACTOR = 0.9

#: Length of :func:`name_block_key`.
_BLOCK_KEY_LENGTH = 4

# Legal forms, written the way normalisation leaves them (lower case, no accents, no dots,
# "&" spelled "and").  Removed from the *end* of a name, repeatedly, so
# "Acme Holdings GmbH & Co. KG" loses "kg", then "and co", then "gmbh".
_LEGAL_SUFFIXES_TEXT: tuple[str, ...] = (
    # English-speaking world
    "inc", "incorporated", "corp", "corporation", "co", "cos", "company", "llc", "lc", "llp",
    "lllp", "lp", "pllc", "pc", "ltd", "limited", "plc", "ulc", "pty", "pty ltd",
    "proprietary limited", "pvt", "pvt ltd", "private limited", "opc", "pte", "pte ltd",
    "and co", "and company", "et co", "and cie", "et cie", "cie",
    # German-speaking
    "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "gbr", "ug", "ug haftungsbeschrankt", "ev",
    "eg", "se", "und co",
    # French, Benelux
    "sa", "sas", "sasu", "sarl", "eurl", "sca", "snc", "sci", "bv", "nv", "vof", "cv", "bvba",
    "sprl", "scrl", "srl", "sa rl", "asbl", "vzw", "ltee", "limitee",
    # Italian, Iberian, Latin American
    "spa", "sapa", "scarl", "sl", "slu", "sll", "sau", "sa de cv", "sab de cv", "sapi de cv",
    "s de rl", "s de rl de cv", "sc", "sociedad anonima", "cia", "y cia", "and cia", "ltda",
    "eireli", "lda", "sgps",
    # Nordic
    "oy", "oyj", "ab", "publ", "as", "asa", "aps", "ivs", "hf", "ehf", "ks", "ans",
    # Central / Eastern Europe, Turkey, Greece
    "sro", "spol sro", "sp z oo", "spzoo", "sk", "spj", "zrt", "kft", "nyrt", "bt", "doo",
    "dd", "ad", "ood", "eood", "jsc", "pjsc", "ojsc", "cjsc", "ooo", "oao", "zao", "pao",
    "ao", "sti", "ltd sti", "αε", "επε", "οε", "ικε",
    # Asia, Middle East, Africa
    "kk", "kabushiki kaisha", "kabushiki gaisha", "kabushikigaisha", "yk", "yugen kaisha",
    "gk", "godo kaisha", "godo gaisha", "bhd", "berhad", "sdn bhd", "tbk", "sae", "wll",
    "fzco", "fze", "fz llc", "fzllc", "ооо", "оао", "зао", "пао", "ао", "тоо", "ип", "ذمم",
    "בעמ",
)  # fmt: skip

# Forms that are written *before* the name (Indonesian "PT", Russian "ООО «…»", Arabic "شركة").
_LEGAL_PREFIXES_TEXT: tuple[str, ...] = (
    "pt", "ооо", "оао", "зао", "пао", "ао", "тоо", "ип", "oao", "ooo", "zao", "pao", "شركة",
)  # fmt: skip

# CJK legal forms are not separated by spaces ("トヨタ自動車株式会社", "株式会社トヨタ"), so they
# are also stripped as a substring at the end (and, for the Japanese/Korean ones that are
# commonly put first, at the start).  "(株)"/"㈱" become a standalone "株" token.  We *do* treat
# 株式会社 as a legal form: "トヨタ自動車株式会社" and "トヨタ自動車" are the same customer.
_CJK_SUFFIXES: tuple[str, ...] = (
    "株式会社", "有限会社", "合同会社", "合資会社", "合名会社",
    "股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "股份公司", "公司",
    "주식회사", "유한회사", "유한책임회사",
)  # fmt: skip
_CJK_PREFIXES: tuple[str, ...] = (
    "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "주식회사", "유한회사",
)  # fmt: skip
_CJK_ABBREVIATIONS: tuple[str, ...] = ("株", "有", "同", "주")


def _forms(texts: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """Token tuples, longest first so "sa de cv" wins over "cv"."""
    unique = {tuple(text.split()) for text in texts}
    return tuple(sorted(unique, key=lambda form: (-len(form), form)))


_SUFFIX_FORMS = _forms((*_LEGAL_SUFFIXES_TEXT, *_CJK_SUFFIXES, *_CJK_ABBREVIATIONS))
_PREFIX_FORMS = _forms((*_LEGAL_PREFIXES_TEXT, *_CJK_PREFIXES, *_CJK_ABBREVIATIONS))
_CJK_SUFFIXES_BY_LENGTH = tuple(sorted(_CJK_SUFFIXES, key=len, reverse=True))
_CJK_PREFIXES_BY_LENGTH = tuple(sorted(_CJK_PREFIXES, key=len, reverse=True))

# Words that carry little identity.  Stop words are ignored when comparing; descriptor words are
# ignored for *finding* the distinctive core of a name, but a difference in them costs a little
# (``_DESCRIPTOR_MISMATCH_FACTOR``).  Without this, "Acme Technologies" and "Apex Technologies"
# would look 88 % alike on characters alone, and "Acme Holdings" would not match "Acme".
_STOP_WORDS: frozenset[str] = frozenset(
    {"and", "of", "the", "de", "du", "des", "la", "le", "les", "del", "der", "die", "das",
     "und", "et", "y"}
)  # fmt: skip
_DESCRIPTORS: dict[str, str] = {
    "holding": "holdings", "holdings": "holdings",
    "group": "group", "groupe": "group", "gruppe": "group", "grupo": "group",
    "gruppo": "group", "groep": "group",
    "international": "international", "intl": "international",
    "internacional": "international", "internationale": "international",
    "global": "global", "worldwide": "worldwide",
    "enterprise": "enterprises", "enterprises": "enterprises",
    "industry": "industries", "industries": "industries",
    "technology": "technology", "technologies": "technology", "tech": "technology",
    "solution": "solutions", "solutions": "solutions",
    "system": "systems", "systems": "systems",
    "service": "services", "services": "services",
    "software": "software", "consulting": "consulting", "partners": "partners",
    "lab": "labs", "labs": "labs", "network": "networks", "networks": "networks",
    "ventures": "ventures", "digital": "digital",
}  # fmt: skip

# Letters that Unicode does not decompose into "base + accent" but that people routinely type
# without their stroke or as a digraph.
_LETTER_FOLDS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
     "ħ": "h", "ŧ": "t"}
)  # fmt: skip
# Trade-mark signs would otherwise decompose (NFKD) into the letters "tm"/"sm".
_TRADEMARK_SIGNS = str.maketrans({"™": " ", "®": " ", "©": " ", "℠": " "})
# Characters removed without leaving a gap, so "S.A." -> "sa", "O'Brien" -> "obrien",
# "בע\"מ" -> "בעמ".
_JOINING_PUNCTUATION = str.maketrans(dict.fromkeys(".'\u2019\u2018\u02bc`\u00b4\"\u05f3\u05f4", ""))
# "S. A. de C. V." -> "S.A. de C.V." before the dots go.
_SPACED_INITIALS_RE = re.compile(r"(?<!\w)(\w)\.\s+(?=\w\.)")
# "A/S" -> "AS" (but "sales/marketing" stays two words).
_SLASHED_INITIALS_RE = re.compile(r"(?<!\w)(\w)/(\w)(?!\w)")
# Arabic tatweel and optional vowel marks (harakat); folding them is standard for matching.
_ARABIC_OPTIONAL = frozenset(chr(cp) for cp in (*range(0x064B, 0x0660), 0x0670, 0x0640))
_ACCENTED_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")


@functools.lru_cache(maxsize=1024)
def _is_accented_script(char: str) -> bool:
    """True for letters whose combining marks are accents (Latin, Greek, Cyrillic).

    Marks on other scripts are part of the letter: the Japanese voicing mark turns ト into ド
    and Devanagari vowel signs are vowels, so stripping them would change the name.
    """
    return unicodedata.name(char, "").startswith(_ACCENTED_SCRIPTS)


def _strip_accents(text: str) -> str:
    """Drop accents from Latin/Greek/Cyrillic letters only; keep every other script intact."""
    decomposed = unicodedata.normalize("NFKD", text)
    out: list[str] = []
    base = ""
    for char in decomposed:
        if char in _ARABIC_OPTIONAL:
            continue
        if unicodedata.combining(char):
            if base and _is_accented_script(base):
                continue
        else:
            base = char
        out.append(char)
    # Recompose what we kept (Japanese voiced kana, Hangul syllables).
    return unicodedata.normalize("NFC", "".join(out))


def _tokenize(text: str) -> list[str]:
    """Split on anything that is not a letter, digit or (kept) combining mark."""
    chars = [char if unicodedata.category(char)[0] in "LNM" else " " for char in text]
    return "".join(chars).split()


def _strip_legal_forms(tokens: list[str]) -> list[str]:
    """Remove legal forms at the end (and the few written first) until none is left.

    A name is never stripped to nothing: "Company Ltd" stays "company", because a legal form
    that *is* the whole name is the name.
    """
    tokens = list(tokens)
    changed = True
    while changed and tokens:
        changed = False
        for form in _SUFFIX_FORMS:
            size = len(form)
            if len(tokens) > size and tuple(tokens[-size:]) == form:
                del tokens[-size:]
                changed = True
                break
        if changed:
            continue
        for form in _PREFIX_FORMS:
            size = len(form)
            if len(tokens) > size and tuple(tokens[:size]) == form:
                del tokens[:size]
                changed = True
                break
        if changed:
            continue
        if len(tokens) > 1 and tokens[0] == "the":
            del tokens[0]
            changed = True
            continue
        last = tokens[-1]
        for form_text in _CJK_SUFFIXES_BY_LENGTH:
            if last.endswith(form_text) and len(last) > len(form_text):
                tokens[-1] = last[: -len(form_text)]
                changed = True
                break
        if changed:
            continue
        first = tokens[0]
        for form_text in _CJK_PREFIXES_BY_LENGTH:
            if first.startswith(form_text) and len(first) > len(form_text):
                tokens[0] = first[len(form_text) :]
                changed = True
                break
    return tokens


@functools.lru_cache(maxsize=8192)
def _normalize(name: str) -> str:
    text = name.translate(_TRADEMARK_SIGNS).casefold()
    text = _strip_accents(text).translate(_LETTER_FOLDS)
    text = text.replace("&", " and ")
    text = _SPACED_INITIALS_RE.sub(r"\1.", text)
    text = text.translate(_JOINING_PUNCTUATION)
    text = _SLASHED_INITIALS_RE.sub(r"\1\2", text)
    return " ".join(_strip_legal_forms(_tokenize(text)))


def normalize_company_name(name: str) -> str:
    """Reduce a company name to the form the name rules compare.

    Steps, each because partners type the same customer differently: case-fold; remove
    accents (``Ácmé`` → ``acme``) and fold letters like ``ø``/``æ``/``ł``; compatibility-fold
    full-width and half-width forms (``ＡＣＭＥ``, ``ﾄﾖﾀ``); ``&`` → ``and``; drop punctuation
    (``S.A.`` → ``sa``, ``A/S`` → ``as``); collapse whitespace; then strip legal forms from the
    end, repeatedly (``Acme Holdings GmbH & Co. KG`` → ``acme holdings``), plus the few that
    are written first (``PT``, ``ООО``, ``株式会社…``) and a leading English "the".

    Only accents on Latin, Greek and Cyrillic letters are removed: Japanese, Chinese, Korean,
    Arabic, Hebrew, Devanagari … letters survive unchanged, since their marks are part of the
    letter.  The function is idempotent, so already-normalised names may be passed again.
    Returns ``''`` when nothing name-like is left.
    """
    if not isinstance(name, str):
        return ""
    return _normalize(name)


def _split_name(normalized: str) -> tuple[str, frozenset[str]]:
    """Split a normalised name into its distinctive core and its set of descriptor words."""
    core: list[str] = []
    descriptors: set[str] = set()
    for token in normalized.split():
        if token in _STOP_WORDS:
            continue
        if token in _DESCRIPTORS:
            descriptors.add(_DESCRIPTORS[token])
        else:
            core.append(token)
    return " ".join(core), frozenset(descriptors)


def _ratio(a: str, b: str) -> float:
    """Symmetric difflib ratio (``SequenceMatcher`` alone can differ with argument order)."""
    return max(SequenceMatcher(None, a, b).ratio(), SequenceMatcher(None, b, a).ratio())


def _string_similarity(a: str, b: str) -> float:
    """Max of token-set Jaccard and character ratios of the space-free and token-sorted forms.

    Jaccard forgives word order ("Widgets Acme"); the character ratio forgives typos and
    spacing ("Acme Widgts", "Micro Soft").
    """
    if not a or not b:
        return 0.0
    tokens_a, tokens_b = a.split(), b.split()
    set_a, set_b = set(tokens_a), set(tokens_b)
    jaccard = len(set_a & set_b) / len(set_a | set_b)
    compact = _ratio(a.replace(" ", ""), b.replace(" ", ""))
    sorted_compact = _ratio("".join(sorted(tokens_a)), "".join(sorted(tokens_b)))
    return max(jaccard, compact, sorted_compact)


def _same_name(a: str, b: str) -> bool:
    """The ``same_name`` rule: equal normalised names, ignoring spaces ("Micro Soft")."""
    return a.replace(" ", "") == b.replace(" ", "")


def _normalized_similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if _same_name(a, b):
        return 1.0
    core_a, descriptors_a = _split_name(a)
    core_b, descriptors_b = _split_name(b)
    if not core_a and not core_b:
        # Names made only of generic words ("Global Solutions"): compare them as they are.
        return _string_similarity(a, b)
    similarity = _string_similarity(core_a, core_b)  # 0.0 if only one side has a core
    if descriptors_a != descriptors_b:
        similarity *= _DESCRIPTOR_MISMATCH_FACTOR
    return similarity


def company_name_similarity(a: str, b: str) -> float:
    """Similarity of two company names in ``[0, 1]``; symmetric; 1.0 for equal names.

    Inputs are normalised with :func:`normalize_company_name` first (idempotent, so normalised
    names are fine).  Names equal once spaces are ignored score 1.0.  Otherwise the names are
    split into their *distinctive core* and generic words (stop words like "of"/"and" and
    descriptors like "Holdings", "Group", "Technologies"), and the cores are compared with the
    maximum of token-set Jaccard and ``difflib`` ratios of the space-free and token-sorted
    strings.  Comparing cores keeps shared generic words from inflating the score ("Acme
    Technologies" vs "Apex Technologies" stays low); a difference in descriptor words
    multiplies the result by 0.9 ("Acme Holdings" vs "Acme" → 0.9, reported but below an exact
    match).  When only one name has a core ("Global Solutions" vs "Acme Global Solutions") the
    similarity is 0; when neither has, the full names are compared.
    """
    score = _normalized_similarity(normalize_company_name(a), normalize_company_name(b))
    return min(1.0, max(0.0, score))


def name_block_key(name: str) -> str:
    """Short key the database indexes so that finding name candidates is an index look-up.

    The key is the first four characters of the name's distinctive core (normalised, stop and
    descriptor words removed, spaces dropped) - or of the whole normalised name if it consists
    of generic words only.  So "ACME, Inc.", "Ácmé S.A.", "The Acme Company" and "Acme
    Holdings GmbH & Co. KG" all give ``'acme'``.  Returns ``''`` for an empty name; callers
    should not use an empty key for look-ups.

    Trade-off: four characters keep buckets small (a tenant has few customers sharing a 4-letter
    prefix) at the cost of recall for names that are similar but differ *within their first
    four characters* - a typo there ("Mircosoft"), reordered words ("Widgets Acme") or a
    different first distinctive word.  Those pairs are still caught when they share a domain
    (the domain rule is looked up separately), and a shorter key would only trade this for
    much larger candidate sets.  CJK names get four characters too, which is a fairly specific
    prefix for them (``'トヨタ自'``).
    """
    normalized = normalize_company_name(name)
    core, _ = _split_name(normalized)
    basis = (core or normalized).replace(" ", "")
    return basis[:_BLOCK_KEY_LENGTH]


def same_company_name(a: str, b: str) -> bool:
    """Whether two names are the same company name once normalised, ignoring spaces
    ("Micro Soft" is "Microsoft"; "ACME, Inc." is "Acme")."""
    left, right = normalize_company_name(a), normalize_company_name(b)
    return bool(left) and _same_name(left, right)
