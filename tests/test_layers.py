"""The layers of the README hold: each package imports only from the layers above it (lazy
imports inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "frappe"

# Package (or top-level module) → frappe packages it must never import.
FRONT_ENDS = ("frappe.tui", "frappe.cli")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "scoring": (
        "frappe.exercises",
        "frappe.storage",
        "frappe.audio",
        "frappe.asr",
        "frappe.runs",
        *FRONT_ENDS,
    ),
    "exercises": ("frappe.storage", "frappe.audio", "frappe.asr", "frappe.runs", *FRONT_ENDS),
    "storage": ("frappe.runs", *FRONT_ENDS),
    "audio": ("frappe.storage", "frappe.asr", "frappe.runs", *FRONT_ENDS),
    "asr": ("frappe.runs", *FRONT_ENDS),
    "runs": FRONT_ENDS,
    # The tableaux de suivi read results the front ends hand them; statistics stay pure.
    "reports": (*FRONT_ENDS, "frappe.audio", "frappe.asr"),
}


def imported_modules(path: Path) -> set[str]:
    """Every absolute ``frappe…`` module imported anywhere in ``path``."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.startswith("frappe")}


def test_the_checker_sees_lazy_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from frappe.tui.app import make_app\n    import frappe.cli\n")
    assert imported_modules(module) == {"frappe.tui.app", "frappe.cli"}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_from_layers_above(package: str) -> None:
    files = sorted((SRC / package).rglob("*.py"))
    assert files, f"no module in {package}"
    bad = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in files
        for name in sorted(imported_modules(path))
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[package])
    ]
    assert not bad, "\n".join(bad)
