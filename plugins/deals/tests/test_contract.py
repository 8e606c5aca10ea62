"""The plugin contract (portalis.testing.contract) run on the deals plugin: isolation from
other tenants, partners and tiers; gone when disabled; every page translatable."""

from portalis.testing.contract import PluginContract


class TestContract(PluginContract):
    plugin = "deals"
