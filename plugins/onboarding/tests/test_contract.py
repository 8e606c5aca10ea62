"""The Portalis contract-test kit, run on this plugin: every route as another tenant,
another partner, a lower tier and anonymous; everything gone when the plugin is off; the
pseudo-locale over its pages; the bad-input sweep. With deals beside it, whose
``deal.submitted`` the demo checklist waits for."""

import pytest

from portalis.testing.contract import PluginContract


@pytest.mark.plugins("onboarding", "deals")
class TestContract(PluginContract):
    plugin = "onboarding"
