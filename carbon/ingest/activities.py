"""Activity rows -> ledger rows (pure, vectorised; no database).

A chunk of text rows is validated column by column, spread over months,
matched to factors (one resolution per distinct key/region/year) and
converted with one pint multiplier per distinct (unit, factor unit) pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from carbon.core import calendar as periods
from carbon.core import limits, units
from carbon.core.suggest import did_you_mean
from carbon.errors import FactorNotFound, UnitError
from carbon.factors import swd
from carbon.factors.tables import REGION_RE, FactorTable
from carbon.ingest import checks, page_weight
from carbon.ingest.coded import Coded, combine, constant, groups, replaced, strip
from carbon.ingest.problems import ProblemLog, quoted
from carbon.ledger import duplicates
from carbon.model import Factor, renamed_team, valid_team_name  # noqa: F401  (the check lives in model; importer reads it here)

REQUIRED = ("date", "team", "activity", "quantity", "unit")
OPTIONAL = ("end", "region", "note", page_weight.COLUMN)

_DAY_RE = r"^\d{4}-\d{2}-\d{2}$"
_MONTH_RE = r"^\d{4}-\d{2}$"
MAX_TEAM_NAME = limits.TEAM_NAME
MAX_ROW_KG = 1e12  # 1 Gt CO2e


@dataclass
class ChunkResult:
    """Ledger rows of a chunk (empty when it had problems) and what was learned."""

    rows: pd.DataFrame
    factors: list[Factor] = field(default_factory=list)  # rows["factor_ix"] indexes this
    warnings: set[str] = field(default_factory=set)
    region_fallbacks: int = 0
    new_teams: set[str] = field(default_factory=set)
    # (key, region, region used) -> the chunk's rows (file lines) that fell back that way
    fallback_rows: dict[tuple[str, str, str], int] = field(default_factory=dict)


def _parse_dates(
    column: Coded, lines: np.ndarray, name: str, log: ProblemLog, required: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first day, last day, ok) as datetime64[D]; "YYYY-MM" covers the whole month.

    Parsed once per distinct value (a file has few distinct dates), then spread back.
    """
    codes, values = column.codes, column.values
    text = pd.Series(column.uniques, dtype=object).astype(str)
    is_day = text.str.match(_DAY_RE).to_numpy(dtype=bool)
    is_month = text.str.match(_MONTH_RE).to_numpy(dtype=bool)
    empty = (text == "").to_numpy(dtype=bool)
    first = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[D]")
    day = pd.to_datetime(text.where(is_day, None), format="%Y-%m-%d", errors="coerce")
    first[is_day] = day[is_day].to_numpy(dtype="datetime64[D]")
    month = pd.to_datetime(text.where(is_month, None) + "-01", format="%Y-%m-%d", errors="coerce")
    first[is_month] = month[is_month].to_numpy(dtype="datetime64[D]")
    last = first.copy()
    mm = is_month & ~np.isnat(first)
    last[mm] = (first[mm].astype("datetime64[M]") + np.timedelta64(1, "M")).astype(
        "datetime64[D]"
    ) - np.timedelta64(1, "D")
    allowed_empty = empty if not required else np.zeros(len(text), dtype=bool)
    bad_shape = (~(is_day | is_month) & ~allowed_empty)[codes]
    impossible = ((is_day | is_month) & np.isnat(first))[codes]
    log.add(
        lines[bad_shape],
        name,
        values[bad_shape],
        "expected a date as YYYY-MM-DD or a month as YYYY-MM",
    )
    log.add(
        lines[impossible],
        name,
        values[impossible],
        "impossible date (no such day in the calendar)",
    )
    lo, hi = (np.datetime64(d, "D") for d in checks.window())
    outside = (~np.isnat(first) & ((first < lo) | (first > hi)))[codes]
    log.add(lines[outside], name, values[outside], f"expected a date {checks.window_text()}")
    return first[codes], last[codes], ~bad_shape & ~impossible & ~outside


def validate_chunk(
    frame: pd.DataFrame,
    lines: np.ndarray,
    log: ProblemLog,
    table: FactorTable,
    known_teams: set[str],
    create_teams: bool = False,
    default_region: str = "",
    renamed: Mapping[str, str] | None = None,
) -> ChunkResult:
    """Validate and compute one chunk. Problems go to `log`; rows come back only if none.
    `renamed` ({former name: current name}) names the new name of a team file rows still call
    by its old one."""
    problems_before = log.count
    n = len(frame)
    # Each text column factorised once: tests, lookups and hashes run per distinct value.
    coded = {
        c: (strip(frame[c].to_numpy(dtype=object)) if c in frame.columns else constant(n))
        for c in REQUIRED + OPTIONAL
        if c != "quantity"
    }
    if default_region:
        coded["region"] = replaced(coded["region"], "", default_region)
    col = {c: v.values for c, v in coded.items()}
    ok = np.ones(n, dtype=bool)

    start, month_end, ok_date = _parse_dates(coded["date"], lines, "date", log, required=True)
    has_end = col["end"] != ""
    _, end_last, ok_end = _parse_dates(coded["end"], lines, "end", log, required=False)
    end = np.where(has_end, end_last, month_end)
    before = has_end & ok_date & ok_end & (end < start)
    log.add(
        lines[before],
        "end",
        col["end"][before],
        "end is before date (expected end >= date; both days are included)",
    )
    ok &= ok_date & ok_end & ~before

    # to_numeric ignores surrounding spaces; the raw text is kept for messages.
    qty = pd.to_numeric(frame["quantity"], errors="coerce").to_numpy(dtype=float)
    qtext = frame["quantity"].to_numpy(dtype=object)
    nonnum = ~np.isfinite(qty)
    log.add(
        lines[nonnum],
        "quantity",
        qtext[nonnum],
        "expected a number (digits with '.' as decimal point, no thousands separator)",
    )
    negative = ~nonnum & (qty < 0)
    log.add(lines[negative], "quantity", qtext[negative], "expected a quantity >= 0")
    ok &= ~nonnum & ~negative

    result = ChunkResult(pd.DataFrame())
    team = col["team"]
    unknown_team = ~coded["team"].isin(known_teams)
    if unknown_team.any():
        names = pd.unique(team[unknown_team])
        if create_teams:
            bad_names = [t for t in names if not valid_team_name(t)]
            result.new_teams = {t for t in names if t not in bad_names}
            mask = np.isin(team, bad_names)
            log.add(
                lines[mask],
                "team",
                team[mask],
                f"expected a team name of 1 to {MAX_TEAM_NAME} printable characters",
            )
            ok &= ~mask
        else:
            hints = {}
            for t in names:
                if renamed and t in renamed:
                    hints[t] = renamed_team(t, renamed[t])
                    continue
                close = [c for c in [did_you_mean(str(t), known_teams)] if c]
                hints[t] = (
                    f"unknown team {quoted(t)}"
                    + (f" (did you mean {close[0]!r}?)" if close else "")
                    + "; declare it with 'carbon teams add' or import with --create-teams"
                )
            msgs = [hints[t] for t in team[unknown_team]]
            log.add(lines[unknown_team], "team", team[unknown_team], msgs)
            ok &= ~unknown_team

    activity = col["activity"]
    known = set(table.by_key) | set(swd.page_view_keys(table.by_key))
    unknown_act = ~coded["activity"].isin(known)
    if unknown_act.any():
        hints = {}
        for a in pd.unique(activity[unknown_act]):
            s = table.suggest(str(a))
            hints[a] = (
                f"unknown activity key {quoted(a)}"
                + (f" (did you mean {s!r}?)" if s else "")
                + "; see 'carbon factors list'"
            )
        log.add(
            lines[unknown_act],
            "activity",
            activity[unknown_act],
            [hints[a] for a in activity[unknown_act]],
        )
        ok &= ~unknown_act
    weight, ok_weight = page_weight.parse(col[page_weight.COLUMN], activity, lines, log)
    ok &= ok_weight

    region = col["region"]
    bad_region = coded["region"].per_value(
        ~pd.Series(coded["region"].uniques, dtype=object)
        .astype(str)
        .str.fullmatch(REGION_RE.pattern + "|")
        .to_numpy(dtype=bool)
    )
    log.add(
        lines[bad_region],
        "region",
        region[bad_region],
        "expected an ISO 3166 code such as FR, EU, a cloud region such as aws:eu-west-3, or empty",
    )
    ok &= ~bad_region

    # Spread the valid rows over months, then resolve one factor per distinct key.
    idx = np.flatnonzero(ok)
    row, month, share = periods.spread(start[idx], end[idx])
    src = idx[row]
    years = month.astype("datetime64[Y]").astype(np.int64) + 1970
    # A page view's factor also depends on its page weight (bytes; 0 on other rows): one factor
    # per distinct (activity, region, year, weight), numbered in order of first appearance.
    act, reg = coded["activity"], coded["region"]
    year_codes, year_values = pd.factorize(years)
    weight_codes, weight_values = pd.factorize(weight[src])
    key_codes, key_count = combine(
        [
            (act.codes[src], len(act.uniques)),
            (reg.codes[src], len(reg.uniques)),
            (year_codes, len(year_values)),
            (weight_codes, len(weight_values)),
        ]
    )
    key_rows = groups(key_codes)  # spread rows of each distinct key
    fell_back: dict[tuple[str, str, int], str] = {}
    fallbacks: set[int] = set()  # factors (indexes into result.factors) found in another region
    fi = np.full(key_count, -1, dtype=np.int64)
    for k, positions in enumerate(key_rows):
        first = positions[0]
        a, r, y, w = activity[src[first]], region[src[first]], int(years[first]), weight[src[first]]
        try:
            res = table.resolve(swd.PAGE_VIEW.get(a, a), r, y)
        except FactorNotFound as exc:
            rows_bad = np.unique(src[positions])
            log.add(
                lines[rows_bad],
                "region" if r else "activity",
                region[rows_bad] if r else activity[rows_bad],
                str(exc),
            )
            continue
        if res.vintage_warning:
            result.warnings.add(res.vintage_warning)
        fi[k] = len(result.factors)
        if res.region_fallback:
            fell_back[(a, r, y)] = res.region_used
            fallbacks.add(len(result.factors))
        result.factors.append(swd.per_view(res.factor, a, w) if a in swd.PAGE_VIEW else res.factor)
    # Unit checks run even after other problems, so the listing is complete.
    fix = fi[key_codes] if len(key_codes) else np.zeros(0, dtype=np.int64)
    has_factor = fix >= 0

    unit = col["unit"]
    factor_units = np.array([fa.unit for fa in result.factors], dtype=object)
    mult = np.full(len(src), np.nan)
    with_factor = np.flatnonzero(has_factor)
    pair_codes, _ = combine(
        [
            (coded["unit"].codes[src[with_factor]], len(coded["unit"].uniques)),
            (fix[with_factor], len(result.factors)),
        ]
    )
    for positions in groups(pair_codes):  # one conversion per distinct (unit, factor unit)
        pos = with_factor[positions]
        try:
            mult[pos] = units.co2e_kg_per(unit[src[pos[0]]], factor_units[fix[pos[0]]])
        except UnitError as exc:
            rows_bad = np.unique(src[pos])
            log.add(lines[rows_bad], "unit", unit[rows_bad], str(exc))
            continue
        meaning = units.us_meaning(unit[src[pos[0]]])
        if meaning:
            result.warnings.add(f"unit {unit[src[pos[0]]]!r} is read as {meaning}")

    values_ok = np.array([fa.value for fa in result.factors] + [np.nan])
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
        co2e = qty[src] * share * values_ok[fix] * mult
    # No organisation emits a gigatonne in one row: such a figure is a unit or typing error,
    # and sums of huge floats would overflow to infinity.
    huge = np.unique(src[np.isfinite(mult) & ~(np.abs(co2e) < MAX_ROW_KG)])
    log.add(
        lines[huge],
        "quantity",
        qtext[huge],
        f"implausibly large: over {MAX_ROW_KG / 1e3:,.0f} t CO2e in one row (check the unit)",
    )

    if log.count > problems_before:
        return result

    values = np.array([fa.value for fa in result.factors] + [np.nan])
    q = qty[src] * share
    # One identity per source row, repeated on each of its months (duplicate checks); the
    # team is added by id when the rows are stored (duplicates.with_team).
    # The page weight is part of a page-view row's identity (other rows' identities are unchanged).
    views = weight[idx] > 0
    if views.any():
        ident_unit = unit[idx].copy()
        ident_unit[views] = [
            f"{u} @ {w!r} bytes" for u, w in zip(ident_unit[views], weight[idx][views])
        ]
        unit_hash = duplicates.text_hash(ident_unit)
    else:
        unit_hash = _hashes(coded["unit"], idx)
    key = duplicates.row_keys(
        start[idx], end[idx], _hashes(act, idx), qty[idx], unit_hash, _hashes(reg, idx)
    )
    result.rows = object_frame(
        {
            "line": lines[src],
            "team": team[src],
            "month": _month_text(month),
            "activity": activity[src],
            "quantity": q,
            "unit": unit[src],
            "co2e_kg": q * values[fix] * mult,
            "factor_ix": fix,
            "row_key": key[row],
        }
    )
    result.region_fallbacks = int(np.isin(fix, list(fallbacks)).sum()) if fallbacks else 0
    if fell_back:
        spread_df = pd.DataFrame(
            {"src": src, "activity": activity[src], "region": region[src], "year": years}
        )
        result.fallback_rows = _fallback_rows(spread_df, lines, fell_back)
    return result


def object_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A frame whose text columns stay NumPy arrays of Python str.

    pandas would otherwise convert each to its Arrow text dtype, which the
    database drivers then convert back, value by value.
    """
    return pd.DataFrame(
        {
            c: pd.Series(v, dtype=object, copy=False) if v.dtype == object else v
            for c, v in columns.items()
        }
    )


def _hashes(column: Coded, rows: np.ndarray) -> np.ndarray:
    """`duplicates.text_hash` of the column's values at `rows`, hashing each distinct value once."""
    return duplicates.text_hash(column.uniques)[column.codes[rows]]


def _month_text(month: np.ndarray) -> np.ndarray:
    """datetime64[M] months as "YYYY-MM" str objects, formatted once per distinct month."""
    codes, uniq = pd.factorize(month, sort=False, use_na_sentinel=False)
    return uniq.astype(str).astype(object)[codes]


def _fallback_rows(
    spread: pd.DataFrame, lines: np.ndarray, fell_back: dict[tuple[str, str, int], str]
) -> dict[tuple[str, str, str], int]:
    """Distinct file lines per (key, region, region used) among the spread rows that fell back.

    A row spread over two years resolves twice, and a survey line becomes one row per
    month: each still counts once.
    """
    used = pd.DataFrame(
        [(a, r, y, u) for (a, r, y), u in fell_back.items()],
        columns=["activity", "region", "year", "region_used"],
    )
    hit = (
        spread[["activity", "region", "year"]]
        .assign(line=lines[spread["src"].to_numpy()])
        .merge(used, on=["activity", "region", "year"], sort=False)
    )
    counts = (
        hit.drop_duplicates(["activity", "region", "region_used", "line"])
        .groupby(["activity", "region", "region_used"], sort=True)
        .size()
    )
    return {k: int(v) for k, v in counts.items()}
