"""Emission-factor tables: read and validate them, merge them, resolve a factor.

Resolution rule for an activity (key, region, year) — see README "Methodology"
and docs/regions.md: same key; the rows whose region equals the activity's
region, else those of its nearest ancestor in the region hierarchy
(factors/regions.csv: cloud region -> country -> EU -> world) that has rows,
else the rows with an empty region ("any region", the world); among those (only the
rows of a preferred source, `--prefer-source`, when the series has any) the
latest vintage not after the activity's year; if every vintage is later, the
earliest one, with a warning. No match at all is FactorNotFound — never a
silent zero. The Resolution names the region whose rows were used.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from carbon.core import limits
from carbon.core.lazy import lazy
from carbon.core.resources import shipped_dir
from carbon.core.suggest import did_you_mean
from carbon.errors import FactorNotFound, InputError, Problem, UnitError
from carbon.factors.regions import REGION_RE, RegionTree, load_regions
from carbon.model import GASES, Coefficient, Factor, Resolution

# pint and pandas are needed to read and check a table, not to use a built one (a cached table,
# carbon.factors.service): imported on first use.
units = lazy("carbon.core.units")
csvfile = lazy("carbon.ingest.csvfile")

REQUIRED = ("activity", "region", "year", "value", "unit", "category", "scope", "source")
PARTS = ("part_generation", "part_upstream", "part_td")
OPTIONAL = ("uncertainty_pct", "source_ref", "boundary", *PARTS, "scope3_category", *GASES)
# The parts of a row sum to its value within this relative tolerance (published parts are rounded).
PARTS_TOLERANCE = 0.005
COEFFICIENT_COLUMNS = ("name", "value", "unit", "year", "source")
COEFFICIENT_OPTIONAL = ("source_ref",)

KEY_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _scope3_number(text: str) -> int | None:
    """3 for "3.3" (also "3"); None when not a category 3.1..3.15."""
    m = re.fullmatch(r"(?:3\.)?(\d{1,2})", text)
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= 15 else None


def _parts_problem(parts: dict[str, float], value: float, scope_text: str) -> str | None:
    """Why a row's parts are refused, or None (parts: the stated part columns, all numbers)."""
    if scope_text != "2":
        return (
            "parts split a lifecycle scope-2 factor (generation scope 2, upstream and T&D scope 3 "
            "category 3); expected empty part columns on a scope-" + scope_text + " row"
        )
    if "part_generation" not in parts:
        return "expected part_generation when a part is given (the share booked as scope 2)"
    total = sum(parts.values())
    if not math.isclose(total, value, rel_tol=PARTS_TOLERANCE, abs_tol=1e-12):
        return (
            f"the parts sum to {total:g}, not to the value {value:g}; expected parts in the row's unit "
            f"summing to the value (within {PARTS_TOLERANCE:.1%})"
        )
    return None


def _gases_problem(gases: dict[str, float], value: float, lifecycle: bool) -> str | None:
    """Why a row's gas parts are refused, or None (gases: the stated gas columns, all numbers)."""
    if lifecycle:
        return (
            "expected either the lifecycle parts (part_*) or the gas parts (gas_*), not both: a split "
            "row is booked in two scopes, and its gases are not published per part"
        )
    total = sum(gases.values())
    if not math.isclose(total, value, rel_tol=PARTS_TOLERANCE, abs_tol=1e-12):
        return (
            f"the gas parts sum to {total:g}, not to the value {value:g}; expected parts in the row's unit "
            f"(kg CO2e of each gas per unit) summing to the value (within {PARTS_TOLERANCE:.1%}); leave "
            "every gas column empty when the source publishes no split"
        )
    return None


def parse_factor_rows(name: str, rows: list[dict[str, str]], lines: Iterable[int]) -> list[Factor]:
    """Validate factor rows (text) into Factors; raise InputError listing every problem."""
    problems: list[Problem] = []
    out: list[Factor] = []
    seen: dict[tuple[str, str, int], int] = {}
    for row, line in zip(rows, lines):
        line = int(line)
        bad = len(problems)

        def problem(col: str, msg: str) -> None:
            problems.append(Problem(name, line, col, row.get(col, ""), msg))  # noqa: B023  called in this iteration only

        activity = row["activity"].strip()
        if not KEY_RE.match(activity):
            problem("activity", "expected a lowercase dotted key such as commute.car.petrol")
        elif long := limits.too_long(activity, limits.ACTIVITY_KEY):
            problem("activity", f"{long}; expected a short dotted key such as commute.car.petrol")
        region = row["region"].strip()
        if region and not REGION_RE.match(region):
            problem(
                "region",
                "expected empty (any region), an ISO code such as FR, or a cloud "
                "region such as aws:eu-west-3",
            )
        elif long := limits.too_long(region, limits.REGION):
            problem(
                "region",
                f"{long}; expected an ISO code such as FR, or a cloud region such as aws:eu-west-3",
            )
        year_text = row["year"].strip()
        year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else None
        if year is None:
            problem("year", "expected the vintage as a four-digit year")
        value = _number(row["value"].strip())
        if value is None or value < 0 or value > MAX_FACTOR:
            # beyond 10^12 a figure is a typing error, and its conversions overflow to infinity
            problem("value", f"expected a number >= 0 and at most {MAX_FACTOR:.0e}")
        unit = row["unit"].strip()
        try:
            units.activity_unit(unit)
        except UnitError as exc:
            problem("unit", f"{exc}; expected a CO2e mass per activity unit, e.g. 'kg CO2e / km'")
        category = row["category"].strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]*", category):
            problem(
                "category", "expected a lowercase word such as infrastructure, streaming, commuting"
            )
        elif long := limits.too_long(category, limits.CATEGORY):
            problem(
                "category", f"{long}; expected a word such as infrastructure, streaming, commuting"
            )
        scope_text = row["scope"].strip()
        if scope_text not in ("1", "2", "3"):
            problem("scope", "expected the GHG Protocol scope: 1, 2 or 3")
        source = row["source"].strip()
        if not source:
            problem(
                "source", "expected the document the value comes from (a factor needs a source)"
            )
        unc_text = (row.get("uncertainty_pct") or "").strip()
        uncertainty = None
        if unc_text:
            uncertainty = _number(unc_text)
            if uncertainty is None or uncertainty < 0:
                problem("uncertainty_pct", "expected a number >= 0 (± percent) or empty")
        parts = {
            c: _number((row.get(c) or "").strip()) for c in PARTS if (row.get(c) or "").strip()
        }
        for c in parts:
            if parts[c] is None or parts[c] < 0 or parts[c] > MAX_FACTOR:
                problem(
                    c,
                    f"expected a number >= 0 and at most {MAX_FACTOR:.0e} in the row's unit, or empty",
                )
        gases = {
            c: _number((row.get(c) or "").strip()) for c in GASES if (row.get(c) or "").strip()
        }
        for c, part in gases.items():
            if part is None or part < 0 or part > MAX_FACTOR:
                problem(
                    c,
                    "expected a number >= 0 (kg CO2e of the gas per unit, in the row's unit), or empty",
                )
        s3_text = (row.get("scope3_category") or "").strip()
        s3 = _scope3_number(s3_text)
        if s3_text and s3 is None:
            problem(
                "scope3_category", "expected a GHG Protocol scope-3 category, 3.1 to 3.15, or empty"
            )
        elif s3 is not None and scope_text != "3":
            problem(
                "scope3_category",
                "a scope-3 category needs scope 3; expected empty for scope 1 and 2",
            )
        if len(problems) > bad:
            continue
        if parts:
            why = _parts_problem(parts, value, scope_text)
            if why:
                problems.append(
                    Problem(name, line, "part_generation", row.get("part_generation", ""), why)
                )
                continue
        if gases:
            why = _gases_problem(gases, value, bool(parts))
            if why:
                first = next(iter(gases))
                problems.append(Problem(name, line, first, row.get(first, ""), why))
                continue
        ident = (activity, region, year)
        if ident in seen:
            problems.append(
                Problem(
                    name,
                    line,
                    "activity",
                    activity,
                    f"duplicate of line {seen[ident]} (same activity, region and year)",
                )
            )
            continue
        seen[ident] = line
        out.append(
            Factor(
                activity,
                region,
                year,
                value,
                unit,
                category,
                int(scope_text),
                source,
                uncertainty,
                (row.get("source_ref") or "").strip(),
                (row.get("boundary") or "").strip(),
                limits.clip(f"{name}:{line}"),
                *((parts.get(c, 0.0) for c in PARTS) if parts else (None, None, None)),
                s3,
                *((gases.get(c, 0.0) for c in GASES) if gases else (None,) * len(GASES)),
            )
        )
    if problems:
        raise InputError(f"{name}: factor table refused", problems)
    return out


def read_factor_file(path: Path, display_name: str | None = None) -> tuple[list[Factor], str]:
    """Read a factor CSV. Returns its factors and the content hash."""
    info, frame, lines = csvfile.read_small(path, REQUIRED, OPTIONAL, display_name)
    if frame.empty:
        raise InputError(f"{info.name}: no factor rows after the header")
    rows = frame.to_dict("records")
    return parse_factor_rows(info.name, rows, lines), info.sha256


def read_coefficient_file(path: Path) -> list[Coefficient]:
    """Read a coefficient CSV (parameters of derived factors)."""
    info, frame, lines = csvfile.read_small(
        path, COEFFICIENT_COLUMNS, COEFFICIENT_OPTIONAL, path.name
    )
    out, problems = [], []
    for row, line in zip(frame.to_dict("records"), lines):
        value = _number(row["value"])
        try:
            units.parse(row["unit"])
        except UnitError as exc:
            problems.append(Problem(info.name, int(line), "unit", row["unit"], str(exc)))
            continue
        if value is None:
            problems.append(
                Problem(info.name, int(line), "value", row["value"], "expected a number")
            )
            continue
        out.append(
            Coefficient(
                row["name"].strip(),
                value,
                row["unit"].strip(),
                int(row["year"]),
                row["source"].strip(),
                (row.get("source_ref") or "").strip(),
                f"{path.name}:{int(line)}",
            )
        )
    if problems:
        raise InputError(f"{info.name}: coefficient table refused", problems)
    return out


def _header(path: Path) -> str:
    with open(path, encoding="utf-8-sig") as fh:
        return fh.readline().strip()


def shipped_factor_files() -> list[Path]:
    """The default factor tables: the factors/*.csv whose header is the factor format.

    (factors/ also holds coefficients, prices and defaults; alternatives/ is opt-in.)
    """
    return sorted(
        p
        for p in shipped_dir("factors").glob("*.csv")
        if _header(p).startswith("activity,region,year,")
    )


@lru_cache(maxsize=1)
def _shipped() -> tuple[Factor, ...]:
    return tuple(_load_shipped())


def load_shipped() -> list[Factor]:
    """Every shipped default factor (read once per process: package data does not change)."""
    return list(_shipped())


def _load_shipped() -> list[Factor]:
    """Read factors/*.csv; two tables giving the same (key, region, year) is an error."""
    factors: list[Factor] = []
    where: dict[tuple[str, str, int], str] = {}
    for path in shipped_factor_files():
        for f in read_factor_file(path, path.name)[0]:
            if f.ident in where:
                raise InputError(
                    f"shipped factor tables conflict: {f.ident} in {where[f.ident]} and {f.origin}"
                )
            where[f.ident] = f.origin
            factors.append(f)
    return factors


@lru_cache(maxsize=1)
def load_coefficients() -> dict[str, Coefficient]:
    """Shipped coefficients by name (factors/*_coefficients.csv), read once per process."""
    out: dict[str, Coefficient] = {}
    for path in sorted(shipped_dir("factors").glob("*_coefficients.csv")):
        for c in read_coefficient_file(path):
            out[c.name] = c
    return out


@dataclass(frozen=True)
class FactorTable:
    """All usable factors, indexed by activity key. Build with `build_table`."""

    by_key: dict[str, tuple[Factor, ...]]
    regions: RegionTree = field(default_factory=load_regions)
    # --prefer-source: within a series, the rows whose source contains the first of these texts
    # that matches any (case-insensitive) are the only candidates; () is the latest-vintage rule.
    prefer: tuple[str, ...] = ()

    def preferring(self, sources: Iterable[str]) -> FactorTable:
        """This table choosing by `sources` (--prefer-source). Raises InputError for a text that
        matches no factor's source (a typo would otherwise silently change nothing)."""
        wanted = tuple(s.strip() for s in sources if s.strip())
        known = {f.source for rows in self.by_key.values() for f in rows}
        unknown = [w for w in wanted if not any(w.lower() in k.lower() for k in known)]
        if unknown:
            raise InputError(
                f"--prefer-source {unknown[0]!r} matches no factor source; expected a text of a "
                "source as 'carbon factors list' shows it, e.g. eGRID, Ember, ADEME, DESNZ"
            )
        return FactorTable(self.by_key, self.regions, wanted)

    def preferred(self, rows: Iterable[Factor]) -> list[Factor]:
        """The rows of one series the preference keeps (all of them without a match)."""
        rows = list(rows)
        for p in self.prefer:
            chosen = [f for f in rows if p.lower() in f.source.lower()]
            if chosen:
                return chosen
        return rows

    def keys(self) -> list[str]:
        return sorted(self.by_key)

    def all(self) -> list[Factor]:
        return [f for k in self.keys() for f in self.by_key[k]]

    def suggest(self, key: str) -> str | None:
        return did_you_mean(key, self.by_key.keys())

    def resolve(self, activity: str, region: str, year: int) -> Resolution:
        """The factor for an activity (see the module docstring for the rule)."""
        rows = self.by_key.get(activity)
        if not rows:
            hint = self.suggest(activity)
            raise FactorNotFound(
                f"no emission factor for activity {activity!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
            )
        tried = (region, *self.regions.ancestors(region), "") if region else ("",)
        for used in tried:
            candidates = [f for f in rows if f.region == used]
            if candidates:
                break
        else:
            regions = sorted({f.region for f in rows})
            where = f"region {region!r}" if region else "an empty region"
            looked = (" (nor in " + ", ".join(tried[1:-1]) + ")") if len(tried) > 2 else ""
            raise FactorNotFound(
                f"no emission factor for {activity!r} in {where}{looked}; factors exist for: "
                + ", ".join(r or "any region" for r in regions)
            )
        fallback = used != region
        candidates = self.preferred(candidates)
        not_after = [f for f in candidates if f.year <= year]
        if not_after:
            return Resolution(max(not_after, key=lambda f: f.year), fallback, None, used)
        earliest = min(candidates, key=lambda f: f.year)
        return Resolution(
            earliest,
            fallback,
            f"{activity} ({region or 'any region'}): no factor vintage for {year} or earlier; "
            f"used the earliest, {earliest.year} ({earliest.origin})",
            used,
        )


def merge(*layers: Iterable[Factor]) -> list[Factor]:
    """Later layers override earlier ones row by row (same key, region and year)."""
    merged: dict[tuple[str, str, int], Factor] = {}
    for layer in layers:
        for f in layer:
            merged[f.ident] = f
    return list(merged.values())


def build_table(
    factors: Iterable[Factor], coefficients: dict[str, Coefficient] | None = None
) -> FactorTable:
    """Index factors by key, adding the factors derived from them (see derived.py)."""
    from carbon.factors.derived import derive_all

    base = list(factors)
    derived = derive_all(base, coefficients if coefficients is not None else load_coefficients())
    index: dict[str, list[Factor]] = defaultdict(list)
    for f in merge(derived, base):  # a user row may override a derived one
        index[f.activity].append(f)
    return FactorTable(
        {k: tuple(sorted(v, key=lambda f: (f.region, f.year))) for k, v in index.items()}
    )


# An emission factor's value (and each part of it) is at most this, in its own unit: no published
# factor comes near, and a figure beyond is a typing error whose conversions overflow to infinity.
MAX_FACTOR = 1e12


# The cached form of a built table (carbon.factors.service): each factor as the list of its
# fields in this order, per key in the table's own key order, with the region hierarchy.
FACTOR_FIELDS = tuple(f.name for f in fields(Factor))


def table_json(table: FactorTable) -> str:
    """`table` (without its --prefer-source choice) as JSON text; `table_from_json` reads it back.
    Floats are written with repr, so every value reads back exactly."""
    return json.dumps(
        {
            "fields": FACTOR_FIELDS,
            "by_key": {
                k: [[getattr(f, n) for n in FACTOR_FIELDS] for f in rows]
                for k, rows in table.by_key.items()
            },
            "parents": table.regions.parents,
            "names": table.regions.names,
        },
        allow_nan=False,
        separators=(",", ":"),
    )


def table_from_json(text: str) -> FactorTable:
    """The table `table_json` wrote. Raises ValueError when `text` is not one (another layout of
    the factor record, or damaged text)."""
    try:
        data = json.loads(text)
        if tuple(data["fields"]) != FACTOR_FIELDS:
            raise ValueError("the cached factor table has another layout")
        by_key = {k: tuple(Factor(*row) for row in rows) for k, rows in data["by_key"].items()}
        return FactorTable(by_key, RegionTree(dict(data["parents"]), dict(data["names"])))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a cached factor table: {exc}") from None
