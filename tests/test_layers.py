"""The layering of docs/architecture.md, read from the source with ast (issue 11)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "carbon"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every carbon module `path` imports, at any depth of the file (lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{a.name}" for a in node.names)
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "lazy"
              and node.args and isinstance(node.args[0], ast.Constant)):
            found.add(node.args[0].value)
    return {m for m in found if m == "carbon" or m.startswith("carbon.")}


def test_the_store_never_imports_renderers_commands_or_the_facade():
    for path in sorted((PACKAGE / "store").glob("*.py")):
        bad = {m for m in imports_of(path)
               if m.startswith(("carbon.report", "carbon.commands", "carbon.cli", "carbon.api"))}
        assert (module_name(path), bad) == (module_name(path), set())


def test_renderers_never_import_commands_or_click():
    for path in sorted((PACKAGE / "report").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        bad = {m for m in imports_of(path) if m.startswith(("carbon.commands", "carbon.cli"))}
        assert (module_name(path), bad, "import click" in text) == (module_name(path), set(), False)


def test_only_the_command_line_imports_click():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if name.startswith(("carbon.commands", "carbon.cli", "carbon.__main__")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        top |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert (name, "click" in top) == (name, False)
