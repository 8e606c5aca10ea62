"""The plugin's message domain (``content``): every module translates through these."""

from __future__ import annotations

from portalis import api

T = api.Translator("content")
_ = T.gettext
_l = T.lazy_gettext
ngettext = T.ngettext
pgettext = T.pgettext
