"""Video-analytics exports -> activity rows, through a mapping file (TOML), pure.

Platforms export viewing in different layouts; a mapping names the columns:

    [columns]
    date = "Date"                 # required: YYYY-MM-DD, YYYY-MM, or as [date] format says
    minutes = "Minutes watched"   # exactly one of hours, minutes, seconds, milliseconds
    resolution = "Quality"        # or bitrate = "Avg bitrate (kbps)"
    country = "Country"           # optional: the region (ISO code, or mapped in [countries])
    device = "Device"             # optional: kept in the entry's note
    team = "Team"                 # optional: else [teams] rules and default
    [date]
    format = "%d/%m/%Y"           # optional (Python strptime)
    [resolution]                  # the column's values -> sd | hd | uhd
    "1080p" = "hd"
    [bitrate]                     # with a bitrate column: from which value it is hd, uhd
    hd_from = 2500
    uhd_from = 8000
    [countries]                   # optional: names -> ISO codes
    France = "FR"
    [teams]
    default = "Video"
    [[teams.rule]]                # first match wins: column equals / contains (case-insensitive)
    column = "Folder"
    contains = "mentoring"
    team = "Mentoring"

Each row becomes an activity `streaming.video.<resolution>` with its hours (in the
unit of the mapped column) and region.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.budgets.file import decode
from carbon.errors import InputError, Problem
from carbon.factors.regions import REGION_RE
from carbon.ingest import checks
from carbon.ingest.problems import ProblemLog

DURATIONS = {
    "hours": "hour",
    "minutes": "minute",
    "seconds": "second",
    "milliseconds": "millisecond",
}
COLUMN_KEYS = ("date", *DURATIONS, "resolution", "bitrate", "country", "device", "team")
TOP_KEYS = ("columns", "date", "resolution", "bitrate", "countries", "teams")
RESOLUTIONS = ("sd", "hd", "uhd")
_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


@dataclass(frozen=True)
class TeamRule:
    column: str
    team: str
    equals: str = ""
    contains: str = ""


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]  # carbon's name -> the export's column
    duration: str  # "hours" | "minutes" | ...
    date_format: str = ""
    resolution: dict[str, str] | None = None
    hd_from: float | None = None
    uhd_from: float | None = None
    countries: dict[str, str] | None = None
    default_team: str = ""
    rules: tuple[TeamRule, ...] = ()
    source: str = ""

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.columns.values(), *(r.column for r in self.rules)]))


def parse(text: str, name: str) -> Mapping:
    """Validate a mapping file's text. Raises InputError listing every problem (with the key)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _POS_RE.search(str(exc))
        raise InputError(
            f"{name}: not valid TOML",
            [
                Problem(
                    name,
                    int(m.group(1)) if m else None,
                    None,
                    None,
                    f"TOML syntax error: {_POS_RE.sub('', str(exc))}",
                )
            ],
        ) from None
    problems: list[Problem] = []

    def bad(key: str, value, msg: str) -> None:
        problems.append(
            Problem(name, None, key, None if value is None else str(value), msg, key=True)
        )

    for k in doc:
        if k not in TOP_KEYS:
            bad(k, None, f"unknown table; expected {', '.join(TOP_KEYS)}")
    cols = doc.get("columns", {})
    if not isinstance(cols, dict):
        cols = {}
    for k, v in cols.items():
        if k not in COLUMN_KEYS:
            bad(f"columns.{k}", None, f"unknown key; expected {', '.join(COLUMN_KEYS)}")
        elif not isinstance(v, str) or not v:
            bad(f"columns.{k}", v, "expected the export's column name")
    cols = {k: v for k, v in cols.items() if k in COLUMN_KEYS and isinstance(v, str) and v}
    if "date" not in cols:
        bad("columns.date", None, "required: the column holding the day (or month) watched")
    given = [k for k in DURATIONS if k in cols]
    if len(given) != 1:
        bad("columns.hours", None, "expected exactly one of hours, minutes, seconds, milliseconds")
    if ("resolution" in cols) == ("bitrate" in cols):
        bad("columns.resolution", None, "expected exactly one of resolution, bitrate")
    res_map = doc.get("resolution", {})
    if not isinstance(res_map, dict) or any(v not in RESOLUTIONS for v in res_map.values()):
        bad("resolution", None, 'expected values sd, hd or uhd, e.g. "1080p" = "hd"')
        res_map = {}
    bitrate = doc.get("bitrate", {})
    hd_from = bitrate.get("hd_from") if isinstance(bitrate, dict) else None
    uhd_from = bitrate.get("uhd_from") if isinstance(bitrate, dict) else None
    if "bitrate" in cols and not (
        isinstance(hd_from, (int, float))
        and isinstance(uhd_from, (int, float))
        and 0 < hd_from < uhd_from
    ):
        bad(
            "bitrate",
            None,
            "expected hd_from and uhd_from, numbers with 0 < hd_from < uhd_from, in the "
            "bitrate column's unit",
        )
    date = doc.get("date", {})
    fmt = date.get("format", "") if isinstance(date, dict) else ""
    if not isinstance(fmt, str) or (fmt and "%" not in fmt):
        bad("date.format", fmt, 'expected a strptime format such as "%d/%m/%Y"')
        fmt = ""
    countries = doc.get("countries", {})
    if not isinstance(countries, dict) or not all(isinstance(v, str) for v in countries.values()):
        bad("countries", None, 'expected names -> ISO codes, e.g. France = "FR"')
        countries = {}
    teams = doc.get("teams", {})
    if not isinstance(teams, dict):
        bad("teams", None, "expected a table with default and [[teams.rule]]")
        teams = {}
    rules = []
    for i, r in enumerate(teams.get("rule", [])):
        ok = (
            isinstance(r, dict)
            and isinstance(r.get("column"), str)
            and isinstance(r.get("team"), str)
            and (isinstance(r.get("equals"), str) != isinstance(r.get("contains"), str))
        )
        if not ok:
            bad(f"teams.rule[{i + 1}]", None, "expected column, team and one of equals, contains")
            continue
        rules.append(TeamRule(r["column"], r["team"], r.get("equals", ""), r.get("contains", "")))
    default = teams.get("default", "")
    if "team" not in cols and not default and not rules:
        bad("teams.default", None, "expected a team column, [teams] default, or [[teams.rule]]")
    if problems:
        raise InputError(f"{name}: mapping refused", problems)
    return Mapping(
        cols,
        given[0],
        fmt,
        {str(k): v for k, v in res_map.items()},
        hd_from,
        uhd_from,
        {str(k): v for k, v in countries.items()},
        str(default),
        tuple(rules),
        name,
    )


def read(path: Path | str) -> tuple[Mapping, str]:
    """A mapping file and its text (its content is part of an import's identity)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the mapping ({exc.strerror})") from None
    text = decode(data, str(path))
    return parse(text, str(path)), text


def check_header(m: Mapping, file: str, columns: tuple[str, ...]) -> None:
    """Refuse an export without a column the mapping names (other columns are ignored)."""
    missing = [c for c in m.required_columns if c not in columns]
    if missing:
        raise InputError(
            f"{file}: the columns the mapping {m.source} names are not all there",
            [
                Problem(file, 1, c, None, f"column missing (the export has: {', '.join(columns)})")
                for c in missing
            ],
        )


def to_activities(
    m: Mapping, frame: pd.DataFrame, lines: np.ndarray, log: ProblemLog
) -> tuple[pd.DataFrame, np.ndarray]:
    """The export's rows as activity rows (date, team, activity, quantity, unit, region, note),
    and which rows converted.

    Problems of the mapping's own columns (date, resolution, bitrate, team rules)
    go to `log` under the export's column names (those rows are left out: the
    import is refused anyway); the rest is checked by the activity rules.
    """
    ok = np.ones(len(frame), dtype=bool)
    c = m.columns
    n = len(frame)

    def col(key: str) -> np.ndarray:
        return (
            frame[c[key]].astype(str).str.strip().to_numpy(dtype=object)
            if key in c
            else np.full(n, "", object)
        )

    raw_date = col("date")
    if m.date_format:
        parsed = checks.parse_with_format(raw_date, m.date_format)
        bad = parsed.isna().to_numpy()
        log.add(
            lines[bad],
            c["date"],
            raw_date[bad],
            f"expected a date as {m.date_format!r} (the mapping's [date] format)",
        )
        date = np.where(bad, "", parsed.dt.strftime("%Y-%m-%d").to_numpy(dtype=object))
        ok &= ~bad
    else:
        date = raw_date  # YYYY-MM-DD or YYYY-MM, checked by the activity rules
    if "resolution" in c:
        raw = col("resolution")
        lookup = {
            **{r: r for r in RESOLUTIONS},
            **{k.lower(): v for k, v in (m.resolution or {}).items()},
        }
        res = np.array([lookup.get(str(v).lower(), "") for v in raw], dtype=object)
        bad = res == ""
        log.add(
            lines[bad],
            c["resolution"],
            raw[bad],
            f"unknown resolution: map it to sd, hd or uhd in [resolution] of {m.source}",
        )
        ok &= ~bad
    else:
        raw = col("bitrate")
        rate = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(rate) | (rate < 0)
        log.add(lines[bad], c["bitrate"], raw[bad], "expected a bitrate, a number >= 0")
        ok &= ~bad
        res = np.where(rate >= m.uhd_from, "uhd", np.where(rate >= m.hd_from, "hd", "sd")).astype(
            object
        )
    country = col("country")
    if m.countries:
        # A name the mapping does not list (and not a code itself): the cause is the mapping, say so.
        unmapped = np.array(
            [v != "" and v not in m.countries and not REGION_RE.match(v) for v in country],
            dtype=bool,
        )
        known = ", ".join(sorted(m.countries))
        log.add(
            lines[unmapped],
            c["country"],
            country[unmapped],
            f"not in [countries] of {m.source} ({known}): add it there with its ISO 3166 code",
        )
        country = np.array([m.countries.get(v, v) for v in country], dtype=object)
        country[unmapped] = ""  # reported above, not again as a malformed region
    team = col("team")
    if "team" not in c:
        team = np.full(n, m.default_team, dtype=object)
        decided = np.zeros(n, dtype=bool)
        for r in m.rules:
            vals = frame[r.column].astype(str).str.strip().str.lower()
            hit = (
                (vals == r.equals.lower())
                if r.equals
                else vals.str.contains(r.contains.lower(), regex=False)
            )
            hit = hit.to_numpy(dtype=bool) & ~decided
            team[hit] = r.team
            decided |= hit
        none = team == ""
        log.add(
            lines[none],
            m.rules[0].column if m.rules else None,
            None,
            "no [[teams.rule]] matches this row and the mapping has no [teams] default",
        )
        ok &= ~none
    device = col("device")
    out = pd.DataFrame(
        {
            "date": date,
            "team": team,
            "activity": np.char.add("streaming.video.", res.astype(str)).astype(object),
            "quantity": frame[c[m.duration]].to_numpy(dtype=object),
            "unit": DURATIONS[m.duration],
            "region": country,
            "note": np.where(device != "", "device: " + device.astype(str), ""),
        }
    )
    return out, ok


def aliases(m: Mapping) -> dict[str, str]:
    """Activity columns -> the export's column names, for messages."""
    a = {"date": m.columns["date"], "quantity": m.columns[m.duration]}
    for key, activity_col in (
        ("country", "region"),
        ("team", "team"),
        ("resolution", "activity"),
        ("bitrate", "activity"),
    ):
        if key in m.columns:
            a[activity_col] = m.columns[key]
    return a
