"""The plugin's message domain ("agreements"): import ``_`` and friends from here."""

from portalis import api

T = api.Translator("agreements")
_ = T.gettext
_l = T.lazy_gettext  # labels evaluated at render time, in the viewer's language
ngettext = T.ngettext
pgettext = T.pgettext
