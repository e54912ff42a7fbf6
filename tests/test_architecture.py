"""The layers of the README hold, checked by import-linter (contracts in pyproject.toml, also
run by ``make lint``), and no product module takes part in an import cycle. Imports inside
functions count: they run too, only later."""

from __future__ import annotations

import contextlib
import io
import pkgutil
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

import frappe

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    output = io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(output):
        code = lint_imports(no_cache=True, no_logo=True)
    assert code == 0, output.getvalue()


def _layered_names() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    names: set[str] = set()
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            for layer in contract["layers"]:
                names.update(name.strip() for name in layer.replace(":", "|").split("|"))
    return names


def test_every_top_level_module_has_a_layer() -> None:
    """What the layers contract cannot say: a new top-level module or package that is in no
    layer is checked by nothing."""
    top_level = {f"frappe.{module.name}" for module in pkgutil.iter_modules(frappe.__path__)}
    assert top_level, "no module found"
    assert not top_level - _layered_names(), "in no layer"
    assert not _layered_names() - top_level, "layer of a module that no longer exists"


def import_cycles(imports: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """The groups of modules that import one another, directly or not (strongly connected
    components of more than one module, or a module importing itself); Tarjan's algorithm,
    iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(imports):
        if start in index:
            continue
        work = [(start, iter(sorted(imports.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(imports.get(target, ())))))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1 or module in imports.get(module, ()):
                    cycles.append(sorted(group))
    return cycles


def test_the_cycle_finder_finds_indirect_and_self_cycles() -> None:
    imports = {
        "a": ["b"],
        "b": ["c"],
        "c": ["a", "d"],
        "d": [],
        "e": ["e"],
        "f": ["d"],
    }
    assert sorted(import_cycles(imports)) == [["a", "b", "c"], ["e"]]
    assert import_cycles({"a": ["b"], "b": []}) == []


def test_no_import_cycle_among_product_modules() -> None:
    graph = grimp.build_graph("frappe", cache_dir=None)
    imports = {
        module: sorted(graph.find_modules_directly_imported_by(module)) for module in graph.modules
    }
    assert len(imports) > 100
    lazy = graph.find_modules_directly_imported_by("frappe.cli.room_seat")
    assert "frappe.tui.app" in lazy  # imported inside a function only: counted
    cycles = import_cycles(imports)
    assert not cycles, "\n".join(" ↔ ".join(cycle) for cycle in cycles)
