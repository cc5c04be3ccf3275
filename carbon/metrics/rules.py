"""Business metrics (the denominators of intensities) and the intensity rules, pure.

A metric is declared once with how it adds up over a year:
- `sum` for flows (hours streamed, students who started): the year's figure is the
  sum of the monthly values;
- `mean` for stocks (monthly active users): the year's figure is the mean of the
  monthly values.

Intensity of a month = kg CO2e of the month ÷ the metric's value that month.
Intensity of a year  = kg CO2e of the months that have a value ÷ the metric's
yearly aggregate over those same months (sum or mean); the months without a
value are listed, never counted as zero. A month without a value, or with a
value of 0, has no intensity (None: "no data"), never 0 or infinity.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from carbon.core import limits
from carbon.core.calendar import MONTH_RE
from carbon.core.lazy import lazy
from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, Problem
from carbon.metrics.records import MetricDef, MetricValue  # noqa: F401  re-exported (the records live in records.py)
from carbon.model import renamed_team, retired_by

np = lazy("numpy")
pd = lazy("pandas")  # imported on first use: opening a database needs neither
checks = lazy("carbon.ingest.checks")  # the shared bounds (numpy, pandas): on first use

REQUIRED = ("month", "metric", "value")
OPTIONAL = ("team",)
YEAR_RULES = ("sum", "mean")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_NAME = limits.METRIC_NAME
MAX_LABEL = limits.METRIC_LABEL
NO_DATA = "no data"


@dataclass(frozen=True)
class Intensity:
    """kg CO2e per unit of a metric over a period; `kg_per_unit` None when it cannot be
    computed (`note` says why: "no data", or the metric is 0)."""

    metric: str
    label: str
    value: float | None  # the metric's value (a month) or yearly aggregate (a year)
    kg: float
    kg_per_unit: float | None
    note: str = ""
    months: tuple[str, ...] = ()  # a year: the months counted
    missing_months: tuple[str, ...] = ()  # a year: months with emissions but no metric value


def check_definition(name: str, year_rule: str, label: str | None = None) -> MetricDef:
    """A valid definition, or InputError saying what is expected."""
    name = name.strip()
    if not NAME_RE.match(name) or len(name) > MAX_NAME:
        raise InputError(
            f"metric name {name!r}: expected a lowercase word of at most {MAX_NAME} "
            "characters (letters, digits, _), such as active_users"
        )
    if year_rule not in YEAR_RULES:
        raise InputError(
            f"metric {name}: --year {year_rule!r}: expected sum (a flow: hours, new "
            "students) or mean (a stock: monthly active users)"
        )
    label = (label or name.replace("_", " ")).strip()
    if not label or len(label) > MAX_LABEL or not label.isprintable():
        raise InputError(f"metric {name}: --label: expected 1 to {MAX_LABEL} printable characters")
    return MetricDef(name, year_rule, label)


def parse_rows(
    file: str,
    frame: pd.DataFrame,
    lines: np.ndarray,
    defined: Mapping[str, MetricDef],
    teams: set[str],
    define_rule: str | None = None,
    renamed: Mapping[str, str] | None = None,
    retired: Mapping[str, str] | None = None,
) -> tuple[list[MetricValue], list[MetricDef]]:
    """Validate a metrics file's rows. Returns (values, metrics to declare). `renamed`
    ({former name: current name}) names the new name of a team called by its old one; `retired`
    ({team: first month without it}): a value above 0 for a team from its retirement on is
    refused (it would give it a share of a pool, or an intensity, it no longer has).

    Undeclared metrics are refused unless `define_rule` ("sum"/"mean") is given,
    which declares them with that rule. Raises InputError listing every problem
    (file, line, column, what was expected); a (month, metric, team) given twice
    is a problem too.
    """
    problems: list[Problem] = []
    n = len(frame)
    text = {
        c: frame[c].astype(str).str.strip().to_numpy(dtype=object)
        if c in frame.columns
        else np.full(n, "", dtype=object)
        for c in (*REQUIRED, *OPTIONAL)
    }
    values = pd.to_numeric(pd.Series(text["value"]), errors="coerce").to_numpy(dtype=float)
    new_defs: dict[str, MetricDef] = {}
    seen: dict[tuple[str, str, str], int] = {}
    out: list[MetricValue] = []
    for i in range(n):
        line = int(lines[i])
        before = len(problems)
        month, metric, team, raw = (
            text["month"][i],
            text["metric"][i],
            text["team"][i],
            frame["value"].iat[i],
        )

        def problem(col: str, cell: str, msg: str) -> None:
            problems.append(Problem(file, line, col, cell, msg))  # noqa: B023  called in this iteration only

        m = MONTH_RE.match(month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            problem("month", month, "expected a month as YYYY-MM")
        elif checks.bad_month(np.array([month]))[0]:
            problem("month", month, f"expected a month as YYYY-MM {checks.window_text()}")
        if metric not in defined and metric not in new_defs:
            if not NAME_RE.match(metric) or len(metric) > MAX_NAME:
                problem(
                    "metric",
                    metric,
                    "expected a metric name: a lowercase word such as active_users",
                )
            elif define_rule is None:
                close = did_you_mean(metric, defined)
                hint = f" (did you mean {close!r}?)" if close else ""
                problem(
                    "metric",
                    metric,
                    f"undeclared metric{hint}; declare it with 'carbon metrics define "
                    f"{metric} --year sum|mean', or import with --year sum|mean to declare the file's "
                    "new metrics",
                )
            else:
                new_defs[metric] = MetricDef(metric, define_rule, metric.replace("_", " "))
        if team and team not in teams and renamed and team in renamed:
            problem("team", team, renamed_team(team, renamed[team]))
        elif team and team not in teams:
            close = did_you_mean(team, teams)
            hint = f" (did you mean {close!r}?)" if close else ""
            problem(
                "team",
                team,
                f"unknown team{hint}; declare it with 'carbon teams add', or leave the "
                "cell empty for the whole company",
            )
        v = values[i]
        if not math.isfinite(v):
            problem(
                "value",
                str(raw),
                "expected a number (digits with '.' as decimal point, no thousands separator)",
            )
        elif v < 0 or v > checks.MAX_METRIC:
            problem("value", str(raw), f"expected a value >= 0 and at most {checks.MAX_METRIC:.0e}")
        elif v > 0 and team and retired and retired_by(retired, team, month):
            problem(
                "value",
                str(raw),
                f"team {team!r} is retired from {retired[team]}: a value for {month} is refused "
                "(0, or no row, for a team that no longer exists)",
            )
        if len(problems) > before:
            continue
        key = (month, metric, team)
        if key in seen:
            problem(
                "metric", metric, f"duplicate of line {seen[key]} (same month, metric and team)"
            )
            continue
        seen[key] = line
        out.append(MetricValue(month, metric, team, float(v), line))
    if problems:
        raise InputError(
            f"{file}: import refused, nothing was written ({len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''})",
            problems[:50],
            total=len(problems),
        )
    return out, list(new_defs.values())


def month_intensity(d: MetricDef, kg: float, value: float | None) -> Intensity:
    """kg CO2e per unit of `d` for one month; None with "no data" (no value) or when the value is 0."""
    if value is None:
        return Intensity(d.name, d.label, None, kg, None, NO_DATA)
    if value == 0:
        return Intensity(d.name, d.label, 0.0, kg, None, f"{d.label} is 0: no intensity")
    return Intensity(d.name, d.label, value, kg, kg / value)


def year_aggregate(d: MetricDef, values: list[float]) -> float | None:
    """The metric's yearly figure from its monthly values: their sum or their mean."""
    if not values:
        return None
    return math.fsum(values) if d.year_rule == "sum" else math.fsum(values) / len(values)


def year_intensity(
    d: MetricDef, kg_by_month: Mapping[str, float], value_by_month: Mapping[str, float]
) -> Intensity:
    """kg CO2e per unit of `d` over a year (see the module docstring).

    `kg_by_month`: the year's months with emissions; `value_by_month`: the
    metric's values. Only months with both count; months with emissions but no
    value are returned in `missing_months`.
    """
    months = tuple(sorted(m for m in kg_by_month if m in value_by_month))
    missing = tuple(sorted(m for m in kg_by_month if m not in value_by_month))
    kg = math.fsum(kg_by_month[m] for m in months)
    agg = year_aggregate(d, [value_by_month[m] for m in months])
    if agg is None:
        return Intensity(
            d.name, d.label, None, math.fsum(kg_by_month.values()), None, NO_DATA, (), missing
        )
    if agg == 0:
        return Intensity(
            d.name, d.label, 0.0, kg, None, f"{d.label} is 0: no intensity", months, missing
        )
    note = f"{len(missing)} month(s) without a value not counted" if missing else ""
    return Intensity(d.name, d.label, agg, kg, kg / agg, note, months, missing)
