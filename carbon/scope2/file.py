"""Energy-attribute files: the contractual instruments of market-based scope 2 (parser, pure).

Columns (docs/scope2.md): month (YYYY-MM), team, country (ISO 3166-1 alpha-2: the market of the
electricity covered), mwh (MWh covered, > 0), instrument (one of INSTRUMENTS), factor_kg_per_kwh
(the instrument's emission factor, kg CO2e per kWh, >= 0: 0 for a guarantee of origin or REC of
renewable electricity); optional note.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from carbon.core.calendar import MONTH_RE
from carbon.core.lazy import lazy
from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, Problem
from carbon.model import renamed_team
from carbon.scope2.records import Instrument  # noqa: F401  (the record, re-exported)

np = lazy("numpy")
pd = lazy("pandas")
checks = lazy("carbon.ingest.checks")  # the shared bounds (numpy, pandas): on first use

REQUIRED = ("month", "team", "country", "mwh", "instrument", "factor_kg_per_kwh")
OPTIONAL = ("note",)
INSTRUMENTS = ("guarantee_of_origin", "rec", "ppa", "supplier_specific")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
MAX_NOTE = 200


def _number(raw: str) -> float:
    try:
        return float(raw) if raw.strip() else math.nan
    except ValueError:
        return math.nan


def parse_rows(
    file: str,
    frame: pd.DataFrame,
    lines: np.ndarray,
    teams: set[str],
    renamed: Mapping[str, str] | None = None,
) -> list[Instrument]:
    """Validate the rows of an energy-attribute file. Raises InputError listing every problem
    (file, line, column, what was expected); nothing is returned on any problem. `renamed`
    ({former name: current name}) names the new name of a team called by its old one."""
    problems: list[Problem] = []
    n = len(frame)
    text = {
        c: frame[c].astype(str).str.strip().to_numpy(dtype=object)
        if c in frame.columns
        else np.full(n, "", dtype=object)
        for c in (*REQUIRED, *OPTIONAL)
    }
    out: list[Instrument] = []
    for i in range(n):
        line = int(lines[i])
        before = len(problems)

        def problem(col: str, cell: str, msg: str, line: int = line) -> None:
            problems.append(Problem(file, line, col, cell, msg))

        month, team, country = text["month"][i], text["team"][i], text["country"][i]
        kind, note = text["instrument"][i], text["note"][i]
        m = MONTH_RE.match(month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            problem("month", month, "expected a month as YYYY-MM")
        elif checks.bad_month(np.array([month]))[0]:
            problem("month", month, f"expected a month as YYYY-MM {checks.window_text()}")
        if not team:
            problem("team", team, "expected a team name (instruments are claimed per team)")
        elif team not in teams and renamed and team in renamed:
            problem("team", team, renamed_team(team, renamed[team]))
        elif team not in teams:
            close = did_you_mean(team, teams)
            problem(
                "team",
                team,
                "unknown team"
                + (f" (did you mean {close!r}?)" if close else "")
                + "; declare it with 'carbon teams add'",
            )
        if not COUNTRY_RE.match(country):
            problem(
                "country",
                country,
                "expected the ISO 3166-1 alpha-2 code of the country whose "
                "electricity the instrument covers, such as FR",
            )
        mwh = _number(text["mwh"][i])
        if checks.bad_amount(np.array([mwh]), positive=True)[0]:
            problem(
                "mwh",
                text["mwh"][i],
                "expected the MWh covered, a number > 0 and at most "
                f"{checks.MAX_AMOUNT:.0e} ('.' as decimal point)",
            )
        if kind not in INSTRUMENTS:
            close = did_you_mean(kind, INSTRUMENTS)
            problem(
                "instrument",
                kind,
                "expected one of "
                + ", ".join(INSTRUMENTS)
                + (f" (did you mean {close!r}?)" if close else ""),
            )
        factor = _number(text["factor_kg_per_kwh"][i])
        if checks.bad_amount(np.array([factor]), upper=checks.MAX_FACTOR_KG_PER_KWH)[0]:
            problem(
                "factor_kg_per_kwh",
                text["factor_kg_per_kwh"][i],
                "expected the instrument's emission factor in kg CO2e per kWh, a number >= 0 "
                f"and at most {checks.MAX_FACTOR_KG_PER_KWH:g} (0 for a guarantee of origin or REC of "
                "renewable electricity; above 10 is a unit mistake: g or MWh for kg or kWh)",
            )
        if len(note) > MAX_NOTE:
            problem("note", note[:40] + "…", f"expected at most {MAX_NOTE} characters")
        if len(problems) == before:
            out.append(Instrument(month, team, country, mwh, kind, factor, line, note))
    if problems:
        raise InputError(
            f"{file}: import refused, nothing was written ({len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''})",
            problems[:50],
            total=len(problems),
        )
    return out
