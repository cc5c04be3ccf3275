"""`carbon import cloud-billing`: a bill becomes one batch of ledger entries.

Read in chunks -> validate -> classify each distinct usage line (classify.py)
-> kWh per line (ccf_method.py) -> team per line (allocation.py) -> aggregate per
month, rule, service, region, usage class -> estimate unknown usage from cost ->
one ledger entry per aggregate and team, written through the same store calls as
every import (one transaction: a refused bill writes nothing).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.closing.rules import Restate
from carbon.cloud import (
    allocation,
    ccf_method,
    classify,
    classify_azure,
    classify_gcp,
    exports,
    overlap,
    tables,
)
from carbon.core import limits, units
from carbon.errors import FactorNotFound, InputError
from carbon.factors import scope3
from carbon.feeds import store as stored_feeds
from carbon.ingest import checks
from carbon.ingest.problems import ProblemLog
from carbon.ledger import service as core
from carbon.model import Factor, ImportOutcome
from carbon.store import Store, cloud_lines

KIND = "cloud-billing"
GROUP = ["month", "rule", "service", "region", "cls", "unit"]
BOUNDARY = (
    "operational electricity of the cloud service, Cloud Carbon Footprint method (location-based grid); "
    "embodied emissions are separate entries"
)


@dataclass(frozen=True)
class CloudSummary:
    """What a bill held and where it went (printed after the import)."""

    lines: int
    by_class: tuple[tuple[str, int, float], ...]  # (class, lines, cost)
    by_rule: tuple[tuple[str, float], ...]  # (rule description, kg CO2e)
    unallocated_kg: float
    unknown_lines: int
    unknown_region_lines: int
    total_kg: float


@dataclass(frozen=True)
class CloudOutcome:
    outcome: ImportOutcome
    summary: CloudSummary | None


MAX_VCPU = 10_000  # the largest instances have a few hundred vCPUs


def _vcpu(text) -> float | None:
    """The vCPU count of a `product/vcpu` cell; None when empty or not a plausible count (a bad
    cell is refused with its line by `_chunk`)."""
    try:
        v = float(text) if text not in ("", None) else None
    except ValueError:
        return None
    return v if v is not None and 0 < v <= MAX_VCPU else None


def _classify_aws(
    service: str, usage_type: str, unit: str, vcpu: str, lit: str
) -> classify.UsageClass:
    v = _vcpu(vcpu)
    return classify.classify_aws(service, usage_type, unit, v, lit)


def _classify_gcp(
    service: str, sku: str, unit: str, region: str, machine_type: str
) -> classify.UsageClass:
    return classify_gcp.classify_gcp(service, sku, unit, region.strip().lower(), machine_type)


def _classify_azure(service: str, meter: str, unit: str) -> classify.UsageClass:
    return classify_azure.classify_azure(service, meter, unit)


def _region_lower(v: str) -> str:
    return v.strip().lower()


def _region_azure(v: str) -> str:
    # the export writes a region as 'westeurope', 'WestEurope' or 'West Europe' (CCF AzureRegions options)
    return "".join(v.split()).lower()


@dataclass(frozen=True)
class Provider:
    """What differs between providers' bills: columns a line's class depends on, its classifier,
    the rules' key of its account, and what unknown usage is estimated by (CCF's
    ESTIMATE_UNKNOWN_USAGE_BY: cost for AWS, usage amount for GCP and Azure; CCF's AWS and Azure
    count a compute line's embodied emissions, as kWh, in the ratio, its GCP does not)."""

    name: str
    class_keys: tuple[str, ...]
    classify: object
    account_key: str
    unknown_by: str  # "cost" | "amount"
    region_clean: object = _region_lower
    unknown_counts_embodied: bool = True
    info: object = exports.aws_info
    read: object = exports.read_aws


PROVIDERS = {
    "aws": Provider(
        "aws",
        ("service", "usage_type", "unit", "vcpu", "line_item_type"),
        _classify_aws,
        "account",
        "cost",
    ),
    "gcp": Provider(
        "gcp",
        ("service", "usage_type", "unit", "region", "machine_type"),
        _classify_gcp,
        "project",
        "amount",
        info=exports.gcp_info,
        read=exports.read_gcp,
        unknown_counts_embodied=False,
    ),
    "azure": Provider(
        "azure",
        ("service", "usage_type", "unit"),
        _classify_azure,
        "subscription",
        "amount",
        region_clean=_region_azure,
        info=exports.azure_info,
        read=exports.read_azure,
    ),
}


class _Classes:
    """Usage classes met so far, each with an index (kept across chunks)."""

    def __init__(self, provider: Provider | None = None) -> None:
        self.provider = provider or PROVIDERS["aws"]
        self.by_key: dict[tuple, int] = {}
        self.items: list[classify.UsageClass] = []
        self._frame: pd.DataFrame | None = None

    def index(self, key: tuple) -> int:
        if key not in self.by_key:
            self.by_key[key] = len(self.items)
            self.items.append(self.provider.classify(*key))
            self._frame = None
        return self.by_key[key]

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = ccf_method.class_frame(self.items)
        return self._frame


def _factorize(series: pd.Series, clean=str.strip) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row, cleaned distinct values): text work happens once per distinct value."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, uniq = series.cat.codes.to_numpy(), series.cat.categories
    else:
        codes, uniq = pd.factorize(series.to_numpy(), use_na_sentinel=False)
    return codes.astype(np.int64), np.array([clean(str(u)) for u in uniq], dtype=object)


def _combine(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row's combination, the rows' codes of each distinct combination (one row each))."""
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:  # pairwise, re-compacted each time, so the product never overflows
        combined = combined * (int(c.max(initial=0)) + 1) + c
        combined = pd.factorize(combined)[0].astype(np.int64)
    first = np.full(int(combined.max(initial=-1)) + 1, -1, dtype=np.int64)
    first[combined[::-1]] = np.arange(
        len(combined) - 1, -1, -1
    )  # the first row of each combination
    return combined, first


def _numbers(series: pd.Series) -> np.ndarray:
    """Numbers of a text column (NaN where not a number); spaces around a number are fine."""
    if pd.api.types.is_float_dtype(series.dtype):  # already parsed by the reader
        return series.to_numpy(dtype=float)
    if isinstance(series.dtype, pd.CategoricalDtype):  # once per distinct value
        cats = pd.Series(np.asarray(series.cat.categories, dtype=object))
        per_cat = pd.to_numeric(cats.str.strip(), errors="coerce").to_numpy(dtype=float)
        return np.append(per_cat, np.nan)[series.cat.codes.to_numpy()]
    vals = pd.to_numeric(series, errors="coerce").to_numpy(
        dtype=float, copy=True
    )  # may be a read-only view
    nan = np.isnan(vals)
    if nan.any():
        vals[nan] = pd.to_numeric(series[nan].str.strip(), errors="coerce").to_numpy(dtype=float)
    return vals


def _chunk(
    frame: pd.DataFrame,
    lines: np.ndarray,
    info: exports.ExportInfo,
    log: ProblemLog,
    classes: _Classes,
    rules: allocation.Rules,
    rule_cache: dict,
    region_ok,
    keys: list | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(aggregates of the counted lines, per-class line counts and cost of every line); `keys`
    collects each counted line's identity (month, line_key, line: carbon.cloud.overlap)."""
    col = info.columns
    n = len(frame)
    empty = pd.Series([""] * n)
    prov = classes.provider
    fc = {name: _factorize(frame[name] if name in frame else empty) for name in prov.class_keys}
    key, first = _combine(*(fc[k][0] for k in fc))
    cls_of_key = np.array(
        [classes.index(tuple(fc[k][1][fc[k][0][i]] for k in fc)) for i in first], dtype=np.int64
    )
    cls = cls_of_key[key]
    kind_of_class = np.array([c.kind for c in classes.items], dtype=object)
    kinds = kind_of_class[cls]
    cost = _numbers(frame["cost"])
    # every line, counted or not, appears in the summary by class
    counts = (
        pd.DataFrame({"kind": kinds, "cost": np.nan_to_num(cost), "n": 1}).groupby("kind").sum()
    )
    _reader_problems(frame, lines, col, log)
    if "vcpu" in frame:
        vtext = frame["vcpu"].astype(str).str.strip()
        bad = ((vtext != "") & pd.isna(vtext.map(_vcpu))).to_numpy()
        if bad.any():
            log.add(
                lines[bad],
                col["vcpu"],
                frame["vcpu"][bad],
                f"expected the instance's vCPU count, a number above 0 and at most {MAX_VCPU:,} (or an empty cell)",
            )

    # skipped lines (no usage: tax, credit, ...) and traffic outside CCF's networking boundary
    # are only counted
    use = ~np.isin(kinds, [classify.SKIP, classify.OUTSIDE])
    if not use.any():
        return pd.DataFrame(), counts
    sub = frame.loc[use].reset_index(drop=True)
    ln, cls, cost = lines[use], cls[use], cost[use]

    scodes, suniq = _factorize(sub["start"])
    parsed = parse_times(suniq)
    bad = parsed.isna().to_numpy()[scodes]
    if bad.any():
        log.add(
            ln[bad],
            col["start"],
            sub["start"][bad],
            f"expected a date and time such as 2026-03-01T00:00:00Z, {checks.window_text()}",
        )
    if "end" in sub:  # not used by the estimate, but a word or a wrong date there is a wrong bill
        ecodes, euniq = _factorize(sub["end"])
        bad = (parse_times(euniq).isna().to_numpy() & (euniq != ""))[ecodes]
        if bad.any():
            log.add(
                ln[bad],
                col["end"],
                sub["end"][bad],
                f"expected a date and time such as 2026-03-02T00:00:00Z (or an empty cell), "
                f"{checks.window_text()}",
            )
    month = (parsed.dt.year * 100 + parsed.dt.month).fillna(0).to_numpy(dtype=np.int64)[scodes]
    month_hours = np.nan_to_num(ccf_method.hours_in_month(parsed))[scodes]
    first_day, last_day = _days_covered(parsed, sub["end"] if "end" in sub else None, scodes)
    amount = _numbers(sub["amount"])
    bad = np.isnan(amount)
    if bad.any():
        log.add(ln[bad], col["amount"], sub["amount"][bad], "expected a number")
    bad = ~np.isnan(amount) & checks.bad_amount(np.abs(amount), upper=checks.MAX_BILL_AMOUNT)
    if bad.any():
        log.add(
            ln[bad],
            col["amount"],
            sub["amount"][bad],
            f"not a plausible usage amount; expected a finite number of at most {checks.MAX_BILL_AMOUNT:.0e} "
            "(byte-seconds included)",
        )
    bad = amount < 0
    if bad.any():
        log.add(
            ln[bad],
            col["amount"],
            sub["amount"][bad],
            "negative usage on a usage line; expected a number ≥ 0 (credits and refunds have their own "
            "line item types)",
        )
    bad = checks.bad_finite(cost)
    if bad.any():
        log.add(
            ln[bad],
            col["cost"],
            sub["cost"][bad],
            f"expected a number of at most {checks.MAX_COST:.0e} in size ('.' as decimal point)",
        )
    util = np.full(len(sub), tables.DEFAULT_UTILISATION)
    if "utilization" in sub:
        given = sub["utilization"]
        vals = _numbers(given)
        bad = (given.str.strip() != "").to_numpy() & (np.isnan(vals) | (vals < 0) | (vals > 100))
        if bad.any():
            log.add(
                ln[bad],
                col["utilization"],
                given[bad],
                "expected a CPU utilisation in percent, 0 to 100",
            )
        util = np.where(np.isnan(vals), util, vals)
    rcodes, runiq = _factorize(sub["region"], prov.region_clean)
    for i, r in enumerate(runiq):
        if r and not region_ok(r):
            at = rcodes == i
            log.add(
                ln[at],
                col["region"],
                sub["region"][at],
                f"unknown {prov.name.upper()} region {r!r}; expected a region such as "
                f"{EXAMPLE_REGION[prov.name]}: it is not among the {len(known_regions(prov.name))} "
                f"{prov.name.upper()} regions of the Cloud Carbon Footprint tables carbon ships, nor has an "
                f"imported electricity.grid factor; import one for {prov.name}:{r}",
            )
    if log.count:
        return pd.DataFrame(), counts
    if (
        keys is not None
    ):  # times as parsed: a re-export writing them another way (Parquet) is the same line
        parts = [
            _time_text(sub[c]) if c in ("start", "end") else sub[c]
            for c in (
                prov.account_key,
                "start",
                "end",
                "service",
                "usage_type",
                "region",
                "resource",
                "line_item_type",
            )
            if c in sub
        ]
        uniq, inv = np.unique(month, return_inverse=True)
        labels = np.array([f"{u // 100:04d}-{u % 100:02d}" for u in uniq], dtype=object)[inv]
        keys.append(
            pd.DataFrame({"month": labels, "line_key": overlap.line_keys(parts), "line": ln})
        )
    runiq = np.where(runiq == "", "unknown", runiq)

    # allocation: the first matching rule, once per distinct (account, service, region, tags)
    akeys = [prov.account_key, "service"] + sorted(t for t in rules.tag_names() if t in sub)
    afc = {k: _factorize(sub[k]) for k in akeys}
    afc["region"] = (rcodes, runiq)
    akey, afirst = _combine(*(afc[k][0] for k in afc))
    rule_of = np.empty(len(afirst), dtype=np.int64)
    for i, row in enumerate(afirst):
        values = tuple((k, afc[k][1][afc[k][0][row]]) for k in afc)
        if values not in rule_cache:
            rule_cache[values] = rules.match(dict(values))
        rule_of[i] = rule_cache[values]
    rule = rule_of[akey]

    cframe = classes.frame()
    coef = {f: cframe[f].to_numpy()[cls] for f in ccf_method.CLASS_FIELDS}
    pue = np.array([tables.pue(prov.name, r) for r in runiq], dtype=float)[rcodes]
    with np.errstate(invalid="ignore", over="ignore"):
        kwh, embodied_t = ccf_method.energy(coef, amount, util, month_hours, pue)
    bad = checks.bad_amount(kwh) | checks.bad_amount(
        embodied_t * 1000 / checks.MAX_FACTOR_KG_PER_KWH
    )
    if bad.any():
        log.add(
            ln[bad],
            col["amount"],
            sub["amount"][bad],
            f"implausibly large usage: over {checks.MAX_AMOUNT:.0e} kWh (or its embodied emissions) on "
            "one line; check the amount and its unit",
        )
        return pd.DataFrame(), counts
    svc_codes, svc_uniq = _factorize(sub["service"])
    unit_codes, unit_uniq = _factorize(sub["unit"])
    out = pd.DataFrame(
        {
            "month": month,
            "rule": rule,
            "service": svc_codes,
            "region": rcodes,
            "cls": cls,
            "unit": unit_codes,
            "kwh": kwh,
            "embodied_t": embodied_t,
            "hours": ccf_method.embodied_hours(coef, amount),
            "cost": cost,
            "amount": amount,
            "lines": np.ones(len(sub), dtype=np.int64),
            "line": ln,
            "first_day": first_day,
            "last_day": last_day,
        }
    )
    agg = (
        out.groupby(GROUP, sort=False)
        .agg(
            kwh=("kwh", "sum"),
            embodied_t=("embodied_t", "sum"),
            hours=("hours", "sum"),
            cost=("cost", "sum"),
            amount=("amount", "sum"),
            lines=("lines", "sum"),
            line=("line", "min"),
            first_day=("first_day", "min"),
            last_day=("last_day", "max"),
        )
        .reset_index()
    )
    return agg.assign(
        service=svc_uniq[agg["service"].to_numpy()],
        region=runiq[agg["region"].to_numpy()],
        unit=unit_uniq[agg["unit"].to_numpy()],
    ), counts


def _reader_problems(
    frame: pd.DataFrame, lines: np.ndarray, col: dict[str, str], log: ProblemLog
) -> None:
    """Cells a reader found malformed: its `problem:<column>` holds the message ("" when fine)."""
    for name in [c for c in frame.columns if c.startswith("problem:")]:
        column = name.split(":", 1)[1]
        codes, messages = _factorize(frame[name])
        for i, message in enumerate(messages):
            if message:
                at = codes == i
                log.add(lines[at], col[column], frame[column][at], message)


def known_regions(provider: str) -> set[str]:
    """The provider's regions in the shipped Cloud Carbon Footprint tables."""
    return tables.known_regions().get(provider, set())


def _time_text(series: pd.Series) -> pd.Series:
    """Each cell's timestamp as ISO text (parsed once per distinct value; the text itself where
    it is not a timestamp)."""
    codes, uniq = _factorize(series)
    parsed = parse_times(uniq)
    text = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(dtype=object)
    text = np.where(parsed.isna().to_numpy(), np.asarray(uniq, dtype=object), text)
    return pd.Series(np.append(text, "")[codes])


def _days_covered(
    start: pd.Series, end: pd.Series | None, scodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per line, the first and last day of its month its usage covers (the completeness of a
    month's bill: docs/feeds.md): from its start to the instant before its end (a line ending
    in a later month covers its month to the end); without an end column, its start day."""
    first = start.dt.day.fillna(1).to_numpy(dtype=np.int64)[scodes]
    if end is None:
        return first, first
    ecodes, euniq = _factorize(end)
    stop = parse_times(euniq)[ecodes].reset_index(drop=True) - pd.Timedelta(seconds=1)
    begin = start[scodes].reset_index(drop=True)
    same = (stop.dt.year == begin.dt.year) & (stop.dt.month == begin.dt.month)
    month_end = (begin + pd.offsets.MonthEnd(0)).dt.day
    last = np.where(stop.isna(), first, np.where(same, stop.dt.day.fillna(0), month_end.fillna(0)))
    return first, np.maximum(last.astype(np.int64), first)


def parse_times(values: np.ndarray) -> pd.Series:
    """Timestamps of distinct texts (NaT where not one, or outside the plausible window): ISO 8601,
    BigQuery's '2026-03-01 00:00:00 UTC', and Azure's US dates '03/01/2026' (ingest/checks.py)."""
    return checks.parse_times(values, us_dates=True)


EXAMPLE_REGION = {"aws": "eu-west-3", "gcp": "europe-west1", "azure": "westeurope"}


def estimate_groups(agg: pd.DataFrame, classes: _Classes, grid_of) -> pd.DataFrame:
    """The bill's aggregates with their energy and emissions settled. Pure but for `grid_of`.

    `grid_of(region, year)` gives (grid Factor, kg CO2e per kWh). Adds: kind, kwh (unknown usage
    estimated from cost), co2e_kg (operational), embodied_kg, method (in words), grid (Factor).
    Unknown usage: kWh per currency unit of the classified lines of the same service and unit,
    else of the same unit (CCF UnknownEstimator, AWS by cost), else of the whole bill (where CCF
    gives 0). CCF's AWS and Azure count embodied emissions, converted to kWh at the grid, in these
    ratios; its GCP does not.
    """
    kinds = np.array([c.kind for c in classes.items], dtype=object)
    agg = agg.assign(kind=kinds[agg["cls"].to_numpy()], year=agg["month"] // 100).reset_index(
        drop=True
    )
    grids = [grid_of(r, int(y)) for r, y in zip(agg["region"], agg["year"])]
    ef = np.array([g[1] for g in grids], dtype=float)
    # the basis of the ratios: lines CCF estimates (not unknown ones, not traffic outside its boundary)
    known = (
        agg["kind"]
        .isin(
            [
                classify.COMPUTE,
                classify.MEMORY,
                classify.STORAGE_SSD,
                classify.STORAGE_HDD,
                classify.NETWORK,
            ]
        )
        .to_numpy()
    )
    by = classes.provider.unknown_by
    kwh_all = agg["kwh"].to_numpy()
    if classes.provider.unknown_counts_embodied:
        kwh_all = kwh_all + agg["embodied_t"].to_numpy() * 1000 / np.where(ef > 0, ef, np.inf)
    basis = agg.assign(kwh_all=kwh_all)[known]
    by_service = basis.groupby(["service", "unit"])[["kwh_all", by]].sum()
    by_unit = basis.groupby("unit")[["kwh_all", by]].sum()
    overall = (float(basis["kwh_all"].sum()), float(basis["cost"].sum()))
    kwh = agg["kwh"].to_numpy().copy()
    methods = []
    for i, g in enumerate(agg.itertuples(index=False)):
        uc = classes.items[g.cls]
        method = uc.method
        if g.kind == classify.UNKNOWN:
            ratio = None
            per = "cost"
            # `what` is read after the loop: the level the ratio was taken at (the loop breaks there)
            for frame, key, what in (  # noqa: B007
                (by_service, (g.service, g.unit), f"{g.service} lines in {g.unit}"),
                (by_unit, g.unit, f"lines in {g.unit}"),
                (None, None, "lines of the bill"),
            ):
                if frame is None:
                    kw, base = overall  # across units only cost is comparable
                    per = "cost"
                elif key in frame.index:
                    kw, base = frame.loc[key]
                    per = by
                else:
                    continue
                if base:
                    ratio = kw / base
                    break
            if ratio is None:
                raise InputError(
                    "unknown usage cannot be estimated: the bill has no classified usage line with "
                    "a cost to take kWh per currency unit from; nothing was written"
                )
            kwh[i] = ratio * (g.cost if per == "cost" else g.amount)
            if per == "cost":
                method = (
                    f"estimated from cost: {ratio:.6g} kWh per currency unit of the classified {what} "
                    f"(CCF UnknownEstimator) — {uc.method}"
                )
            else:
                method = (
                    f"estimated from usage: {ratio:.6g} kWh per {g.unit} of the classified {what} "
                    f"(CCF UnknownEstimator, by usage amount) — {uc.method}"
                )
        methods.append(method)
    return agg.assign(
        kwh=kwh,
        co2e_kg=kwh * ef,
        embodied_kg=agg["embodied_t"].to_numpy() * 1000,
        method=methods,
        grid=[g[0] for g in grids],
    )


def _refuse_retired(conn, rows: pd.DataFrame, team_ids: dict[str, int], name: str) -> None:
    """InputError naming each bill line whose usage the rules give to a team in or after the
    month it was retired from (as an activity file's line is refused: carbon/ingest/retired.py)."""
    from carbon.ingest import retired
    from carbon.store import team_history

    gone = team_history.retired(conn)
    if not gone or rows.empty:
        return
    names = {i: t for t, i in team_ids.items()}
    log = ProblemLog(name)
    retired.check(
        pd.DataFrame(
            {
                "line": rows["line"].to_numpy(),
                "team": rows["team_id"].map(names).to_numpy(dtype=object),
                "month": rows["month"].to_numpy(dtype=object),
            }
        ),
        gone,
        log,
    )
    if log.count:
        raise log.error(
            f"{name}: the allocation rules give usage to a retired team; import refused, "
            "nothing was written (change the rules: a retired team has no new emissions)"
        )


def _ledger(
    est: pd.DataFrame, classes: _Classes, rules: allocation.Rules, team_ids: dict[str, int]
) -> tuple[pd.DataFrame, list[Factor], dict[int, float]]:
    """Ledger rows (with factor_ix into the factor list) and the CO2e per rule, from the estimates."""
    factors: dict[tuple, int] = {}
    flist: list[Factor] = []
    rows = []
    rule_kg: dict[int, float] = defaultdict(float)
    for g in est.itertuples(index=False):
        uc = classes.items[g.cls]
        grid = g.grid
        region_note = (
            " (no region in the bill: CCF's unknown-region average)"
            if g.region == "unknown"
            else ""
        )
        parts = (
            [(rules.unallocated, 1.0)]
            if g.rule == allocation.UNALLOCATED
            else list(rules.rules[g.rule].parts)
        )
        provider = classes.provider.name
        entries = [
            (
                f"cloud.{provider}.{g.kind}",
                g.kwh,
                "kWh",
                g.co2e_kg,
                f"{g.method}, × grid {grid.value:g} {grid.unit} ({grid.source}, {grid.year}){region_note}",
                grid.value * units.multiplier(grid.unit, "kg CO2e / kWh"),
                "kg CO2e / kWh",
                BOUNDARY,
            )
        ]
        if g.embodied_kg > 0 and g.hours > 0:
            how = next(p for p in uc.method.split("; ") if p.startswith("embodied"))
            entries.append(
                (
                    f"cloud.{provider}.embodied",
                    g.hours,
                    "hour",
                    g.embodied_kg,
                    f"{uc.method.split('; ')[0]}; {how} (CCF EmbodiedEmissionsEstimator)",
                    uc.embodied_t * 1000,
                    "kg CO2e / hour",
                    "embodied (manufacturing) emissions of the server share (CCF), scope 3",
                )
            )
        for activity, qty, unit, kg, source, value, funit, boundary in entries:
            key = (activity, grid.region, grid.year, source, value, funit)
            if key not in factors:
                factors[key] = len(flist)
                flist.append(
                    Factor(
                        activity=activity,
                        region=grid.region,
                        year=grid.year,
                        value=value,
                        unit=funit,
                        category="infrastructure",
                        scope=3,
                        source=source,
                        source_ref=f"grid: {grid.origin}; {tables.CCF_REF}",
                        boundary=boundary,
                        origin=KIND,
                    )
                )
            # split: each team its share; the last takes what is left, so the parts sum to the whole
            done_q = done_kg = 0.0
            for i, (team, w) in enumerate(parts):
                last = i == len(parts) - 1
                q = qty - done_q if last else qty * w
                k = kg - done_kg if last else kg * w
                done_q, done_kg = done_q + q, done_kg + k
                rows.append(
                    (
                        int(g.line),
                        team_ids[team],
                        f"{g.month // 100:04d}-{g.month % 100:02d}",
                        activity,
                        "infrastructure",
                        3,
                        q,
                        unit,
                        k,
                        factors[key],
                    )
                )
            rule_kg[int(g.rule)] += kg
    out = pd.DataFrame(
        rows,
        columns=[
            "line",
            "team_id",
            "month",
            "activity",
            "category",
            "scope",
            "quantity",
            "unit",
            "co2e_kg",
            "factor_ix",
        ],
    )
    return out, flist, dict(rule_kg)


def grid_lookup(table, provider: str = "aws"):
    """grid_of(region, year) over a factor table: the cloud region's electricity.grid row."""
    cache: dict = {}

    def grid_of(region: str, year: int) -> tuple[Factor, float]:
        if (region, year) not in cache:
            res = table.resolve("electricity.grid", f"{provider}:{region}", year)
            if res.region_fallback:
                raise FactorNotFound(f"no grid factor for cloud region {provider}:{region}")
            f = res.factor
            cache[(region, year)] = (f, f.value * units.multiplier(f.unit, "kg CO2e / kWh"))
        return cache[(region, year)]

    return grid_of


def aggregate_bill(
    chunks,
    info: exports.ExportInfo,
    rules: allocation.Rules,
    region_ok,
    log: ProblemLog,
    provider: str = "aws",
    keys: list | None = None,
) -> tuple[pd.DataFrame, _Classes, pd.DataFrame, int]:
    """(aggregates, usage classes met, lines and cost per class, number of lines) of a bill's chunks;
    `keys` (a list) collects the usage lines' identities (carbon.cloud.overlap)."""
    classes = _Classes(PROVIDERS[provider])
    rule_cache: dict = {}
    parts, counts = [], []
    lines_total = 0
    for frame, lines in chunks:
        lines_total += len(frame)
        agg, cnt = _chunk(frame, lines, info, log, classes, rules, rule_cache, region_ok, keys)
        counts.append(cnt)
        if not agg.empty and not log.count:
            parts.append(agg)
    if not parts:
        return (
            pd.DataFrame(columns=GROUP),
            classes,
            pd.concat(counts) if counts else pd.DataFrame(),
            lines_total,
        )
    agg = (
        pd.concat(parts, ignore_index=True)
        .groupby(GROUP, sort=False)
        .agg(
            kwh=("kwh", "sum"),
            embodied_t=("embodied_t", "sum"),
            hours=("hours", "sum"),
            cost=("cost", "sum"),
            amount=("amount", "sum"),
            lines=("lines", "sum"),
            line=("line", "min"),
            first_day=("first_day", "min"),
            last_day=("last_day", "max"),
        )
        .reset_index()
    )
    return agg, classes, pd.concat(counts).groupby(level=0).sum(), lines_total


def _split_pool_rows(
    conn, rows: pd.DataFrame, pool_ids: dict[str, int], team_ids: dict[str, int], pools_found
) -> tuple[pd.DataFrame, set]:
    """Ledger rows whose team is a pool of --allocation (a negative id in `pool_ids`) split per team
    by the pool's key in their month, as an activity import splits them (carbon/ledger/pools.py)."""
    pooled = rows["team_id"].to_numpy() < 0
    if not pooled.any():
        return rows, set()
    name_of = {i: n for n, i in {**team_ids, **pool_ids}.items()}
    named = rows.assign(team=[name_of[int(i)] for i in rows["team_id"]]).drop(columns=["team_id"])
    allocated: set = set()
    split = core._split_pools(named, pools_found, core._key_values(conn, pools_found), allocated)
    split = split.assign(team_id=[team_ids[t] for t in split["team"]]).drop(columns=["team"])
    return split[rows.columns].reset_index(drop=True), allocated


def import_cloud_billing(
    store: Store,
    path: Path | str,
    provider: str,
    rules_path: Path | str,
    *,
    source: str | None = None,
    replace: bool = False,
    strict: bool = False,
    chunk_rows: int = exports.CHUNK_ROWS,
    restate: Restate | None = None,
    allow_overlap: bool = False,
    allocation_path: Path | str | None = None,
) -> CloudOutcome:
    """Import a cloud bill as one batch. Raises InputError (nothing written) on any problem or when
    its usage lines are already in the ledger from another import (unless `allow_overlap`;
    carbon.cloud.overlap), and PeriodLocked when it touches a closed month and `restate` is None
    (docs/integrity.md). `allocation_path` (--allocation): rules may name a pool; its rows are
    split per team by the pool's key (carbon/ledger/pools.py)."""
    if provider not in PROVIDERS:
        raise InputError(
            f"--provider {provider}: not read yet; expected one of {', '.join(PROVIDERS)}"
        )
    path = Path(path)
    name = str(path)
    source = limits.source_name(source or path.name)
    info = PROVIDERS[provider].info(path, name)
    with store.engine.connect() as c:
        declared = set(store.team_ids(c))
    pools_found, pools_param = core._read_allocation(store, allocation_path)
    pool_ids = (
        {p: -1 - i for i, p in enumerate(pools_found.pools)} if pools_found is not None else {}
    )
    rules = allocation.load(Path(rules_path), declared | set(pool_ids), str(rules_path))
    given = {"provider": provider, "rules": rules.sha256, "strict": strict}
    if pools_param:  # only when given: imports made before the option keep their identity
        given["allocation"] = pools_param
    params = json.dumps(given, allow_nan=False)
    content_hash = core.identity(info.sha256, params)
    with store.transaction() as conn:
        earlier = store.find_batch(conn, KIND, content_hash)
        if earlier is not None:
            return CloudOutcome(ImportOutcome(earlier, already_imported=True), None)
        to_replace = core._check_source(store, conn, KIND, source, replace, info.sha256, params)
        table = core.factor_table(store, conn)
        team_ids = store.team_ids(conn)
        grid_regions = {f.region for f in table.by_key.get("electricity.grid", ())}
        known = tables.known_regions().get(provider, set())

        def region_ok(r: str) -> bool:
            return r in known or f"{provider}:{r}" in grid_regions

        log = ProblemLog(info.name)
        chunks = PROVIDERS[provider].read(path, info, chunk_rows, rules.tag_names())
        found: list[pd.DataFrame] = []
        agg, classes, by_class, lines_total = aggregate_bill(
            chunks, info, rules, region_ok, log, provider, found
        )
        if lines_total == 0:
            raise InputError(f"{info.name}: no data rows after the header; nothing was written")
        if log.count:
            raise log.error(f"{info.name}: import refused, nothing was written")
        if agg.empty:
            raise InputError(
                f"{info.name}: no usage line to estimate (every line is a tax, credit, fee or "
                "other line without usage); nothing was written"
            )
        unmatched = agg[agg["rule"] == allocation.UNALLOCATED]
        if len(unmatched) and (strict or not rules.unallocated):
            why = "--strict" if strict else "the rules name no 'unallocated' team"
            lines_of = sorted(int(x) for x in unmatched["line"])
            plog = ProblemLog(info.name)
            plog.add(
                np.array(lines_of),
                None,
                None,
                f"no allocation rule matches this line (nor {int(unmatched['lines'].sum()) - len(lines_of)} "
                f"similar later lines) and {why}",
            )
            raise plog.error(
                f"{info.name}: {int(unmatched['lines'].sum()):,} lines match no allocation rule; "
                "import refused, nothing was written"
            )
        keys = overlap.distinct(found)
        warned = overlap.check(conn, info.name, keys, [b.id for b, _ in to_replace], allow_overlap)
        est = estimate_groups(agg, classes, grid_lookup(table, provider))
        rows, flist, rule_kg = _ledger(est, classes, rules, {**team_ids, **pool_ids})
        rows, allocated = _split_pool_rows(conn, rows, pool_ids, team_ids, pools_found)
        _refuse_retired(conn, rows, team_ids, info.name)
        batch_id = store.insert_batch(conn, KIND, source, content_hash, params)
        if allocated:
            from carbon.store import pools as stored_pools

            stored_pools.insert_shares(conn, batch_id, sorted(allocated), team_ids)
        snap = np.array(store.snapshot_ids(conn, flist), dtype=np.int64)
        ix = rows["factor_ix"].to_numpy()
        out = scope3.book(rows.assign(factor_id=snap[ix]).drop(columns=["factor_ix"]), flist, ix)
        store.insert_ledger(conn, batch_id, out)
        store.insert_rollup(conn, batch_id, [store.rollup_part(out)])
        cloud_lines.insert_keys(conn, batch_id, keys)
        covered = agg.groupby("month").agg(first=("first_day", "min"), last=("last_day", "max"))
        stored_feeds.record_days(
            conn,
            batch_id,
            {
                f"{m // 100:04d}-{m % 100:02d}": (int(r.first), int(r.last))
                for m, r in covered.iterrows()
            },
        )
        # Closed months (carbon close, donation close) are refused unless restated, as for every
        # import. Bill lines are aggregated before the ledger: they are compared by their
        # identities above (carbon.cloud.overlap), not row by row.
        _, restatement = core.guard_batch(
            conn,
            name,
            batch_id,
            [b.id for b, _ in to_replace],
            core.Checks(restate=restate, compare_rows=False),
        )
        for b, _ in to_replace:
            store.remove_batch(conn, b.id)
        batch = store.finish_batch(conn, batch_id, lines_total)
    unknown_lines = int(est.loc[est["kind"] == classify.UNKNOWN, "lines"].sum())
    total = float(out["co2e_kg"].sum())
    summary = CloudSummary(
        lines=lines_total,
        by_class=tuple((k, int(r.n), float(r.cost)) for k, r in by_class.iterrows()),
        by_rule=tuple(
            (rules.rules[i].describe(), kg) for i, kg in sorted(rule_kg.items()) if i >= 0
        ),
        unallocated_kg=rule_kg.get(allocation.UNALLOCATED, 0.0),
        unknown_lines=unknown_lines,
        unknown_region_lines=int(agg.loc[agg["region"] == "unknown", "lines"].sum()),
        total_kg=total,
    )
    later = core.later_months_warning(out["month"], out["line"])
    return CloudOutcome(
        ImportOutcome(
            batch,
            replaced=tuple(b.id for b, _ in to_replace),
            restatement=restatement,
            warnings=((warned,) if warned else ()) + tuple(later),
        ),
        summary,
    )
