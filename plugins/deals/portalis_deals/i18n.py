"""The plugin's message domain (``deals``): every module translates through these."""

from __future__ import annotations

from portalis import api

T = api.Translator("deals")
_ = T.gettext
_l = T.lazy_gettext
ngettext = T.ngettext
pgettext = T.pgettext
