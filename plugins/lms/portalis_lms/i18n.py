"""The plugin's message domain ("lms"): import ``_`` and friends from here."""

from portalis import api

T = api.Translator("lms")
_ = T.gettext
_l = T.lazy_gettext  # labels evaluated at render time, in the viewer's language
ngettext = T.ngettext
pgettext = T.pgettext
