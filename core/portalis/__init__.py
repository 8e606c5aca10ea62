"""Portalis: a plugin-extensible partner portal (PRM) framework.

The public surface for plugin authors is :mod:`portalis.api` (and :mod:`portalis.testing`
for tests). Everything else is internal and may change between minor releases.
"""

__version__ = "0.1.0"

#: Version of the hook contract (``portalis.plugins.hookspecs``). Bumped on any
#: backwards-incompatible change to a hookspec; plugins declare the range they support.
HOOK_API_VERSION = "1.0"
