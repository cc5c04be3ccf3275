"""A module imported on first use: keeps `carbon --help` from importing pandas, pint or Alembic.

    importer = lazy("carbon.ledger.service")   # nothing imported yet
    importer.add_team(...)                # imported here, once

Attribute reads always go to the real module, so a test that patches the module patches this too.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """A stand-in for the module `name`, imported when an attribute is first read."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        object.__setattr__(self, "_name", name)

    def _module(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attr: str):
        return getattr(self._module(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy(name: str) -> LazyModule:
    return LazyModule(name)
