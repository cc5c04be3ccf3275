"""The layering of docs/architecture.md, read from the source with ast."""

from __future__ import annotations

import ast
import re
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
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "lazy"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
    return {m for m in found if m == "carbon" or m.startswith("carbon.")}


def store_modules() -> list[Path]:
    """The store layer: the carbon/store/ package (engine, core ledger) and each feature's
    `store.py` (its tables and queries). Nothing else speaks SQL."""
    return sorted([*(PACKAGE / "store").glob("*.py"), *PACKAGE.glob("*/store.py")])


def is_store(module: str) -> bool:
    return module.startswith("carbon.store") or module.endswith(".store")


def is_records(module: str) -> bool:
    """A feature's records (`carbon/budgets/records.py`, …): plain frozen dataclasses that the
    feature's store builds and its rules compute on; leaves like `carbon.model`."""
    return module.startswith("carbon.") and module.endswith(".records")


def test_the_store_never_imports_renderers_commands_or_the_facade():
    for path in store_modules():
        bad = {
            m
            for m in imports_of(path)
            if m.startswith(("carbon.report", "carbon.commands", "carbon.cli", "carbon.api"))
        }
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
        top = {
            a.name.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.Import)
            for a in n.names
        }
        top |= {
            n.module.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module
        }
        assert (name, "click" in top) == (name, False)


# ---- every import, resolved to the module it loads (lazy ones too) --------------------------


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        getattr(test, "id", None) == "TYPE_CHECKING"
        or getattr(test, "attr", None) == "TYPE_CHECKING"
    )


def _module_exists(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(path: Path, type_checking: bool = True) -> set[str]:
    """Every module `path` imports, at module level, inside functions and through `lazy("x")`.

    `from a import b` counts as module `a.b` when that is a carbon module, else as `a`;
    relative imports are resolved. With `type_checking=False`, imports under
    `if TYPE_CHECKING:` (never run) are left out.
    """
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _is_type_checking(node) and not type_checking:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.add(sub if base.split(".")[0] == "carbon" and _module_exists(sub) else base)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "lazy"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


# What a store module may import: SQL, the standard library, the shared records and errors, and
# leaf helpers that import nothing of carbon but each other (checked below): `limits` (column
# lengths), `lazy` (pandas and numpy on first use, for the bulk writes of imports), `suggest`
# (did-you-mean), and `periods` for its month arithmetic only (MONTH_ARITHMETIC).
LEAVES = (
    "carbon.errors",
    "carbon.model",
    "carbon.core.limits",
    "carbon.core.calendar",
    "carbon.core.lazy",
    "carbon.core.suggest",
)
STORE_MAY_IMPORT_OTHER = ("sqlalchemy", "alembic", "pandas", "numpy")
MONTH_ARITHMETIC = {"MONTH_RE", "parse_month", "month_label", "month_range"}


def test_the_store_imports_only_sql_records_errors_and_other_store_modules():
    import sys

    bad = {}
    for path in store_modules():
        for m in imported_modules(path):
            top = m.split(".")[0]
            if top == "carbon":
                ok = m == "carbon" or m in LEAVES or is_store(m) or is_records(m)
            else:
                ok = top in sys.stdlib_module_names or top in STORE_MAY_IMPORT_OTHER
            if not ok:
                bad.setdefault(module_name(path), set()).add(m)
    assert bad == {}


def test_the_store_takes_only_month_arithmetic_from_the_calendar():
    for path in store_modules():
        names = {
            a.name
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.ImportFrom) and n.module == "carbon.core.calendar"
            for a in n.names
        }
        assert (module_name(path), names - MONTH_ARITHMETIC) == (module_name(path), set())
        whole = {
            a.name
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            for a in getattr(n, "names", ())
            if isinstance(n, ast.Import)
            or (isinstance(n, ast.ImportFrom) and n.module in ("carbon", "carbon.core"))
        }
        assert (module_name(path), whole & {"carbon.core.calendar", "calendar"}) == (
            module_name(path),
            set(),
        )


def test_records_the_store_reads_are_leaves():
    """A feature's records that a store module builds import only the leaves and other such
    records (the pack's records, built from reports and never stored as such, may import rules)."""
    read_by_store = {m for p in store_modules() for m in imported_modules(p) if is_records(m)}
    assert read_by_store  # budgets, closing, donation, feeds, metrics, prices, scope2
    for name in sorted(read_by_store):
        path = PACKAGE.parent.joinpath(*name.split(".")).with_suffix(".py")
        ours = {m for m in imported_modules(path) if m.split(".")[0] == "carbon"}
        bad = {m for m in ours if m not in LEAVES and not is_records(m)}
        assert (name, bad) == (name, set())


def test_the_leaves_import_nothing_of_carbon_but_each_other():
    for name in LEAVES:
        path = PACKAGE.parent.joinpath(*name.split(".")).with_suffix(".py")
        ours = {m for m in imported_modules(path) if m.split(".")[0] == "carbon"}
        assert (name, ours - set(LEAVES)) == (name, set())


def test_no_renderer_imports_the_store():
    for path in sorted((PACKAGE / "report").glob("*.py")):
        bad = {m for m in imported_modules(path) if is_store(m)}
        assert (module_name(path), bad) == (module_name(path), set())


def import_graph() -> dict[str, set[str]]:
    """carbon module -> the carbon modules it imports (at run time: TYPE_CHECKING imports left out)."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        graph[name] = {
            m
            for m in imported_modules(path, type_checking=False)
            if m.split(".")[0] == "carbon" and m != name
        }
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of `graph` as a list of modules (the first one repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := dfs(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := dfs(start)):
            return found
    return None


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_carbon_has_no_import_cycle():
    """Module-level and in-function imports and lazy("carbon.x") calls count; imports under
    `if TYPE_CHECKING:` do not (they never run). A package's implicit import of its
    __init__ is not an edge: only what a module names."""
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


# ---- one folder per feature (docs/architecture.md) --------------------------------------------

FEATURE_FOLDERS = sorted(
    p.parent for p in PACKAGE.glob("*/__init__.py") if p.parent.name not in ("migrations",)
)
# the schema's history: one file per revision, never merged or renamed
HISTORY_FOLDERS = {PACKAGE / "migrations" / "versions"}


def test_no_folder_holds_more_than_fifteen_modules():
    sizes = {
        str(d.relative_to(PACKAGE.parent)): len(list(d.glob("*.py")))
        for d in {p.parent for p in PACKAGE.rglob("*.py")} - HISTORY_FOLDERS
    }
    assert {d: n for d, n in sizes.items() if n > 15} == {}


def test_each_feature_folder_says_what_it_does_and_lists_its_modules():
    for folder in FEATURE_FOLDERS + [
        PACKAGE / "commands" / "imports",
        PACKAGE / "commands" / "report",
    ]:
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert doc, folder
        listed = set(re.findall(r"`(\w+\.py)`", doc))
        modules = {p.name for p in folder.glob("*.py")} - {"__init__.py"}
        if folder.name == "commands":
            continue  # its modules are listed in COMMANDS, with the help line of each
        assert (folder.name, modules - listed) == (folder.name, set())


PURE_ROLES = ("rules.py", "file.py")
IMPURE = ("sqlalchemy", "rich", "click", "starlette", "jinja2")


def test_rules_and_file_parsers_are_pure():
    """A feature's `rules.py` and `file.py` touch no database, terminal or web: no store module,
    no renderer, no SQLAlchemy, rich, click or Starlette."""
    bad = {}
    for path in sorted(p for role in PURE_ROLES for p in PACKAGE.glob(f"*/{role}")):
        for m in imported_modules(path):
            if is_store(m) or m.startswith(("carbon.report", "carbon.commands", "carbon.api")):
                bad.setdefault(module_name(path), set()).add(m)
            elif m.split(".")[0] in IMPURE:
                bad.setdefault(module_name(path), set()).add(m)
    assert bad == {}


def test_core_imports_no_feature():
    for path in sorted((PACKAGE / "core").glob("*.py")):
        ours = {
            m
            for m in imported_modules(path)
            if m.split(".")[0] == "carbon" and not m.startswith("carbon.core")
        }
        assert (module_name(path), ours - {"carbon.errors"}) == (module_name(path), set())
