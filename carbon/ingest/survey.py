"""Commuting survey -> monthly commuting activity (pure).

Rule (per employee and month of the requested range):
    distance = 2 × one_way_km × (Mon–Fri days in the month) × days_on_site_per_week / 5
A commuter's km is a passenger-km. A factor per passenger-km applies as is; a
car factor per vehicle-km applies to the vehicle, shared by `occupants`
(default 1): vehicle-km = passenger-km / occupants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from carbon import limits, periods, units
from carbon.factors import FactorTable
from carbon.ingest.problems import ProblemLog

MAX_ONE_WAY_KM = 1000  # a daily commute beyond this is a typing or unit error
REQUIRED = ("employee", "team", "mode", "one_way_km", "days_on_site_per_week")
OPTIONAL = ("region", "occupants")
# How validate_chunk's column names map back to the survey's.
ALIASES = {"activity": "mode", "quantity": "one_way_km", "unit": "mode", "date": "employee"}


def _number(frame: pd.DataFrame, col: str, lines: np.ndarray, log: ProblemLog,
            lo: float, hi: float | None, default: float | None, what: str) -> np.ndarray:
    text = frame[col].str.strip() if col in frame.columns else pd.Series([""] * len(frame))
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, copy=True)
    empty = (text == "").to_numpy(dtype=bool)
    if default is not None:
        values[empty] = default
    bad = ~np.isfinite(values) | (values < lo) | ((values > hi) if hi is not None else False)
    log.add(lines[bad], col, text.to_numpy(dtype=object)[bad], what)
    return np.where(bad, np.nan, values)


def employees(frame: pd.DataFrame, lines: np.ndarray) -> list[tuple[str, int]]:
    """(employee id, line) of each survey row, ids stripped (a validated survey: one line each)."""
    ids = frame["employee"].str.strip().to_numpy(dtype=object) if len(frame) else np.array([], dtype=object)
    return [(str(e), int(ln)) for e, ln in zip(ids, lines) if e != ""]


def expand(frame: pd.DataFrame, lines: np.ndarray, months: list[str], table: FactorTable,
           log: ProblemLog) -> tuple[pd.DataFrame, np.ndarray]:
    """Survey rows -> activity rows (date, team, activity, quantity, unit, region) per month.

    Returns the activity frame and the survey line of each row. Problems of the
    survey's own columns go to `log`; team, mode and region are checked later
    by the activity validation, under the survey's column names.
    """
    f = frame.apply(lambda s: s.str.strip()) if len(frame) else frame
    employee = f["employee"].to_numpy(dtype=object)
    empty_emp = employee == ""
    log.add(lines[empty_emp], "employee", employee[empty_emp], "expected an employee identifier")
    too_long = np.array([len(e) > limits.EMPLOYEE_ID for e in employee], dtype=bool)
    log.add(lines[too_long], "employee", employee[too_long],
            f"expected an employee identifier of at most {limits.EMPLOYEE_ID} characters")
    # One person commutes once: the same id on two lines would count them twice.
    repeated = ~empty_emp & pd.Series(employee).duplicated(keep=False).to_numpy(dtype=bool)
    if repeated.any():
        on_lines: dict[str, list[int]] = {}
        for e, ln in zip(employee[repeated], lines[repeated]):
            on_lines.setdefault(e, []).append(int(ln))
        log.add(lines[repeated], "employee", employee[repeated],
                [f"employee {e!r} is on lines {', '.join(map(str, on_lines[e][:5]))}"
                 f"{'…' if len(on_lines[e]) > 5 else ''}: a person commutes once; give each employee one line"
                 for e in employee[repeated]])
    empty_emp |= too_long | repeated
    one_way = _number(f, "one_way_km", lines, log, 0, MAX_ONE_WAY_KM, None,
                      f"expected a one-way distance in km, from 0 to {MAX_ONE_WAY_KM}")
    days = _number(f, "days_on_site_per_week", lines, log, 0, 5, None,
                   "expected days on site per week, from 0 to 5")
    occupants = _number(f, "occupants", lines, log, 1, None, 1.0,
                        "expected the number of people in the car, >= 1 (empty means 1)")
    mode = f["mode"].to_numpy(dtype=object)
    per_passenger = np.zeros(len(f), dtype=bool)
    for m in pd.unique(mode):
        rows = table.by_key.get(m)
        if not rows:
            continue  # unknown key: reported by the activity validation, with a did-you-mean
        mask = mode == m
        if rows[0].category != "commuting":
            log.add(lines[mask], "mode", mode[mask],
                    f"{m!r} is a {rows[0].category} activity; expected a commuting mode such as commute.car.petrol")
            continue
        per_passenger[mask] = "[passenger]" in dict(units.activity_unit(rows[0].unit).dimensionality)
    ok = ~empty_emp & np.isfinite(one_way) & np.isfinite(days) & np.isfinite(occupants)

    weekdays = np.array([periods.weekdays_in_month(*periods.parse_month(m)) for m in months], dtype=float)
    idx = np.flatnonzero(ok)
    n_m = len(months)
    src = np.repeat(idx, n_m)
    wd = np.tile(weekdays, len(idx))
    person_km = 2.0 * one_way[src] * wd * days[src] / 5.0
    pp = per_passenger[src]
    quantity = np.where(pp, person_km, person_km / occupants[src])
    region = f["region"].to_numpy(dtype=object) if "region" in f.columns else np.full(len(f), "", dtype=object)
    out = pd.DataFrame({
        "date": np.tile(np.array(months, dtype=object), len(idx)),
        "team": f["team"].to_numpy(dtype=object)[src],
        "activity": mode[src],
        "quantity": quantity.astype(str) if len(quantity) else np.array([], dtype=object),
        "unit": np.where(pp, "passenger_km", "km"),
        "region": region[src],
        "end": "",
        "note": "",
    })
    # Exact floats survive the text round trip (repr of a float is exact).
    out["quantity"] = [repr(float(q)) for q in quantity]
    return out.astype(object), lines[src]
