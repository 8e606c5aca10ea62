"""``api.installed_plugins()``: what each installed plugin declares, for pickers that name
plugins by their titles."""

from portalis import api


def test_installed_plugins_lists_every_plugin_but_the_core(portalis_app):
    with portalis_app.test_request_context(headers={"Accept-Language": "en"}):
        infos = api.installed_plugins()
        names = [info.name for info in infos]
        assert names == sorted(names) and "core" not in names
        assert {"agreements", "deals", "content", "onboarding", "lms"} <= set(names)
        titles = {info.name: api.resolve_text(info.title) for info in infos}
        assert titles["deals"] == "Deal registration"
