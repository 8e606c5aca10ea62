"""Portalis: a plugin-extensible partner portal (PRM) framework.

The public surface for plugin authors is :mod:`portalis.api` (and :mod:`portalis.testing`
for tests). Everything else is internal and may change between minor releases.
"""

__version__ = "0.1.0"

#: Version of the hook contract (``portalis.plugins.hookspecs`` and ``portalis.api``): the
#: major number changes on a backwards-incompatible change, the minor number when names or
#: fields are added. Plugins declare the range they support (``PluginInfo.requires_core``).
#: 1.1 added on_commit, on_rollback, Role, valid_id, safe_next and tenant_request_context.
HOOK_API_VERSION = "1.3"
