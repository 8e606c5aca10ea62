"""Where a redirect may send the visitor: the one check for every user-supplied target.

A ``next`` parameter, a form's "back" field, anything the visitor could have typed or
been sent in a crafted link goes through :func:`safe_next` before it reaches
``redirect()``. Only a **path on this same host** is accepted: ``/deals/review?page=2``.
Everything else — an absolute URL (even to this host: the portal never needs one, and
a proxy's idea of "this host" is not ours), a scheme-relative ``//host``, any scheme
(``javascript:``, ``data:``, ``http:``) — gives the fallback.

Browsers are forgiving in ways a naive ``startswith("/")`` check is not: they drop tabs,
CR and LF anywhere in a URL, strip leading control characters and spaces, and treat
``\\`` as ``/``. So ``/<TAB>/evil.example`` becomes ``//evil.example``. The check
therefore refuses, after percent-decoding (repeatedly, for double encoding) and Unicode
compatibility normalisation (``／`` → ``/``):

* any control character (C0, DEL, C1) or Unicode format character anywhere;
* any backslash anywhere;
* a second ``/`` (or ``\\``) right after the first;
* a scheme or an authority (``urlsplit`` finds one), or ``@`` before the query (userinfo);
* anything longer than :data:`MAX_LENGTH`.

A refused target is not repaired: the visitor lands on the fallback, a page we chose.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2048
#: how many rounds of percent-decoding are checked (``%252F`` → ``%2F`` → ``/`` …)
_DECODE_ROUNDS = 4


def _hostile(form: str) -> bool:
    for ch in form:
        if ch == "\\" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return True
    if not form.startswith("/") or form[1:2] in ("/", "\\"):
        return True
    parts = urlsplit(form)
    if parts.scheme or parts.netloc:
        return True
    return "@" in form.split("?", 1)[0].split("#", 1)[0]


def is_safe_path(value: str | None) -> bool:
    """True when ``value`` is a same-origin path a browser can't read as another site."""
    if not value or not isinstance(value, str) or len(value) > MAX_LENGTH:
        return False
    form = value
    for _ in range(_DECODE_ROUNDS + 1):
        if _hostile(form) or _hostile(unicodedata.normalize("NFKC", form)):
            return False
        decoded = unquote(form, errors="strict") if "%" in form else form
        if decoded == form:
            return True
        form = decoded
    return False  # still changing after several rounds: nobody legitimate does that


def safe_next(value: str | None, fallback: str) -> str:
    """``value`` if it is a safe same-origin path (see the module docs), else ``fallback``.

    Use it for every redirect whose target came from the request::

        return redirect(safe_next(request.args.get("next"), url_for("portal.home")))
    """
    try:
        return value if value is not None and is_safe_path(value) else fallback
    except (UnicodeDecodeError, ValueError):
        return fallback
