"""``portalis plugin new``: which names it takes, that it never overwrites, and that it
writes every file of the documented plugin shape as valid code with no placeholder left.
(``scripts/test`` also installs a generated plugin and runs its own tests.)"""

import ast
import re
import tomllib

import pytest

from portalis.scaffold import ScaffoldError, expected_files, generate, validate_name

#: "The shape of a plugin" in docs/plugins.md, for a plugin named "notes".
DOCUMENTED = [
    "pyproject.toml",
    "README.md",
    "portalis_notes/__init__.py",
    "portalis_notes/plugin.py",
    "portalis_notes/i18n.py",
    "portalis_notes/models.py",
    "portalis_notes/access.py",
    "portalis_notes/service.py",
    "portalis_notes/forms.py",
    "portalis_notes/views/__init__.py",
    "portalis_notes/views/blueprint.py",
    "portalis_notes/views/partner.py",
    "portalis_notes/views/vendor.py",
    "portalis_notes/widgets.py",
    "portalis_notes/metrics.py",
    "portalis_notes/jobs.py",
    "portalis_notes/demo.py",
    "portalis_notes/migrations/env.py",
    "portalis_notes/migrations/script.py.mako",
    "tests/test_contract.py",
]


@pytest.mark.parametrize(
    "bad",
    ["Notes", "1notes", "no-tes", "n", "notes!", "_notes", "notes_", "no__tes", "x" * 32, ""],
)
def test_a_name_must_be_a_lower_case_identifier(bad):
    with pytest.raises(ScaffoldError, match="not a plugin name"):
        validate_name(bad, installed=set())


@pytest.mark.parametrize("taken", ["core", "admin", "search", "class", "static"])
def test_core_names_and_keywords_are_refused(taken):
    with pytest.raises(ScaffoldError, match="taken by Portalis"):
        validate_name(taken, installed=set())


def test_an_installed_plugin_name_is_refused():
    with pytest.raises(ScaffoldError, match="already installed"):
        validate_name("deals")  # the bundled plugin, installed in this environment
    assert validate_name("notes", installed={"deals"}) == "notes"


def test_it_refuses_to_overwrite_a_folder(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    with pytest.raises(ScaffoldError, match="already exists"):
        generate("notes", tmp_path, installed=set())
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["mine.txt"]
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep me"


def test_it_writes_every_file_of_the_documented_shape(tmp_path):
    target = generate("notes", tmp_path, installed=set())
    assert target == tmp_path / "notes"
    written = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert sorted(str(p) for p in expected_files("notes")) == written
    for path in DOCUMENTED:
        assert (target / path).is_file(), path
    # a first migration, templates for both sides and the widgets, a catalog, behaviour tests
    assert (target / "portalis_notes/migrations/versions/notes_0001_notes_tables.py").is_file()
    for side in ("partner", "vendor", "widgets"):
        assert list((target / "portalis_notes/templates/notes" / side).glob("*.html")), side
    assert (target / "portalis_notes/translations/babel.cfg").is_file()
    assert (target / "portalis_notes/translations/de/LC_MESSAGES/notes.po").is_file()
    assert (target / "tests/test_notes.py").is_file()


def test_the_generated_files_are_valid_and_fully_substituted(tmp_path):
    target = generate("field_notes", tmp_path, installed=set())
    for path in target.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text()
        assert "NAME" not in str(path.relative_to(target)), path
        if path.suffix != ".mako":
            assert not re.search(r"\$\{?[a-z]", text), f"placeholder left in {path}"
        if path.suffix == ".py":
            ast.parse(text, str(path))
    assert "${message}" in (target / "portalis_field_notes/migrations/script.py.mako").read_text()

    meta = tomllib.loads((target / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "portalis-field-notes"
    assert meta["project"]["entry-points"]["portalis.plugins"] == {
        "field_notes": "portalis_field_notes.plugin"
    }
    assert any(d.startswith("portalis") for d in meta["project"]["dependencies"])
    assert meta["project"]["optional-dependencies"]["test"] == ["portalis[test]"]

    plugin = (target / "portalis_field_notes/plugin.py").read_text()
    assert 'name="field_notes"' in plugin and '"field_notes.manage"' in plugin
    assert (
        'Blueprint("field_notes"'
        in (target / "portalis_field_notes/views/blueprint.py").read_text()
    )
    assert (target / "portalis_field_notes/templates/field_notes/partner/index.html").is_file()
    assert 'plugin = "field_notes"' in (target / "tests/test_contract.py").read_text()


def test_the_german_catalog_translates_the_pages(tmp_path):
    from babel.messages.pofile import read_po

    target = generate("notes", tmp_path, installed=set())
    with (target / "portalis_notes/translations/de/LC_MESSAGES/notes.po").open("rb") as fh:
        catalog = read_po(fh, locale="de")
    ids = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    assert ids["New entry"].string == "Neuer Eintrag"
    # every string the generated Python and templates mark for translation is in it
    marked = set()
    for path in (target / "portalis_notes").rglob("*"):
        if path.suffix in (".py", ".html"):
            marked |= set(re.findall(r'(?:_l?|ngettext)\(\s*"([^"]+)"', path.read_text()))
    assert marked and marked <= set(ids), marked - set(ids)


def test_the_command_writes_the_plugin_and_says_what_next(portalis_app, tmp_path):
    runner = portalis_app.test_cli_runner()
    result = runner.invoke(args=["plugin", "new", "notes", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "notes/portalis_notes/plugin.py").is_file()
    assert "pip install -e" in result.output and "portalis db upgrade" in result.output
    assert "plugins enable" in result.output

    again = runner.invoke(args=["plugin", "new", "notes", "--path", str(tmp_path)])
    assert again.exit_code != 0 and "already exists" in again.output
    taken = runner.invoke(args=["plugin", "new", "deals", "--path", str(tmp_path)])
    assert taken.exit_code != 0 and "already installed" in taken.output
    assert not (tmp_path / "deals").exists()
