"""Domain code never imports the web UI: the UI subscribes to the station fan-out instead
(ui/apps.py). Only the UI itself, the project's routing and urls, and tests may import it."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAY_IMPORT_THE_UI = ("ui/", "tests/", "csms/routing.py", "csms/urls.py")
SKIPPED = (".venv/", "node_modules/")


def imported_modules(source: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_module_outside_the_ui_imports_it() -> None:
    importers = []
    for source in ROOT.rglob("*.py"):
        path = source.relative_to(ROOT).as_posix()
        if path.startswith(MAY_IMPORT_THE_UI + SKIPPED):
            continue
        if any(name == "ui" or name.startswith("ui.") for name in imported_modules(source)):
            importers.append(path)
    assert importers == []
