"""Commuting survey -> monthly commuting activity (pure).

Rule (per employee and month of the requested range; docs/commuting.md):
    working days = weekdays - public holidays of the row's country (the `holidays` package)
                   - company closure days ([commuting] closures), counted between the employee's
                   `start` and `end` when given (joiners and leavers)
    days worked  = working days x (1 - [commuting] absence_rate)
    distance     = 2 × one_way_km × days worked × days_on_site_per_week / 5
    homeworking  = days worked × telework_days / 5 × [commuting] homeworking_hours_per_day hours,
                   booked as `homeworking.hour` where the factor table has a row for the country
                   (DESNZ: GB), else "not counted" in the import's notes
days_on_site_per_week may be left empty when telework_days is given: 5 - telework_days.
A commuter's km is a passenger-km. A factor per passenger-km applies as is; a
car factor per vehicle-km applies to the vehicle, shared by `occupants`
(default 1): vehicle-km = passenger-km / occupants.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from carbon.core import limits, units
from carbon.errors import FactorNotFound
from carbon.factors.tables import FactorTable
from carbon.ingest.problems import ProblemLog
from carbon.ledger import workdays

MAX_ONE_WAY_KM = 1000  # a daily commute beyond this is a typing or unit error
REQUIRED = ("employee", "team", "mode", "one_way_km", "days_on_site_per_week")
OPTIONAL = ("region", "occupants", "telework_days", "start", "end")
HOMEWORKING = "homeworking.hour"
# How validate_chunk's column names map back to the survey's.
ALIASES = {"activity": "mode", "quantity": "one_way_km", "unit": "mode", "date": "employee"}


def _number(
    frame: pd.DataFrame,
    col: str,
    lines: np.ndarray,
    log: ProblemLog,
    lo: float,
    hi: float | None,
    default: float | None,
    what: str,
) -> np.ndarray:
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
    ids = (
        frame["employee"].str.strip().to_numpy(dtype=object)
        if len(frame)
        else np.array([], dtype=object)
    )
    return [(str(e), int(ln)) for e, ln in zip(ids, lines) if e != ""]


def _dates(f: pd.DataFrame, col: str, lines: np.ndarray, log: ProblemLog) -> list[date | None]:
    out: list[date | None] = []
    for text, line in zip(f[col] if col in f.columns else [""] * len(f), lines):
        try:
            out.append(date.fromisoformat(text) if text else None)
        except ValueError:
            log.add(np.array([line]), col, [text], "expected a day as YYYY-MM-DD, or empty")
            out.append(None)
    return out


def expand(
    frame: pd.DataFrame,
    lines: np.ndarray,
    months: list[str],
    table: FactorTable,
    log: ProblemLog,
    settings=None,
    default_region: str = "",
) -> tuple[pd.DataFrame, np.ndarray, list[str], list]:
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
    log.add(
        lines[too_long],
        "employee",
        employee[too_long],
        f"expected an employee identifier of at most {limits.EMPLOYEE_ID} characters",
    )
    # One person commutes once: the same id on two lines would count them twice.
    repeated = ~empty_emp & pd.Series(employee).duplicated(keep=False).to_numpy(dtype=bool)
    if repeated.any():
        on_lines: dict[str, list[int]] = {}
        for e, ln in zip(employee[repeated], lines[repeated]):
            on_lines.setdefault(e, []).append(int(ln))
        log.add(
            lines[repeated],
            "employee",
            employee[repeated],
            [
                f"employee {e!r} is on lines {', '.join(map(str, on_lines[e][:5]))}"
                f"{'…' if len(on_lines[e]) > 5 else ''}: a person commutes once; give each employee one line"
                for e in employee[repeated]
            ],
        )
    empty_emp |= too_long | repeated
    one_way = _number(
        f,
        "one_way_km",
        lines,
        log,
        0,
        MAX_ONE_WAY_KM,
        None,
        f"expected a one-way distance in km, from 0 to {MAX_ONE_WAY_KM}",
    )
    telework = _number(
        f,
        "telework_days",
        lines,
        log,
        0,
        5,
        0.0,
        "expected days worked from home per week, from 0 to 5 (empty: 0)",
    )
    on_site_text = f["days_on_site_per_week"] if len(f) else pd.Series([], dtype=object)
    given_telework = (
        (f["telework_days"] != "").to_numpy(dtype=bool)
        if "telework_days" in f.columns
        else np.zeros(len(f), dtype=bool)
    )
    from_telework = (on_site_text == "").to_numpy(dtype=bool) & given_telework
    days = (
        _number(
            f,
            "days_on_site_per_week",
            lines[~from_telework],
            log,
            0,
            5,
            None,
            "expected days on site per week, from 0 to 5 (empty only when telework_days is given)",
        )
        if not from_telework.any()
        else _on_site(f, lines, log, from_telework, telework)
    )
    over = np.isfinite(days) & np.isfinite(telework) & (days + telework > 5)
    log.add(
        lines[over],
        "telework_days",
        f["telework_days"].to_numpy(dtype=object)[over] if over.any() else [],
        "days on site + telework days exceed 5 per week",
    )
    days = np.where(over, np.nan, days)
    starts, ends = _dates(f, "start", lines, log), _dates(f, "end", lines, log)
    for i, (a, b) in enumerate(zip(starts, ends)):
        if a and b and b < a:
            log.add(
                lines[[i]], "end", [f["end"].iloc[i]], "end is before start (expected end >= start)"
            )
    occupants = _number(
        f,
        "occupants",
        lines,
        log,
        1,
        None,
        1.0,
        "expected the number of people in the car, >= 1 (empty means 1)",
    )
    mode = f["mode"].to_numpy(dtype=object)
    per_passenger = np.zeros(len(f), dtype=bool)
    for m in pd.unique(mode):
        rows = table.by_key.get(m)
        if not rows:
            continue  # unknown key: reported by the activity validation, with a did-you-mean
        mask = mode == m
        if rows[0].category != "commuting":
            log.add(
                lines[mask],
                "mode",
                mode[mask],
                f"{m!r} is a {rows[0].category} activity; expected a commuting mode such as commute.car.petrol",
            )
            continue
        per_passenger[mask] = "[passenger]" in dict(
            units.activity_unit(rows[0].unit).dimensionality
        )
    ok = (
        ~empty_emp
        & np.isfinite(one_way)
        & np.isfinite(days)
        & np.isfinite(occupants)
        & np.isfinite(telework)
    )

    from carbon.config import CommutingSettings

    settings = settings or CommutingSettings()
    region = (
        f["region"].to_numpy(dtype=object)
        if "region" in f.columns
        else np.full(len(f), "", dtype=object)
    )
    region = np.where(region == "", default_region, region)
    country = np.array(
        [r if r and workdays.known_country(r) else settings.country for r in region], dtype=object
    )
    idx = np.flatnonzero(ok)
    n_m = len(months)
    src = np.repeat(idx, n_m)
    month_of = np.tile(np.array(months, dtype=object), len(idx))
    cal = {
        (c, m): workdays.month_days(m, c, settings.closures)
        for c in pd.unique(country[idx])
        for m in months
    }
    worked = np.array(
        [_employed(cal[(country[i], m)], starts[i], ends[i]) for i, m in zip(src, month_of)],
        dtype=float,
    ) * (1.0 - settings.absence_rate)
    person_km = 2.0 * one_way[src] * worked * days[src] / 5.0
    pp = per_passenger[src]
    quantity = np.where(pp, person_km, person_km / occupants[src])
    rows = {
        "date": month_of,
        "team": f["team"].to_numpy(dtype=object)[src],
        "activity": mode[src],
        "quantity": [repr(float(q)) for q in quantity],  # exact floats survive the text round trip
        "unit": np.where(pp, "passenger_km", "km"),
        "region": region[src],
    }
    out_lines = [lines[src]]
    out = [pd.DataFrame(rows)]
    # Homeworking: where the factor table has a row for the country, else "not counted".
    notes: list[str] = []
    home = np.flatnonzero((telework[src] > 0) & (worked > 0))
    counted = np.array(
        [_homeworking_factor(table, region[src[j]], int(month_of[j][:4])) for j in home], dtype=bool
    )
    if home.size:
        j = home[counted]
        hours = worked[j] * telework[src[j]] / 5.0 * settings.homeworking_hours_per_day
        out.append(
            pd.DataFrame(
                {
                    "date": month_of[j],
                    "team": rows["team"][j],
                    "activity": HOMEWORKING,
                    "quantity": [repr(float(h)) for h in hours],
                    "unit": "hour",
                    "region": region[src[j]],
                }
            )
        )
        out_lines.append(lines[src[j]])
        for r in sorted(set(region[src[home[~counted]]])):
            n = int((region[src[home[~counted]]] == r).sum())
            notes.append(
                f"homeworking not counted for {n:,} employee-month(s) in {r or 'no region'}: no "
                f"sourced homeworking factor for that country (DESNZ publishes one for the UK, "
                f"{HOMEWORKING} GB); their telework days only reduce their commuting"
            )
    frame_out = pd.concat(out, ignore_index=True).assign(end="", note="")
    return frame_out.astype(object), np.concatenate(out_lines), notes, [cal[k] for k in sorted(cal)]


def _on_site(f, lines, log, from_telework, telework) -> np.ndarray:
    """Days on site: as written, or 5 - telework_days where the cell is empty and telework is given."""
    written = _number(
        f.loc[~from_telework],
        "days_on_site_per_week",
        lines[~from_telework],
        log,
        0,
        5,
        None,
        "expected days on site per week, from 0 to 5 (empty only when telework_days is given)",
    )
    out = np.full(len(f), np.nan)
    out[~from_telework] = written
    out[from_telework] = 5.0 - telework[from_telework]
    return out


def _employed(md, start, end) -> int:
    """Working days of the month between the employee's start and end (both included)."""
    if start is None and end is None:
        return md.working
    return sum(1 for d in md.days if (start is None or d >= start) and (end is None or d <= end))


def _homeworking_factor(table: FactorTable, region: str, year: int) -> bool:
    """True when the factor table has a homeworking row for the region itself or an ancestor."""
    try:
        table.resolve(HOMEWORKING, region, year)
    except FactorNotFound:  # no sourced factor for that country
        return False
    return True
