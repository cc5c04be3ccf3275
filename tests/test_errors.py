"""One home for errors: every error a user can meet is defined in carbon.errors, importable from
there and from `carbon`, and has its line in the exit-code table the CLI reads."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import carbon
from carbon import errors

ROOT = Path(__file__).resolve().parents[1]


def _error_classes_defined_in_the_tree() -> dict[str, str]:
    """name -> file of every class in carbon/ deriving (by name, transitively) from CarbonError."""
    classes: list[tuple[str, list[str], str]] = []
    for path in sorted((ROOT / "carbon").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [
                    b.id
                    if isinstance(b, ast.Name)
                    else b.attr
                    if isinstance(b, ast.Attribute)
                    else ""
                    for b in node.bases
                ]
                classes.append((node.name, bases, str(path.relative_to(ROOT))))
    found: dict[str, str] = {}
    known = {"CarbonError"}
    grew = True
    while grew:
        grew = False
        for name, bases, where in classes:
            if name not in found and known & set(bases):
                found[name] = where
                known.add(name)
                grew = True
    return found


def test_every_carbon_error_in_the_tree_is_defined_in_carbon_errors():
    found = _error_classes_defined_in_the_tree()
    # The scan must see the errors that used to live elsewhere, else it proves nothing.
    assert {
        "InputError",
        "PeriodLocked",
        "DonationError",
        "PackExists",
        "DataChanged",
        "Incomplete",
    } <= set(found)
    elsewhere = {name: where for name, where in found.items() if where != "carbon/errors.py"}
    assert elsewhere == {}


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def test_every_error_is_importable_from_carbon_errors_and_carbon_and_has_an_exit_code():
    names = set(_error_classes_defined_in_the_tree()) | {"CarbonError"}
    for name in names:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.CarbonError)
        assert getattr(carbon, name) is cls, name
        assert name in carbon.__all__, name
        assert cls in errors.EXIT_CODES, name
    # and no subclass exists that the scan missed (defined at run time, say)
    assert {
        c.__name__ for c in _subclasses(errors.CarbonError) if c.__module__.startswith("carbon")
    } <= names


@pytest.mark.parametrize(
    "module, name",
    [
        ("carbon.closing.rules", "PeriodLocked"),
        ("carbon.donation.rules", "DonationError"),
        ("carbon.pack.service", "PackExists"),
        ("carbon.pack.service", "DataChanged"),
        ("carbon.feeds.rules", "Incomplete"),
    ],
)
def test_old_import_paths_still_work(module, name):
    assert getattr(importlib.import_module(module), name) is getattr(errors, name)


def test_the_exit_codes_are_the_ones_the_cli_documents():
    # 1 for every refused command, 3 for a bug (not in the table: not a CarbonError).
    assert set(errors.EXIT_CODES.values()) == {1}
    assert errors.EXIT_ERROR == 1 and errors.EXIT_INTERNAL == 3

    class Later(errors.PeriodLocked):  # an unlisted subclass takes its nearest ancestor's code
        pass

    assert errors.exit_code(Later("x")) == errors.EXIT_CODES[errors.PeriodLocked]
