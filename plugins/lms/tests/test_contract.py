"""The Portalis contract-test kit, run on this plugin: every route as another tenant,
another partner, a lower tier and anonymous; everything gone when the plugin is off; the
pseudo-locale over its pages."""

from portalis.testing.contract import PluginContract


class TestContract(PluginContract):
    plugin = "lms"
