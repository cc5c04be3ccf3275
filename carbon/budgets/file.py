"""Budget files (TOML, in `budgets/`): parse and validate into a BudgetPlan, pure.

    year = 2026
    unit = "t CO2e"            # any CO2e mass unit: kg CO2e, t CO2e, ...

    [company]                  # optional: the team budgets must not add up to more (warning)
    budget = 1000.0

    [teams.Platform]
    budget = 120.0
    profile = "flat"           # or 12 non-negative monthly weights, January first

Every problem of a file is collected (file, line, what was expected) and the
file is refused as a whole. tomllib reports line and column of syntax errors;
for the rules checked after parsing, the line is found by scanning the text
for the key (best effort: None when the key is written in an unusual form).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Collection, Mapping

from carbon.budgets.rules import FLAT, MONTHS, BudgetPlan, TeamBudget
from carbon.core import limits
from carbon.core.lazy import lazy
from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, Problem, UnitError
from carbon.model import renamed_team, retired_by

units = lazy("carbon.core.units")  # pint: imported when a budget file is read

TOP_KEYS = ("year", "unit", "company", "teams")
TEAM_KEYS = ("budget", "profile")
COMPANY_KEYS = ("budget",)
_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def decode(data: bytes, name: str) -> str:
    """The file's text (UTF-8, with or without BOM); InputError otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not a UTF-8 text file",
            [
                Problem(
                    name, None, None, None, f"byte {exc.start} is not UTF-8: save the file as UTF-8"
                )
            ],
        ) from None


def parse(
    text: str,
    name: str,
    known_teams: Collection[str],
    retired: Mapping[str, str] | None = None,
    renamed: Mapping[str, str] | None = None,
) -> BudgetPlan:
    """Validate a budget file's text into a BudgetPlan (budgets in kg CO2e).

    `name` is how the file is named in messages; `known_teams` the declared
    teams (a budget for any other team is refused, with a did-you-mean);
    `retired` {team: first month without it}: a budget for a team retired by
    the year's January is refused; `renamed` {former name: current name} names the new name of
    a team the file calls by its old one. Raises InputError listing every problem found.
    """
    retired = retired or {}
    renamed = renamed or {}
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _POS_RE.search(msg)
        line, where = (int(m.group(1)), f" at column {m.group(2)}") if m else (None, "")
        raise InputError(
            f"{name}: not valid TOML",
            [Problem(name, line, None, None, f"TOML syntax error{where}: {_POS_RE.sub('', msg)}")],
        ) from None
    lines = _key_lines(text)
    problems: list[Problem] = []

    def bad(path: tuple[str, ...], value, message: str) -> None:
        # TOML has keys, not columns: the key path leads the message instead.
        where = f"{'.'.join(path)}: " if path else ""
        problems.append(
            Problem(
                name,
                _line_of(lines, path),
                None,
                None if value is None else str(value),
                where + message,
            )
        )

    for key in doc:
        if key not in TOP_KEYS:
            bad(
                (key,),
                None,
                f"unknown key {key!r}{_hint(key, TOP_KEYS)}; expected {', '.join(TOP_KEYS)}",
            )

    year = doc.get("year")
    if year is None:
        bad((), None, "missing 'year = YYYY' (the budget year)")
    elif not _is_int(year) or not 1900 <= year <= 2200:
        bad(("year",), year, f"year must be a whole year such as 2026, got {year!r}")
        year = None

    unit = doc.get("unit")
    kg_per_unit = None
    if unit is None:
        bad((), None, "missing 'unit = \"t CO2e\"' (the unit of every budget in the file)")
    elif not isinstance(unit, str):
        bad(("unit",), unit, f'unit must be a text such as "t CO2e", got {unit!r}')
    elif long := limits.too_long(unit, limits.BUDGET_UNIT):
        bad(("unit",), unit[:80], f'unit {long}; expected a CO2e mass unit such as "t CO2e"')
    else:
        try:
            units.parse(unit)
        except UnitError:
            bad(
                ("unit",),
                unit,
                f'unknown unit {unit!r}; expected a CO2e mass unit such as "t CO2e" or "kg CO2e"',
            )
        else:
            if units.is_co2e_mass(unit):
                kg_per_unit = units.multiplier(unit, "kg CO2e")
            else:
                bad(
                    ("unit",),
                    unit,
                    f'unit {unit!r} is not a CO2e mass; expected e.g. "t CO2e" or "kg CO2e"',
                )

    company_budget = None
    company = doc.get("company")
    if company is not None:
        if not isinstance(company, dict):
            bad(("company",), None, "'company' must be a table: [company] then budget = ...")
        else:
            for key in company:
                if key not in COMPANY_KEYS:
                    bad(
                        ("company", key),
                        None,
                        f"unknown key {key!r}{_hint(key, COMPANY_KEYS)}; expected budget",
                    )
            if "budget" not in company:
                bad(("company",), None, "[company] needs 'budget = ...'")
            else:
                company_budget = _budget(company["budget"], ("company", "budget"), bad, kg_per_unit)

    known = sorted(known_teams)
    team_budgets: list[TeamBudget] = []
    teams = doc.get("teams")
    if teams is None:
        bad((), None, "no team budgets: add a [teams.NAME] table per team")
    elif not isinstance(teams, dict) or not teams:
        bad(("teams",), None, "no team budgets: add a [teams.NAME] table per team")
    else:
        for team, spec in teams.items():
            path = ("teams", team)
            if team not in known and team in renamed:
                bad(path, team, renamed_team(team, renamed[team]))
            elif team not in known:
                bad(
                    path,
                    team,
                    f"unknown team {team!r}{_team_hint(team, known)}; declare it with "
                    "'carbon teams add' or fix the name",
                )
            elif _is_int(year) and retired_by(retired, team, f"{year:04d}-01"):
                bad(
                    path,
                    team,
                    f"team {team!r} was retired from {retired[team]}: it does not exist in "
                    f"{year}, so its budget could never be used; remove [teams.{team}]",
                )
            if not isinstance(spec, dict):
                bad(path, None, f"team {team!r} must be a table: [teams.{team}] then budget = ...")
                continue
            for key in spec:
                if key not in TEAM_KEYS:
                    bad(
                        path + (key,),
                        None,
                        f"unknown key {key!r}{_hint(key, TEAM_KEYS)}; expected budget, profile",
                    )
            if "budget" not in spec:
                bad(path, None, f"team {team!r} has no 'budget = ...'")
                amount = None
            else:
                amount = _budget(spec["budget"], path + ("budget",), bad, kg_per_unit)
            weights, flat = _profile(spec.get("profile", "flat"), path + ("profile",), bad)
            if amount is not None and weights is not None and kg_per_unit is not None:
                team_budgets.append(
                    TeamBudget(
                        team,
                        amount * kg_per_unit,
                        weights,
                        flat,
                        limits.clip(f"{name}:{_line_of(lines, path) or '?'}"),
                    )
                )

    if problems:
        n = len(problems)
        raise InputError(
            f"{name}: budget file refused ({n} problem{'s' if n != 1 else ''}); nothing was loaded",
            problems,
        )
    assert year is not None and kg_per_unit is not None and isinstance(unit, str)
    return BudgetPlan(
        year=year,
        unit=unit,
        kg_per_unit=kg_per_unit,
        teams=tuple(sorted(team_budgets, key=lambda t: t.team)),
        company_budget_kg=None if company_budget is None else company_budget * kg_per_unit,
        source=name,
    )


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# A budget above a gigatonne of CO2e is a typo (a unit or an exponent), not a company's budget;
# the database refuses what is not a finite figure.
MAX_BUDGET_KG = 1e12


def _budget(value, path: tuple[str, ...], bad, kg_per_unit: float | None = None) -> float | None:
    if not _is_number(value) or not math.isfinite(value):
        bad(path, value, f"budget must be a number, got {value!r}")
        return None
    if value < 0:
        bad(path, value, f"budget must be >= 0, got {value!r}")
        return None
    if kg_per_unit is not None and not value * kg_per_unit <= MAX_BUDGET_KG:
        bad(
            path,
            value,
            f"budget {value!r} is above {MAX_BUDGET_KG / 1e9:g} Mt CO2e ({MAX_BUDGET_KG:g} kg): "
            "check the unit and the number",
        )
        return None
    return float(value)


def _profile(value, path: tuple[str, ...], bad) -> tuple[tuple[float, ...] | None, bool]:
    """(weights, flat) or (None, False) after reporting the problem."""
    if isinstance(value, str):
        if value == "flat":
            return FLAT, True
        bad(
            path,
            value,
            f'profile must be "flat" or a list of {MONTHS} monthly weights, got {value!r}',
        )
        return None, False
    if not isinstance(value, list):
        bad(path, value, f'profile must be "flat" or a list of {MONTHS} monthly weights')
        return None, False
    if len(value) != MONTHS:
        bad(
            path,
            None,
            f"profile has {len(value)} weight{'s' if len(value) != 1 else ''}; "
            f"expected {MONTHS} (January to December)",
        )
        return None, False
    wrong = [i for i, w in enumerate(value) if not _is_number(w) or not math.isfinite(w) or w < 0]
    if wrong:
        i = wrong[0]
        bad(
            path,
            value[i],
            f"weight {i + 1} (month {i + 1}) must be a number >= 0, got {value[i]!r}",
        )
        return None, False
    if math.fsum(value) <= 0:
        bad(path, None, f"all {MONTHS} weights are zero: nothing would ever be allocated")
        return None, False
    return tuple(float(w) for w in value), False


def _hint(key: str, choices) -> str:
    close = [c for c in [did_you_mean(key, choices)] if c]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _team_hint(team: str, known: list[str]) -> str:
    same_case = [k for k in known if k.lower() == team.lower()]
    close = same_case or [c for c in [did_you_mean(team, known)] if c]
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---- where a key is written (for messages) ------------------------------------------

_HEADER_RE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""  # a bare or quoted TOML key
_KEY_RE = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")
_PART_RE = re.compile(rf"\s*({_PART})\s*(?:\.|$)")


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in _PART_RE.findall(text))


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """{key path: first line (1-based) where it is written}, for tables and keys."""
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for no, raw in enumerate(text.splitlines(), start=1):
        h = _HEADER_RE.match(raw)
        if h:
            table = _split_key(h.group(1))
            for i in range(1, len(table) + 1):
                found.setdefault(table[:i], no)
            continue
        k = _KEY_RE.match(raw)
        if k:
            path = table + _split_key(k.group(1))
            for i in range(len(table) + 1, len(path) + 1):
                found.setdefault(path[:i], no)
    return found


def _line_of(lines: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    """Line of `path`, else of its nearest written parent; None when nothing matches."""
    for i in range(len(path), 0, -1):
        if path[:i] in lines:
            return lines[path[:i]]
    return None
