"""Registrable domains ("eTLD+1") and shared free-mail providers.

Two records name the same company when they resolve to the same *registrable* domain:
``www.``, sub-domains, URLs and e-mail addresses all collapse to e.g. ``acme.co.uk``. Shared
free-mail domains (``gmail.com`` ...) never identify a company.

Only the standard library is used, on purpose: the rules must be cheap to run inside a request
and must not change behaviour because a third-party list (e.g. the Public Suffix List) was
updated underneath stored results. Callers that store results (the deals plugin's conflict
matches) version them; bump their version when this table changes.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from email.utils import parseaddr
from urllib.parse import urlsplit

__all__ = ["company_domain", "is_free_mail_domain", "registrable_domain"]

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


def company_domain(*candidates: str | None) -> str | None:
    """The registrable domain that identifies a company: that of the first candidate (a
    website, an e-mail address …) which has one and is not a free-mail provider.

    ``company_domain("https://www.acme.com", "jo@gmail.com")`` is ``'acme.com'``;
    ``company_domain(None, "jo@gmail.com")`` is ``None``: a Gmail address says nothing about
    which company someone works for.
    """
    for value in candidates:
        if not value:
            continue
        domain = registrable_domain(value)
        if domain is not None and domain not in _FREE_MAIL_DOMAINS:
            return domain
    return None
