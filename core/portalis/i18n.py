"""Localization: locale choice, one message domain per distribution, Babel formatting.

Each distribution (``portalis`` for the core, the plugin name for each plugin) has its own
catalog. A string is looked up in the core catalog first, then in the plugin's, so a plugin
can never change a core string by accident; a plugin that needs a different meaning for a
common word uses ``pgettext``. Operators override single strings in
``instance/locales``, which come before both.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, has_request_context, request, session
from flask_babel import LazyString, get_locale
from flask_babel import force_locale as _babel_force_locale

CORE_DOMAIN = "portalis"
#: Languages the project ships complete catalogs for (translated with care).
SHIPPED_LOCALES = ("en", "de", "fr", "es", "ja", "ar")
RTL_LANGUAGES = {"ar", "he", "fa", "ur"}
PSEUDO_LOCALE = "en_XA"


class Catalogs:
    """Loads .po files straight into GNUTranslations (no compile step at run time)."""

    def __init__(self, search_dirs: dict[str, list[Path]], override_dir: Path | None) -> None:
        self.search_dirs = search_dirs  # domain -> dirs holding <locale>/LC_MESSAGES/<d>.po
        self.override_dir = override_dir
        self._cache: dict[tuple[str, str], _gettext.NullTranslations] = {}
        self._lock = threading.Lock()

    def _read(self, path: Path, locale: str) -> _gettext.GNUTranslations | None:
        if not path.exists():
            return None
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        return _gettext.GNUTranslations(buf)

    def _domain_chain(self, domain: str, locale: str) -> list[_gettext.GNUTranslations]:
        chain = []
        for variant in _variants(locale):
            for base in self.search_dirs.get(domain, []):
                t = self._read(base / variant / "LC_MESSAGES" / f"{domain}.po", variant)
                if t:
                    chain.append(t)
        return chain

    def get(self, domain: str, locale: str) -> _gettext.NullTranslations:
        key = (domain, locale)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        with self._lock:
            chain: list[_gettext.NullTranslations] = []
            if self.override_dir:
                for variant in _variants(locale):
                    for d in {CORE_DOMAIN, domain}:
                        t = self._read(
                            self.override_dir / variant / "LC_MESSAGES" / f"{d}.po", variant
                        )
                        if t:
                            chain.append(t)
            chain += self._domain_chain(CORE_DOMAIN, locale)
            if domain != CORE_DOMAIN:
                chain += self._domain_chain(domain, locale)
            head: _gettext.NullTranslations = _gettext.NullTranslations()
            if chain:
                head = chain[0]
                for nxt in chain[1:]:
                    head.add_fallback(nxt)
            self._cache[key] = head
            return head

    def clear(self) -> None:
        self._cache.clear()


def _variants(locale: str) -> list[str]:
    parts = locale.replace("-", "_").split("_")
    return [locale, parts[0]] if len(parts) > 1 else [locale]


# --- which domain and locale ---------------------------------------------------------------


def current_locale() -> str:
    if not has_request_context():
        return getattr(g, "portalis_locale", "en") if _has_app() else "en"
    return str(get_locale() or "en")


@contextmanager
def force_locale(locale: str) -> Iterator[None]:
    """Inside the block, gettext, dates and numbers speak ``locale`` instead of the
    reader's language: a mail in its recipient's language, a contract in the language it is
    written in. Works in a request and in a job (``current_locale`` reads the same value);
    the reader's language comes back afterwards, also on an exception."""
    if not _has_app():
        yield
        return
    previous = g.get("portalis_locale")
    g.portalis_locale = locale
    try:
        with _babel_force_locale(locale):
            yield
    finally:
        if previous is None:
            g.pop("portalis_locale", None)
        else:
            g.portalis_locale = previous


def _has_app() -> bool:
    try:
        current_app.name  # noqa: B018 - touching the proxy raises outside an app context
        return True
    except RuntimeError:
        return False


def translations(domain: str = CORE_DOMAIN, locale: str | None = None) -> _gettext.NullTranslations:
    if not _has_app():
        return _gettext.NullTranslations()
    catalogs: Catalogs = current_app.extensions["portalis_catalogs"]
    loc = locale or current_locale()
    if locale is None and has_request_context() and g.get("portalis_pseudo"):
        return PseudoTranslations()
    return catalogs.get(domain, loc)


class PseudoTranslations(_gettext.NullTranslations):
    """Accented, lengthened, bracketed text: anything on a page that is not bracketed did
    not pass through gettext (see tests/test_pseudo_locale.py)."""

    _MAP = str.maketrans("aeiouAEIOUcnsyCNSY", "àéîõüÀÉÎÕÜçñšýÇÑŠÝ")

    def _p(self, text: str) -> str:
        out = []
        i = 0
        # keep %(name)s / {name} placeholders intact
        while i < len(text):
            ch = text[i]
            if ch == "%" and i + 1 < len(text) and text[i + 1] == "(":
                j = text.find(")", i)
                if j != -1 and j + 1 < len(text):
                    out.append(text[i : j + 2])
                    i = j + 2
                    continue
            if ch == "{":
                j = text.find("}", i)
                if j != -1:
                    out.append(text[i : j + 1])
                    i = j + 1
                    continue
            out.append(ch.translate(self._MAP))
            i += 1
        return "⟦" + "".join(out) + "⟧"

    def gettext(self, message: str) -> str:
        return self._p(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self._p(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return self._p(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self._p(msgid1 if n == 1 else msgid2)


def _fmt(text: str, kwargs: dict[str, Any]) -> str:
    return text % kwargs if kwargs else text


class Translator:
    """Gettext functions bound to one domain; plugins get one from ``portalis.api``."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def gettext(self, message: str, **kwargs: Any) -> str:
        return _fmt(translations(self.domain).gettext(message), kwargs)

    def ngettext(self, singular: str, plural: str, n: int, /, **kwargs: Any) -> str:
        kwargs.setdefault("num", n)
        return _fmt(translations(self.domain).ngettext(singular, plural, n), kwargs)

    def pgettext(self, context: str, message: str, **kwargs: Any) -> str:
        return _fmt(translations(self.domain).pgettext(context, message), kwargs)

    def lazy_gettext(self, message: str, **kwargs: Any) -> LazyString:
        return LazyString(self.gettext, message, **kwargs)

    def lazy_pgettext(self, context: str, message: str, **kwargs: Any) -> LazyString:
        return LazyString(self.pgettext, context, message, **kwargs)


def N_(message: str) -> str:  # noqa: N802 - the conventional name for this marker
    """Mark a string for extraction without translating it now (translated where shown)."""
    return message


core = Translator(CORE_DOMAIN)
gettext = core.gettext
ngettext = core.ngettext
pgettext = core.pgettext
lazy_gettext = core.lazy_gettext
_ = gettext


def template_domain(template_name: str | None) -> str:
    """Templates under ``<plugin>/`` translate with that plugin's domain."""
    if template_name and "/" in template_name:
        first = template_name.split("/", 1)[0]
        if first in current_app.extensions.get("portalis_plugin_domains", ()):
            return first
    return CORE_DOMAIN


# --- locale negotiation --------------------------------------------------------------------


def select_locale() -> str:
    """User's saved choice → tenant's allowed locales vs Accept-Language → tenant default."""
    tenant = getattr(g, "tenant", None)
    allowed = list(tenant.allowed_locales) if tenant else ["en"]
    default = tenant.default_locale if tenant else "en"
    if current_app.config.get("PSEUDO_LOCALE_ENABLED"):
        allowed.append(PSEUDO_LOCALE)
    user = getattr(g, "user", None)
    if PSEUDO_LOCALE in allowed and PSEUDO_LOCALE in (
        getattr(user, "locale", None),
        session.get("locale"),
    ):
        g.portalis_pseudo = True  # Babel formats as English; gettext returns pseudo text
        return "en"
    if user is not None and user.locale in allowed:
        return str(user.locale)
    chosen = session.get("locale")
    if chosen in allowed:
        return str(chosen)
    best = request.accept_languages.best_match(allowed + [a.replace("_", "-") for a in allowed])
    if best:
        return best.replace("-", "_")
    return default


def select_timezone() -> str:
    user = getattr(g, "user", None)
    if user is not None and user.timezone:
        return str(user.timezone)
    tenant = getattr(g, "tenant", None)
    return tenant.timezone if tenant else "UTC"


def locale_direction(locale: str) -> str:
    return "rtl" if locale.split("_")[0] in RTL_LANGUAGES else "ltr"


def locale_display_name(code: str) -> str:
    """Each language named in itself, so a lost user can find theirs."""
    if code == PSEUDO_LOCALE:
        return "Pseudo"
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def listing(items: Iterable[Any]) -> str:
    """Items as a list in the reader's language: "a, b and c", "a、b、c", "a وb وc" (CLDR),
    not an English comma glued into a translated sentence."""
    from babel.lists import format_list

    texts = [str(item) for item in items]
    try:
        return str(format_list(texts, locale=Locale.parse(current_locale().replace("-", "_"))))
    except (ValueError, TypeError, UnknownLocaleError):  # the pseudo-locale, an odd code
        return ", ".join(texts)


def money(amount: Decimal | float | int | None, currency: str) -> str:
    from flask_babel import format_currency

    if amount is None:
        return ""
    return str(format_currency(amount, currency))


def localized(value: str, per_locale: dict[str, str] | None, locale: str | None = None) -> str:
    """Vendor-entered text in the viewer's language, falling back to the default text."""
    if not per_locale:
        return value
    loc = locale or current_locale()
    return per_locale.get(loc) or per_locale.get(loc.split("_")[0]) or value


def utc_to_local(value: dt.datetime) -> dt.datetime:
    from flask_babel import to_user_timezone

    return to_user_timezone(value)


def jinja_helpers() -> dict[str, Callable[..., Any]]:
    from jinja2 import pass_context

    @pass_context
    def _t(ctx: Any, message: str, **kwargs: Any) -> str:
        return Translator(template_domain(ctx.name)).gettext(message, **kwargs)

    @pass_context
    def _n(ctx: Any, s: str, p: str, n: int, **kwargs: Any) -> str:
        return Translator(template_domain(ctx.name)).ngettext(s, p, n, **kwargs)

    @pass_context
    def _p(ctx: Any, c: str, message: str, **kwargs: Any) -> str:
        return Translator(template_domain(ctx.name)).pgettext(c, message, **kwargs)

    return {"_": _t, "gettext": _t, "ngettext": _n, "pgettext": _p}
