"""Every typed error the library raises, and the exit code the CLI gives each one.

One hierarchy in one module: every error a user can meet is a `CarbonError` defined here (the
feature modules that raise them re-export theirs: `carbon.closing.rules.PeriodLocked`,
`carbon.donation.rules.DonationError`, `carbon.pack.service.PackExists` and `DataChanged`,
`carbon.feeds.rules.Incomplete` still import). Like pint's, the errors also derive from the
builtin they refine, so `except ValueError` catches refused input and `except LookupError` a
missing thing. `EXIT_CODES` is the one table the CLI's error handler reads (`exit_code`).

Input problems are data (`Problem`): an import collects every one of them and
then refuses the file as a whole (after beancount's "errors are data").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place of an input file."""

    file: str
    line: int | None
    column: str | None  # a CSV column; for a TOML file, the key (see `key`)
    value: str | None
    message: str
    key: bool = False  # True: `column` names a TOML key, not a CSV column

    def where(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"{'key' if self.key else 'column'} {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def toml_syntax_problem(name: str, exc: Exception) -> Problem:
    """A tomllib syntax error of file `name` as a Problem: file, line and column where tomllib
    gives them ("… line 3, column '10': TOML syntax error: Expected '=' …"), the message without
    tomllib's own "(at line L, column C)"."""
    msg = str(exc)
    m = _TOML_POS_RE.search(msg)
    line, col = (int(m.group(1)), m.group(2)) if m else (None, None)
    return Problem(name, line, col, None, f"TOML syntax error: {_TOML_POS_RE.sub('', msg)}")


class CarbonError(Exception):
    """Base of every error the library reports to a user."""


class InputError(ValueError, CarbonError):
    """An input (a file, a month, an option's value) was refused. `problems` lists every bad place found."""

    def __init__(
        self, message: str, problems: list[Problem] | None = None, total: int | None = None
    ):
        super().__init__(message)
        self.problems = list(problems or [])
        # How many problems were found in all (the list may be capped).
        self.total = total if total is not None else len(self.problems)


class UnitError(ValueError, CarbonError):
    """A unit string cannot be parsed, or two units cannot be converted."""


class FactorNotFound(LookupError, CarbonError):
    """No emission factor matches an activity key (never a silent zero)."""


class StoreError(CarbonError):
    """The database cannot be opened or is at an unknown schema version."""


class NotFound(LookupError, CarbonError):
    """A named thing (team, import batch, month with data) does not exist."""


class DeliveryError(CarbonError):
    """A message could not be handed to the SMTP server. `unreachable`: the server itself cannot
    be reached (connection refused, unknown host): no other message of the run can go either."""

    def __init__(self, message: str = "", unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable


class PeriodLocked(CarbonError):
    """A write would change a closed period (refused; nothing was written)."""


class DonationError(CarbonError):
    """A donation cannot be computed as asked (no data, year not over, ...)."""


class DonationNoData(DonationError, NotFound):
    """A donation asked of a year (or scopes, categories) without emissions: nothing to price,
    never a silent 0 (a DonationError and a NotFound: the API answers 404, as for any missing data)."""


class PackExists(CarbonError):
    """The destination directory of a pack already exists: nothing is overwritten."""


class DataChanged(CarbonError):
    """The month's data changed while its pack was being built (an import ran meanwhile)."""


class Incomplete(CarbonError):
    """A verdict asked of an incomplete month (donation close without --allow-incomplete)."""

    # `months`: the `carbon.feeds.rules.Completeness` of each month concerned (not imported:
    # errors is a leaf module that imports nothing of carbon).
    def __init__(self, message: str, months: list[Any] | None = None):
        super().__init__(message)
        self.months = months or []


# ---- exit codes ---------------------------------------------------------------------------

EXIT_ERROR = (
    1  # refused input, missing data, a fault of the environment: the message says what to fix
)
EXIT_INTERNAL = 3  # a bug: nothing was committed by the failing step

# The exit code of each error class when a command does not give its errors another meaning
# (`carbon budget check` answers 3, "no verdict", for every error: its 1 means "at risk").
# Every class has its line, so a new error is a decision, not a default (a test checks it).
EXIT_CODES: dict[type[CarbonError], int] = {
    CarbonError: EXIT_ERROR,
    InputError: EXIT_ERROR,
    UnitError: EXIT_ERROR,
    FactorNotFound: EXIT_ERROR,
    StoreError: EXIT_ERROR,
    NotFound: EXIT_ERROR,
    DeliveryError: EXIT_ERROR,
    PeriodLocked: EXIT_ERROR,
    DonationError: EXIT_ERROR,
    DonationNoData: EXIT_ERROR,
    PackExists: EXIT_ERROR,
    DataChanged: EXIT_ERROR,
    Incomplete: EXIT_ERROR,
}


def exit_code(exc: CarbonError) -> int:
    """The exit code of `exc`: its class's line in `EXIT_CODES`, else its nearest ancestor's."""
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]  # type: ignore[index]
    return EXIT_ERROR
