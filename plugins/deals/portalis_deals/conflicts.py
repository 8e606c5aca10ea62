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

import functools
import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from email.utils import parseaddr
from urllib.parse import urlsplit

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
    "company_name_similarity",
    "find_conflicts",
    "is_free_mail_domain",
    "name_block_key",
    "normalize_company_name",
    "registrable_domain",
]

#: Version of the rules below.  Stored with every match; bump it whenever a change to this
#: module can change which deals match or how they score (tables included).
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
DEFAULT_NAME_THRESHOLD = 0.85

#: Similarity multiplier when two names share their distinctive words but differ in
#: descriptor words ("Acme Holdings" vs "Acme"): probably the same group, but not proven.
_DESCRIPTOR_MISMATCH_FACTOR = 0.9

#: Length of :func:`name_block_key`.
_BLOCK_KEY_LENGTH = 4


# --------------------------------------------------------------------------------------------
# Domains
# --------------------------------------------------------------------------------------------

# Second-level labels (space-separated) under which registrations happen, per country-code
# TLD: a small, hand-picked subset of the ICANN section of the Public Suffix List covering the
# markets a partner portal realistically sees.  A missing public suffix ``xx.yy`` would make
# ``acme.xx.yy`` and ``other.xx.yy`` both resolve to ``xx.yy`` - a false domain conflict - which
# is why the common ones are listed generously.
_SECOND_LEVEL_SUFFIXES: dict[str, str] = {
    "ae": "ac co gov mil net org sch",
    "al": "com edu gov net org",
    "ar": "com edu gob gov int mil net org tur",
    "at": "ac co gv or",
    "au": "asn com edu gov id net org",
    "ba": "com edu gov net org",
    "bh": "com edu gov net org",
    "bo": "com edu gob net org",
    "br": "adv art com eco edu eng gov ind inf med net org tv",
    "cl": "co gob gov mil",
    "cn": "ac com edu gov mil net org",
    "co": "com edu gov net nom org",
    "cr": "ac co ed fi go or sa",
    "cy": "ac com gov net org",
    "do": "com edu gob net org",
    "dz": "art asso com edu gov net org pol",
    "ec": "com edu fin gob info med net org pro",
    "eg": "com edu eun gov mil net org sci",
    "es": "com edu gob nom org",
    "fr": "asso com gouv nom prd tm",
    "gh": "com edu gov mil org",
    "gr": "com edu gov net org",
    "gt": "com edu gob ind mil net org",
    "hk": "com edu gov idv net org",
    "hu": "co info org",
    "id": "ac biz co desa go mil my net or sch web",
    "il": "ac co gov idf k12 muni net org",
    "in": "ac co edu firm gen gov ind mil net nic org res",
    "jm": "com edu gov net org",
    "jo": "com edu gov mil name net org sch",
    "jp": "ac ad co ed go gr lg ne or",
    "ke": "ac co go info me mobi ne or sc",
    "kr": "ac co es go hs kg mil ms ne or pe re sc",
    "kw": "com edu gov net org",
    "kz": "com edu gov mil net org",
    "lb": "com edu gov net org",
    "lk": "com edu gov net org",
    "ma": "ac co gov net org press",
    "mk": "com edu gov inf net org",
    "mo": "com edu gov net org",
    "mt": "com edu gov net org",
    "mx": "com edu gob net org",
    "my": "biz com edu gov mil name net org",
    "ng": "com edu gov i mil mobi name net org sch",
    "nz": "ac co cri geek gen govt health iwi kiwi maori mil net org parliament school",
    "om": "co com edu gov net org",
    "pa": "com edu gob net org",
    "pe": "com edu gob net nom org",
    "ph": "com edu gov i mil net ngo org",
    "pk": "biz com edu fam gov net org web",
    "pl": "biz com edu gov info net org",
    "pt": "com edu gov int net nome org publ",
    "py": "com coop edu gov mil net org",
    "qa": "com edu gov mil name net org sch",
    "ro": "com firm info nom org store",
    "rs": "ac co edu gov in org",
    "sa": "com edu gov med net org pub sch",
    "sg": "com edu gov net org per",
    "th": "ac co go in mi net or",
    "tr": "av bel biz com dr edu gen gov info k12 name net org pol tel tv web",
    "tt": "com edu gov net org",
    "tw": "com edu gov idv net org",
    "tz": "ac co go ne or sc",
    "ua": "com edu gov in net org",
    "ug": "ac co go ne or sc",
    "uk": "ac co gov ltd me net nhs org plc police sch",
    "uy": "com edu gub mil net org",
    "ve": "com edu gob net org",
    "vn": "ac biz com edu gov health info int name net org",
    "za": "ac co edu gov net nom org web",
    "zw": "ac co gov mil org",
}

# Hosting platforms that hand out sub-domains to unrelated customers (from the private section
# of the Public Suffix List).  Without these every ``*.github.io`` site would "conflict".
_PLATFORM_SUFFIXES: frozenset[str] = frozenset(
    {
        "appspot.com",
        "azurewebsites.net",
        "blogspot.com",
        "cloudapp.net",
        "cloudfront.net",
        "firebaseapp.com",
        "github.io",
        "gitlab.io",
        "herokuapp.com",
        "myshopify.com",
        "netlify.app",
        "pages.dev",
        "vercel.app",
        "web.app",
        "wixsite.com",
        "workers.dev",
    }
)

_MULTI_LABEL_SUFFIXES: frozenset[str] = frozenset(
    {f"{sld}.{tld}" for tld, slds in _SECOND_LEVEL_SUFFIXES.items() for sld in slds.split()}
    | _PLATFORM_SUFFIXES
)

# Shared mailbox providers.  Their domain says nothing about the customer, so a shared free-mail
# domain must never count as a domain conflict.  ISP mailboxes are included for the same reason.
_FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # global
        "aim.com", "aol.com", "fastmail.com", "fastmail.fm", "gmail.com", "googlemail.com",
        "gmx.com", "gmx.net", "hey.com", "hotmail.com", "icloud.com", "inbox.com", "live.com",
        "mac.com", "mail.com", "me.com", "msn.com", "outlook.com", "pm.me", "proton.me",
        "protonmail.ch", "protonmail.com", "rocketmail.com", "tuta.io", "tutanota.com",
        "tutanota.de", "yahoo.com", "ymail.com", "zoho.com", "zohomail.com",
        # regional Microsoft / Yahoo
        "hotmail.co.uk", "hotmail.de", "hotmail.es", "hotmail.fr", "hotmail.it",
        "hotmail.com.br", "live.co.uk", "live.de", "live.fr", "live.nl", "outlook.de",
        "outlook.fr", "outlook.es", "yahoo.ca", "yahoo.co.in", "yahoo.co.jp", "yahoo.co.uk",
        "yahoo.com.ar", "yahoo.com.au", "yahoo.com.br", "yahoo.com.mx", "yahoo.de",
        "yahoo.es", "yahoo.fr", "yahoo.it",
        # Europe
        "alice.it", "bluewin.ch", "btinternet.com", "free.fr", "freenet.de", "gmx.at",
        "gmx.ch", "gmx.de", "home.nl", "interia.pl", "kpnmail.nl", "laposte.net", "libero.it",
        "o2.pl", "onet.pl", "orange.fr", "planet.nl", "seznam.cz", "sfr.fr", "sky.com",
        "skynet.be", "t-online.de", "telenet.be", "tin.it", "virgilio.it", "virginmedia.com",
        "wanadoo.fr", "web.de", "wp.pl", "ziggo.nl",
        # Russia / CIS
        "bk.ru", "inbox.ru", "list.ru", "mail.ru", "rambler.ru", "ukr.net", "yandex.com",
        "yandex.ru", "ya.ru",
        # Americas
        "att.net", "bellsouth.net", "bol.com.br", "comcast.net", "cox.net", "rogers.com",
        "shaw.ca", "sympatico.ca", "terra.com.br", "uol.com.br", "verizon.net",
        # Asia-Pacific
        "126.com", "163.com", "bigpond.com", "daum.net", "hanmail.net", "naver.com",
        "optusnet.com.au", "qq.com", "rediffmail.com", "sina.com", "sohu.com", "yeah.net",
    }
)  # fmt: skip

_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_IDNA_DOTS_RE = re.compile("[\u3002\uff0e\uff61]")


def _extract_host(value: str) -> str | None:
    """Pull the host name out of a URL, bare host or e-mail address (lower-cased)."""
    text = value.strip()
    if not text:
        return None
    if "<" in text and ">" in text:  # "Jo Bloggs <jo@acme.com>"
        text = parseaddr(text)[1] or text
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    if "://" not in text and "@" in text:
        # An e-mail address: only the part after the last "@" is a host.
        text = text.rsplit("@", 1)[1]
    try:
        parts = urlsplit(text if "://" in text else "//" + text)
        host = parts.hostname
    except ValueError:  # e.g. unbalanced IPv6 brackets
        return None
    if not host:
        return None
    host = _IDNA_DOTS_RE.sub(".", host).rstrip(".")
    return host or None


@functools.lru_cache(maxsize=4096)
def _registrable_domain(value: str) -> str | None:
    host = _extract_host(value)
    if host is None:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None  # an IP address has no registrable domain
    try:
        # Python's built-in codec implements IDNA 2003 (e.g. maps "ß" to "ss").  That is fine
        # for our purpose: what matters is that every input is folded the same way.
        ascii_host = host.lower().encode("idna").decode("ascii")
        ascii_host.encode("ascii").decode("idna")  # rejects malformed "xn--" labels
    except (UnicodeError, ValueError):
        return None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        return None
    if labels[-1].isdigit():
        return None
    suffix_len = 2 if ".".join(labels[-2:]) in _MULTI_LABEL_SUFFIXES else 1
    if len(labels) <= suffix_len:
        return None  # the host *is* a public suffix, e.g. "co.uk"
    return ".".join(labels[-(suffix_len + 1) :])


def registrable_domain(value: str) -> str | None:
    """Return the registrable domain ("eTLD+1") of a URL, host name or e-mail address.

    ``'https://www.eu.acme.com/path'``, ``'eu.acme.com'`` and ``'jo@sales.acme.com'`` all give
    ``'acme.com'``; ``'jo@sales.acme.co.uk'`` gives ``'acme.co.uk'``.  The result is
    lower-case ASCII (non-ASCII labels are IDNA/punycode-encoded) so that the same company
    typed in different ways compares equal - that is the whole point of the domain rule.

    Sub-domains are dropped rather than compared because partners register whatever they have
    at hand (the web site, a sales contact's e-mail, a regional shop) and all of those belong to
    one customer.  Multi-label public suffixes (``co.uk``, ``com.au``, ``co.jp`` …) and hosting
    platforms (``github.io`` …) come from a small built-in table: no network access and no
    dependency, so results only change when :data:`RULES_VERSION` does.

    Returns ``None`` for empty or invalid input, IP addresses, single-label hosts and hosts that
    are themselves a public suffix.  Free-mail domains *are* returned (``'gmail.com'``); use
    :func:`is_free_mail_domain` to decide whether a domain identifies a customer.
    """
    if not isinstance(value, str):
        return None
    return _registrable_domain(value)


def is_free_mail_domain(domain: str) -> bool:
    """Whether ``domain`` (or the URL/e-mail it came from) belongs to a shared mailbox provider.

    Two deals entered with ``jo@gmail.com`` and ``sam@gmail.com`` are not about the same
    customer, so :func:`find_conflicts` ignores such domains for the ``same_domain`` rule.  The
    check is done on the registrable domain, so ``'jo@GMAIL.com'`` and ``'mail.yahoo.co.uk'``
    are recognised too.
    """
    registrable = registrable_domain(domain)
    return registrable is not None and registrable in _FREE_MAIL_DOMAINS


# --------------------------------------------------------------------------------------------
# Company names
# --------------------------------------------------------------------------------------------

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
    if domain is not None and domain in _FREE_MAIL_DOMAINS:
        domain = None
    country = (deal.country or "").strip().upper() or None
    return _Prepared(domain, normalize_company_name(deal.company_name or ""), country)


def _match(
    candidate: _Prepared, other: _Prepared, other_id: int, name_threshold: float
) -> ConflictMatch | None:
    domain_hit = candidate.domain is not None and candidate.domain == other.domain

    name_rule: str | None = None
    name_score = 0.0
    if candidate.name and _same_name(candidate.name, other.name):
        name_rule, name_score = RULE_SAME_NAME, SAME_NAME_SCORE
    elif (similarity := _normalized_similarity(candidate.name, other.name)) >= name_threshold:
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
