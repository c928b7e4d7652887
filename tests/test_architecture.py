"""The rooms of the house and the direction of their arrows (docs/architecture.md).

An app may import apps below it, never above or beside it, so that each room can be read
and changed knowing only what it stands on. Imports under ``if TYPE_CHECKING:`` are
exempt: core names the (swappable) user model for the type checker only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import imsclinic

SRC = Path(imsclinic.__file__).parent

# Lowest first. The framework-free domain core is at the bottom; the interfaces and the
# project wiring at the top. A new app needs a place here (the test says so).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("rules", "measures"),
    ("anatomy",),
    ("plots",),
    ("core",),
    ("accounts",),
    ("patients",),
    ("charting",),
    ("notifications",),
    ("outcomes", "billing"),
    ("scheduling",),
    ("reports", "security", "fhir", "portal"),
    ("safety",),
    ("api", "demo"),
    ("config", "cli"),
)
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
FRAMEWORK_FREE = ("rules", "measures", "anatomy")


def _app_of(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    return parts[0].removesuffix(".py")


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return skipped


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    skipped = _type_checking_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _sources() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if "migrations" not in p.parts]


def test_every_app_has_a_place_in_the_layers():
    apps = {_app_of(path) for path in _sources()} - {"__init__", "__main__"}
    assert apps - RANK.keys() == set(), "add the new app to LAYERS"


def test_no_import_points_up_or_sideways():
    offenders = []
    for path in _sources():
        app = _app_of(path)
        if app not in RANK:
            continue
        for line, module in _imports(path):
            parts = module.split(".")
            if parts[0] != "imsclinic" or len(parts) < 2 or parts[1] == app:
                continue
            target = parts[1]
            if target in RANK and RANK[target] >= RANK[app]:
                offenders.append(f"{path.relative_to(SRC)}:{line} {app} -> {target}")
    assert offenders == []


def test_the_domain_core_imports_no_framework():
    offenders = []
    for path in _sources():
        if _app_of(path) not in FRAMEWORK_FREE:
            continue
        for line, module in _imports(path):
            if module.split(".")[0] in ("django", "ninja"):
                offenders.append(f"{path.relative_to(SRC)}:{line} {module}")
    assert offenders == []


MAX_LINES = 400


def test_a_long_module_says_why_it_is_one_module():
    """Rooms stay small enough to read: a module over ~400 lines is split by topic (as
    charting/actions/ is), or its docstring says why it is one module, on a line that
    starts with "Size:"."""
    offenders = []
    for path in _sources():
        text = path.read_text()
        lines = text.count("\n")
        if lines > MAX_LINES and "Size:" not in (ast.get_docstring(ast.parse(text)) or ""):
            offenders.append(f"{path.relative_to(SRC)} ({lines} lines)")
    assert offenders == []


def test_identifiers_are_quoted_only_by_the_raw_sql_toolkit():
    offenders = [
        str(path.relative_to(SRC))
        for path in _sources()
        if "quote_name" in path.read_text() and path.relative_to(SRC).as_posix() != "core/rawsql.py"
    ]
    assert offenders == [], "use imsclinic.core.rawsql (quote, table, columns, quoted)"
