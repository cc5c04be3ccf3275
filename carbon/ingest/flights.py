"""Flights by airport code (a booking tool's export) -> business-travel activity rows (pure).

Per flight (docs/travel.md):
    distance      = great-circle distance between the airports (haversine, Earth radius 6,371 km)
    passenger-km  = distance x 1.08 (DESNZ's uplift for indirect routes and holding) x passengers
                    x (2 when `return` is yes)
    factor key    = travel.flight.<band>.<class>[.rf], with DESNZ's bands: `domestic` (both airports
                    in the UK), `short_haul` / `long_haul` (to or from the UK, split at a great-circle
                    distance of 3,700 km), `international` (neither airport in the UK); with
                    `[flights] non_uk_bands = "distance"` (config) a flight neither starting nor
                    ending in the UK is `short_haul` / `long_haul` by the same 3,700 km split.
A class the band does not publish falls back to the nearest published cabin (premium economy ->
economy, first -> business, then average); the import names each fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from carbon.core.suggest import did_you_mean
from carbon.factors.airports import Airports, haversine_km
from carbon.factors.tables import FactorTable
from carbon.ingest.problems import ProblemLog

REQUIRED = ("date", "team", "origin", "destination", "class")
OPTIONAL = ("return", "passengers", "rf")
# How validate_chunk's column names map back to the flight file's.
ALIASES = {"activity": "class", "quantity": "origin", "unit": "class"}

CLASSES = ("average", "economy", "premium_economy", "business", "first")
UPLIFT = 0.08  # DESNZ: +8 % on the great-circle distance for indirect routes and delays
HAUL_SPLIT_KM = 3700.0  # DESNZ: short-haul to/from the UK up to 3,700 km, long-haul beyond
UK = "GB"
DEFAULT_RF = True  # with radiative forcing unless the row says rf=no (docs/travel.md)
MAX_PASSENGERS = 1000
# The nearest published cabin when a band lacks the class asked for, in order.
FALLBACK = {
    "premium_economy": ("economy", "average"),
    "first": ("business", "average"),
    "business": ("average",),
    "economy": ("average",),
    "average": (),
}


@dataclass(frozen=True)
class Leg:
    """One flight row as booked: what the ledger entry of its line was computed from."""

    line: int
    origin: str
    destination: str
    distance_km: float  # great-circle, before the uplift
    band: str
    cabin: str  # the class asked for
    cabin_used: str  # the class of the factor used (a fallback when the band does not publish it)
    passengers: int
    round_trip: bool
    rf: bool
    passenger_km: float


def band_of(
    origin_country: str, destination_country: str, distance_km: float, non_uk: str = "desnz"
) -> str:
    """The band of a flight: DESNZ's, or for a flight outside the UK with `non_uk` "distance",
    short- or long-haul by its great-circle distance."""
    uk = (origin_country == UK) + (destination_country == UK)
    if uk == 2:
        return "domestic"
    if uk == 1 or non_uk == "distance":
        return "short_haul" if distance_km < HAUL_SPLIT_KM else "long_haul"
    return "international"


def _yes_no(
    f: pd.DataFrame, col: str, default: bool, lines: np.ndarray, log: ProblemLog
) -> np.ndarray:
    if col not in f.columns:
        return np.full(len(f), default, dtype=bool)
    text = f[col].str.lower().to_numpy(dtype=object)
    bad = ~np.isin(text, ["yes", "no", ""])
    log.add(
        lines[bad],
        col,
        f[col].to_numpy(dtype=object)[bad],
        f"expected yes or no (empty: {'yes' if default else 'no'})",
    )
    return np.where(text == "", default, text == "yes")


def _airport_problem(code: str, airports: Airports) -> str:
    if code in airports.cities:
        city, codes = airports.cities[code]
        listed = ", ".join(f"{c} ({airports.by_code[c].name})" for c in codes)
        return f"{code} is the city code of {city}, not an airport; expected one of its airports: {listed}"
    if not code:
        return "expected the IATA code of an airport, e.g. CDG"
    hints = near_codes(code, airports)
    listed = " or ".join(f"{c} ({airports.by_code[c].name})" for c in hints)
    return (
        f"unknown IATA airport code {code!r}"
        + (f" (did you mean {listed}?)" if hints else "")
        + "; expected a 3-letter IATA airport code"
    )


def near_codes(code: str, airports: Airports, most: int = 5) -> list[str]:
    """Airport codes one slip away from `code`: two letters swapped first (JKF -> JFK), then one
    letter wrong, the last letter first (LHX -> LHA, LHE, LHR, ...); at most `most`."""
    if len(code) != 3 or not code.isalpha():
        hint = did_you_mean(code, airports.by_code)
        return [hint] if hint else []
    swapped = [code[:i] + code[i + 1] + code[i] + code[i + 2 :] for i in range(2)]
    found = [c for c in swapped if c in airports.by_code and c != code]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i in (2, 1, 0):  # the last letter wrong first: codes share their first letters more often
        found += [
            c
            for x in letters
            if (c := code[:i] + x + code[i + 1 :]) != code
            and c in airports.by_code
            and c not in found
        ]
    return found[:most]


def _cabin(table: FactorTable, band: str, cabin: str, rf: bool) -> str | None:
    for c in (cabin, *FALLBACK[cabin]):
        if f"travel.flight.{band}.{c}" + (".rf" if rf else "") in table.by_key:
            return c
    return None


def expand(
    frame: pd.DataFrame,
    lines: np.ndarray,
    airports: Airports,
    table: FactorTable,
    log: ProblemLog,
    non_uk_bands: str = "desnz",
) -> tuple[pd.DataFrame, np.ndarray, list[Leg], list[str]]:
    """Flight rows -> activity rows (date, team, activity, quantity, unit, region), one per flight.

    Returns the activity frame, the flight file's line of each row, each row's Leg and the notes
    (class fallbacks, flights banded by distance). Problems of the flight columns go to `log`; date and team are checked by
    the activity validation.
    """
    f = frame.apply(lambda s: s.str.strip()) if len(frame) else frame
    n = len(f)
    ok = np.ones(n, dtype=bool)
    ends = {}
    for col in ("origin", "destination"):
        codes = f[col].str.upper().to_numpy(dtype=object) if n else np.array([], dtype=object)
        known = np.array([c in airports.by_code for c in codes], dtype=bool)
        for code in pd.unique(codes[~known]):
            at = codes == code
            log.add(
                lines[at], col, f[col].to_numpy(dtype=object)[at], _airport_problem(code, airports)
            )
        ok &= known
        ends[col] = codes
    same = ok & (ends["origin"] == ends["destination"])
    log.add(
        lines[same],
        "destination",
        f["destination"].to_numpy(dtype=object)[same],
        "expected another airport than the origin",
    )
    ok &= ~same
    cabin = f["class"].str.lower().to_numpy(dtype=object) if n else np.array([], dtype=object)
    bad = ~np.isin(cabin, CLASSES)
    for c in pd.unique(cabin[bad]):
        hint = did_you_mean(c, CLASSES)
        at = bad & (cabin == c)
        log.add(
            lines[at],
            "class",
            f["class"].to_numpy(dtype=object)[at],
            "expected one of "
            + ", ".join(CLASSES)
            + (f" (did you mean {hint!r}?)" if hint else ""),
        )
    ok &= ~bad
    round_trip = _yes_no(f, "return", False, lines, log)
    rf = _yes_no(f, "rf", DEFAULT_RF, lines, log)
    text = f["passengers"] if "passengers" in f.columns else pd.Series([""] * n, dtype=object)
    passengers = pd.to_numeric(text.replace("", "1"), errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):  # inf % 1 is nan: refused below, never a warning
        bad = (
            ~np.isfinite(passengers)
            | (passengers < 1)
            | (passengers > MAX_PASSENGERS)
            | (passengers % 1 != 0)
            # a count is written in digits: "1e2" or "2.0" is a spreadsheet's artefact, not a count
            | ~text.astype(str).str.fullmatch(r"\s*(\d+)?\s*").to_numpy(dtype=bool)
        )
    log.add(
        lines[bad],
        "passengers",
        text.to_numpy(dtype=object)[bad],
        f"expected a whole number of passengers, 1 to {MAX_PASSENGERS} (empty: 1)",
    )
    ok &= ~bad

    legs: list[Leg] = []
    keys, quantities, keep = [], [], []
    fallbacks: dict[tuple[str, str, str], int] = {}
    by_distance = 0
    for i in np.flatnonzero(ok):
        a, b = airports.by_code[ends["origin"][i]], airports.by_code[ends["destination"][i]]
        km = haversine_km(a, b)
        band = band_of(a.country, b.country, km, non_uk_bands)
        if non_uk_bands == "distance" and UK not in (a.country, b.country):
            by_distance += 1
        used = _cabin(table, band, cabin[i], bool(rf[i]))
        if used is None:
            log.add(
                lines[[i]],
                "class",
                [f["class"].iloc[i]],
                f"no factor travel.flight.{band}.{cabin[i]}{'.rf' if rf[i] else ''} nor a fallback class",
            )
            continue
        if used != cabin[i]:
            fallbacks[(band, cabin[i], used)] = fallbacks.get((band, cabin[i], used), 0) + 1
        pkm = km * (1 + UPLIFT) * passengers[i] * (2 if round_trip[i] else 1)
        legs.append(
            Leg(
                int(lines[i]),
                a.iata,
                b.iata,
                km,
                band,
                str(cabin[i]),
                used,
                int(passengers[i]),
                bool(round_trip[i]),
                bool(rf[i]),
                pkm,
            )
        )
        keys.append(f"travel.flight.{band}.{used}" + (".rf" if rf[i] else ""))
        quantities.append(repr(float(pkm)))
        keep.append(i)
    if log.count:
        # The file is refused: the rows refused here still go through the date and team checks
        # (under a placeholder activity), so one listing names every problem.
        kept = set(keep)
        refused = [i for i in range(n) if i not in kept]
        keys += ["travel.flight.international.average"] * len(refused)
        quantities += ["0"] * len(refused)
        keep += refused
    idx = np.array(keep, dtype=np.int64)
    out = pd.DataFrame(
        {
            "date": f["date"].to_numpy(dtype=object)[idx] if n else np.array([], dtype=object),
            "team": f["team"].to_numpy(dtype=object)[idx] if n else np.array([], dtype=object),
            "activity": np.array(keys, dtype=object),
            "quantity": np.array(quantities, dtype=object),
            "unit": "passenger_km",
            "region": "",
            "end": "",
            "note": "",
        }
    )
    notes = [
        f"{band.replace('_', '-')} flights: DESNZ publishes no '{asked}' factor for this band; "
        f"{n_rows:,} row(s) used '{used}' (the nearest published class)"
        for (band, asked, used), n_rows in sorted(fallbacks.items())
    ]
    if by_distance:
        notes.append(
            f"{by_distance:,} flight(s) neither starting nor ending in the UK banded by distance "
            f"(short-haul under {HAUL_SPLIT_KM:,.0f} km, long-haul beyond: [flights] non_uk_bands = "
            '"distance"), not DESNZ\'s international band'
        )
    return out.astype(object), lines[idx] if n else lines, legs, notes
