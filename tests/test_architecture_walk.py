"""docs/architecture.md's newcomer walk names real files and functions.

The walk (CLI command -> `Carbon` method -> feature service -> rules -> store) is written once in
the docs; this test keeps it true when code moves: every `carbon/….py` it names exists, and every
function named right after a file, as "`carbon/x.py` (`name`" or "(`Class.method`", is defined
in that file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def walk_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## A newcomer's walk")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def defined_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names.update(
                f"{node.name}.{n.name}"
                for n in node.body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
    return names


def test_the_walk_covers_both_commands_and_every_layer():
    walk = walk_section()
    for command in ("carbon report monthly", "carbon budget status"):
        assert command in walk
    for step in ("CLI command", "`Carbon` method", "Feature service", "Rules", "Store"):
        assert walk.count(f"{step} — ") == 2, step


def test_every_file_the_walk_names_exists():
    files = re.findall(r"`(carbon/[\w/]+\.py)`", walk_section())
    assert len(files) >= 12
    missing = [f for f in files if not (ROOT / f).is_file()]
    assert missing == []


def test_every_function_the_walk_names_is_defined_in_its_file():
    pairs = re.findall(r"`(carbon/[\w/]+\.py)` \(`([\w.]+)`", walk_section())
    assert len(pairs) >= 8
    absent = [(f, name) for f, name in pairs if name not in defined_names(ROOT / f)]
    assert absent == []
