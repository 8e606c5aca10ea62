"""The core's import graph has no cycles — counting imports inside functions too.

A cycle held together by a function-level import works until someone moves that import
to the top, and it means no module of the cycle can be understood (or tested) alone.
``lint-imports`` enforces who may import whom; this test enforces that the core's modules
form a tree a newcomer can read bottom-up.
"""

from pathlib import Path

import grimp


def _cycles(graph, modules):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = iter(range(10**9))

    def visit(module):
        index[module] = low[module] = next(counter)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in modules:
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_the_core_has_no_import_cycle():
    graph = grimp.build_graph("portalis")
    modules = set(graph.modules)
    assert _cycles(graph, modules) == []


def test_the_core_never_imports_a_bundled_plugin():
    plugins = Path(__file__).parents[1] / "plugins"
    bundled = sorted(p.parent.name for p in plugins.glob("*/portalis_*/__init__.py"))
    assert len(bundled) >= 4, bundled
    graph = grimp.build_graph("portalis", *bundled)
    for plugin in bundled:
        assert not graph.chain_exists(importer="portalis", imported=plugin, as_packages=True)
