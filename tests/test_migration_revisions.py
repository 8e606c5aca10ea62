"""What ``portalis db revision`` writes: ids in the distribution's own numbering, and
column types a plugin's revision can import (the public API's, or the plugin's own)."""

from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from portalis import api
from portalis.migrate import next_revision_id, render_type


class Lower(TypeDecorator):
    """A plugin's own column type."""

    impl = sa.String
    cache_ok = True


def _render(obj):
    context = SimpleNamespace(imports=set())
    return render_type("type", obj, context), context.imports


def test_revision_ids_continue_the_distributions_numbering(tmp_path):
    assert next_revision_id("surveys", tmp_path) == "surveys_0001"
    (tmp_path / "surveys_0001_questions.py").write_text("")
    (tmp_path / "surveys_0002_answers.py").write_text("")
    (tmp_path / "other_0007_x.py").write_text("")  # another distribution's numbering
    assert next_revision_id("surveys", tmp_path) == "surveys_0003"


def test_public_api_types_are_written_through_portalis_api():
    assert _render(api.BigId) == ("api.BigId", {"from portalis import api"})
    assert _render(api.AwareDateTime()) == ("api.AwareDateTime()", {"from portalis import api"})


def test_a_plugins_own_type_is_written_with_its_module_imported():
    text, imports = _render(Lower(length=50))
    assert text == f"{__name__}.Lower(length=50)"
    assert imports == {f"import {__name__}"}
    namespace: dict = {}
    exec(next(iter(imports)), namespace)  # noqa: S102 - the revision's own import line runs
    assert eval(text, namespace).impl.length == 50  # noqa: S307 - and so does the type


def test_sqlalchemy_types_keep_alembics_rendering():
    assert _render(sa.String(40)) == (False, set())
