"""Translations of a plugin outside this repository (docs/translating.md, "A plugin of your
own"): the documented pybabel commands, run as written on a small plugin, give catalogs in
its ``translations_dir`` that the portal uses for a German viewer."""

from __future__ import annotations

import importlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from portalis.testing.fixtures import build_app

ROOT = Path(__file__).resolve().parents[1]
PYBABEL = Path(sys.executable).with_name("pybabel")
#: the docs' package name, swapped for one no installed distribution can have
DOC_PACKAGE = "portalis_hello"
PACKAGE = "portalis_i18n_doccheck"

FILES = {
    "__init__.py": '__version__ = "0.1.0"\n',
    "i18n.py": """\
from portalis import api

T = api.Translator("hello")
_ = T.gettext
_l = T.lazy_gettext
ngettext = T.ngettext
pgettext = T.pgettext
""",
    "plugin.py": """\
from pathlib import Path

from flask import Blueprint

from portalis import api

from .i18n import _, _l, ngettext, pgettext

HERE = Path(__file__).resolve().parent
PLUGIN = api.PluginInfo(
    name="hello", title=_l("Greeting board"), version="0.1.0",
    translations_dir=HERE / "translations",
)
bp = Blueprint("hello", __name__, url_prefix="/hello")


@bp.route("/")
@api.partner_member
def index():
    return api.page(
        "hello/index.html",
        from_python=_("Written in Python"),
        greetings=ngettext("%(num)s greeting", "%(num)s greetings", 3, num=3),
        verb=pgettext("button", "Wave"),
    )


@api.hookimpl
def portalis_blueprints():
    return [bp]


@api.hookimpl
def portalis_nav_items(viewer):
    return [api.NavItem(_("Greetings nav"), "hello.index")]
""",
    "templates/hello/index.html": """\
{% extends "layout.html" %}
{% block content %}
<h1 id="t-title">{{ _("Hello from a template") }}</h1>
<p id="t-python">{{ from_python }}</p>
<p id="t-plural">{{ greetings }} / {{ ngettext("%(num)s wave", "%(num)s waves", 1, num=1) }}</p>
<p id="t-context">{{ verb }} / {{ pgettext("noun", "Wave") }}</p>
<p id="t-later">{{ _("Added in version two") }}</p>
{% endblock %}
""",
    "translations/babel.cfg": """\
[python: **.py]
[jinja2: **/templates/**.html]
[jinja2: **/templates/**.txt]
""",
}

GERMAN = {
    (None, "Greeting board"): "Grußbrett",
    (None, "Written in Python"): "In Python geschrieben",
    (None, "%(num)s greeting"): ("%(num)s Gruß", "%(num)s Grüße"),
    ("button", "Wave"): "Winken",
    (None, "Greetings nav"): "Grüße-Menü",
    (None, "Hello from a template"): "Hallo aus einer Vorlage",
    (None, "%(num)s wave"): ("%(num)s Wink", "%(num)s Winke"),
    ("noun", "Wave"): "Welle",
    (None, "Added in version two"): "In Version zwei hinzugefügt",
}


def documented_commands() -> list[list[str]]:
    """The pybabel lines of the docs' "A plugin of your own" shell block, in order."""
    text = (ROOT / "docs" / "translating.md").read_text()
    section = text.split("## A plugin of your own", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "docs/translating.md lost its command block"
    lines = [ln.strip() for ln in block.group(1).splitlines() if ln.strip().startswith("pybabel")]
    return [shlex.split(ln.replace(DOC_PACKAGE, PACKAGE)) for ln in lines]


def run(cmd: list[str], cwd: Path) -> str:
    assert cmd[0] == "pybabel"
    done = subprocess.run(  # noqa: S603 - the venv's pybabel with the documented arguments
        [str(PYBABEL), *cmd[1:]], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def translate(po_path: Path) -> int:
    """What a translator does: fill in the German of every entry still empty."""
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale="de")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if not any(message.string if isinstance(message.string, tuple) else [message.string]):
            message.string = GERMAN[(message.context, key)]
            filled += 1
    with po_path.open("wb") as fh:
        write_po(fh, catalog, width=0)
    return filled


@pytest.fixture
def plugin_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plugin's repository: ``<tmp>/portalis_i18n_doccheck/``, importable, version one
    (without the string that version two adds)."""
    base = tmp_path / "checkout"
    for rel, text in FILES.items():
        path = base / PACKAGE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith("index.html"):
            text = text.replace('<p id="t-later">{{ _("Added in version two") }}</p>\n', "")
        path.write_text(text)
    monkeypatch.syspath_prepend(str(base))
    yield base
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_documented_pybabel_commands_translate_an_outside_plugin(
    plugin_checkout, portalis_app, portalis_database_url, world, client_as, enable_plugin
):
    extract, init, update, compile_ = documented_commands()
    translations = plugin_checkout / PACKAGE / "translations"
    po = translations / "de" / "LC_MESSAGES" / "hello.po"

    run(extract, plugin_checkout)
    pot = (translations / "hello.pot").read_text()
    for needle in ('msgid "Greeting board"', 'msgid "Written in Python"',
                   'msgid_plural "%(num)s greetings"', 'msgctxt "button"',
                   'msgid "Hello from a template"', 'msgid_plural "%(num)s waves"',
                   'msgctxt "noun"'):  # fmt: skip
        assert needle in pot  # _l, _, ngettext, pgettext in Python and in templates
    run(init, plugin_checkout)
    assert translate(po) == 8

    # version two adds a string: extract again, update keeps the work done
    page = plugin_checkout / PACKAGE / "templates" / "hello" / "index.html"
    page.write_text(FILES["templates/hello/index.html"])
    run(extract, plugin_checkout)
    run(update, plugin_checkout)
    assert translate(po) == 1
    stats = run(compile_, plugin_checkout)
    assert "9 of 9 messages (100%) translated" in stats
    assert (translations / "de" / "LC_MESSAGES" / "hello.mo").is_file()

    module = importlib.import_module(f"{PACKAGE}.plugin")
    assert module.PLUGIN.translations_dir == translations
    app = build_app(
        portalis_database_url, plugin_checkout / "instance", plugins=[], extra_plugins=[module]
    )
    enable_plugin(world.program, "hello")
    client = client_as(world.users["gold_user"], app=app)

    german = client.get("/hello/", headers={"Accept-Language": "de"})
    assert german.status_code == 200
    html = german.get_data(as_text=True)
    assert '<h1 id="t-title">Hallo aus einer Vorlage</h1>' in html
    assert '<p id="t-python">In Python geschrieben</p>' in html
    assert '<p id="t-plural">3 Grüße / 1 Wink</p>' in html
    assert '<p id="t-context">Winken / Welle</p>' in html
    assert '<p id="t-later">In Version zwei hinzugefügt</p>' in html
    assert "Grüße-Menü" in html  # the nav item, translated in a hook

    english = client.get("/hello/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<h1 id="t-title">Hello from a template</h1>' in english
    assert '<p id="t-plural">3 greetings / 1 wave</p>' in english
    assert "Greetings nav" in english
