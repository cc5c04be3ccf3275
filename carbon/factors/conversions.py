"""pint's answers a command needs, remembered so that the next run of the command need not
import pint.

A what-if converts the quantities a lever shifts into the target factor's unit and checks that
the units of a shift can convert, and `report sources` states each quantity in its factor's
unit; pint answers (carbon.core.units), and importing pint and building its registry costs more
than the rest of either command. The answers depend only on
the unit texts, on carbon's unit definitions and on pint's, all part of the factor table's
fingerprint (carbon.factors.service): they are kept in the database beside the table, under a
key derived from its fingerprint, and dropped with it (carbon.factors.service.BESIDE).

An answer is exactly pint's: a conversion is the float pint returned, a refusal the message of
its UnitError, kept and raised again as it was. A question not asked before imports pint and
asks it, as before; `added` then says the answers should be kept again.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from carbon.errors import UnitError

_ERROR = "error"


class Conversions:
    """Answers by question; a question never asked is put to pint (carbon.core.units)."""

    def __init__(
        self,
        answers: dict[str, float | str | dict[str, str]] | None = None,
        fingerprint: str | None = None,
    ):
        self._answers: dict[str, float | str | dict[str, str]] = dict(answers or {})
        self.fingerprint = fingerprint  # of the factor table the answers are kept beside
        self.added = False  # a question was put to pint: the answers are worth keeping again

    def co2e_kg_per(self, unit: str, factor_unit: str) -> float:
        """kg CO2e for 1 `unit` × a factor of value 1 in `factor_unit` (units.co2e_kg_per)."""
        return float(
            self._ask(
                f"co2e_kg_per\0{unit}\0{factor_unit}",
                lambda u: u.co2e_kg_per(unit, factor_unit),
            )
        )

    def multiplier(self, from_unit: str, to_unit: str) -> float:
        """The number converting a magnitude in `from_unit` into `to_unit` (units.multiplier)."""
        return float(
            self._ask(
                f"multiplier\0{from_unit}\0{to_unit}",
                lambda u: u.multiplier(from_unit, to_unit),
            )
        )

    def activity_dimensions(self, factor_unit: str) -> str:
        """The dimensions of the activity unit a factor in `factor_unit` applies to ("[length]")."""
        return str(
            self._ask(
                f"activity_dimensions\0{factor_unit}",
                lambda u: str(u.activity_unit(factor_unit).dimensionality),
            )
        )

    def dimensions(self, unit: str) -> str:
        """The dimensions of `unit` itself."""
        return str(self._ask(f"dimensions\0{unit}", lambda u: str(u.parse(unit).dimensionality)))

    def _ask(self, question: str, ask: Callable) -> float | str:
        got = self._answers.get(question)
        if got is None:
            from carbon.core import units

            try:
                got = ask(units)
            except UnitError as exc:
                got = {_ERROR: str(exc)}
            self._answers[question] = got
            self.added = True
        if isinstance(got, dict):
            raise UnitError(got[_ERROR])
        return got

    def to_json(self) -> str:
        return json.dumps(self._answers, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, fingerprint: str | None = None) -> Conversions:
        """The answers kept as `to_json` wrote them; raises ValueError on any other text."""
        data = json.loads(text)
        if not isinstance(data, dict) or not all(
            isinstance(v, float | str) or (isinstance(v, dict) and isinstance(v.get(_ERROR), str))
            for v in data.values()
        ):
            raise ValueError("not a table of unit answers")
        return cls(data, fingerprint)
