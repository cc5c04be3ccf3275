"""Scenario files (TOML): what-if levers, validated into frozen records.

    year = 2026
    name = "bike and lower resolution"
    [[lever]]
    kind = "shift"              # move a share of one activity's quantity to another activity
    from = "commute.car.*"      # an activity key, or a pattern (* matches within the key)
    to = "commute.bike"
    share = 0.5                 # 0..1
    start = "2026-07"           # first month affected
    teams = ["Sales"]           # optional; default: every team
    regions = ["FR"]            # optional: only entries whose factor is of these regions
    [[lever]]
    kind = "scale"              # multiply an activity's (or a category's) quantity
    activity = "web.transfer"   # or: category = "streaming"
    by = 0.7                    # >= 0
    start = "2026-01"

Every problem is listed with its line and key; the file is refused as a whole.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from carbon.budgets.file import decode
from carbon.core.calendar import parse_month
from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, Problem, toml_syntax_problem
from carbon.factors.tables import REGION_RE

TOP_KEYS = ("year", "name", "lever")
KINDS = ("shift", "scale")
LEVER_KEYS = {
    "shift": ("kind", "from", "to", "share", "start", "teams", "regions"),
    "scale": ("kind", "activity", "category", "by", "start", "teams", "regions"),
}
PATTERN_RE = re.compile(r"^[a-z0-9_*]+(\.[a-z0-9_*]+)*$")


@dataclass(frozen=True)
class Lever:
    """One lever. `kind` "shift": `share` of `source`'s quantity moves to `target`;
    "scale": the quantity of `source` (an activity pattern) or of `category` is
    multiplied by `factor`. From month `start` on, for `teams` (empty: every team)."""

    kind: str
    start: str
    source: str = ""  # shift: from; scale: activity (a key or a pattern with *)
    target: str = ""  # shift: to
    share: float = 0.0
    category: str = ""
    factor: float = 1.0
    teams: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    line: int | None = None  # of its [[lever]] header
    key_lines: tuple[tuple[str, int], ...] = ()

    def line_of(self, key: str) -> int | None:
        """The line where `key` is written in the lever, else the lever's header line."""
        return dict(self.key_lines).get(key, self.line)

    def describe(self) -> str:
        who = f" ({', '.join(self.teams)})" if self.teams else ""
        if self.regions:
            who += f" in {', '.join(self.regions)}"
        if self.kind == "shift":
            return (
                f"shift {self.share:.0%} of {self.source} to {self.target} from {self.start}{who}"
            )
        what = self.source or f"category {self.category}"
        return f"scale {what} by {self.factor:g} from {self.start}{who}"


@dataclass(frozen=True)
class Scenario:
    year: int
    name: str
    levers: tuple[Lever, ...]
    source: str = ""
    sha256: str = ""  # of the file's bytes (`read`); "" for text parsed without a file


def _lever_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each [[lever]] block: its header line and the line of each key in it."""
    out: list[tuple[int, dict[str, int]]] = []
    current: dict[str, int] | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        s = raw.split("#", 1)[0].strip()
        if s == "[[lever]]":
            current = {}
            out.append((no, current))
        elif s.startswith("["):
            current = None  # another table: its keys are not a lever's
        elif current is not None and "=" in s:
            current.setdefault(s.split("=", 1)[0].strip().strip('"'), no)
    return out


def parse(
    text: str,
    name: str,
    known_teams: Collection[str] | None,
    renamed: Mapping[str, tuple[str, str]] | None = None,
) -> Scenario:
    """Validate a scenario file's text. Raises InputError listing every problem (line and key).

    `known_teams` None: the levers' team names are not checked here (a config file is read
    before the database is open); `check_teams` checks them later."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name}: not valid TOML", [toml_syntax_problem(name, exc)]) from None
    top_lines = {}
    for no, raw in enumerate(text.splitlines(), start=1):
        if "=" in raw and not raw.startswith((" ", "\t", "#")):
            top_lines.setdefault(raw.split("=", 1)[0].strip(), no)
    blocks = _lever_lines(text)
    problems: list[Problem] = []

    def bad(line, key, value, message) -> None:
        problems.append(
            Problem(name, line, key, None if value is None else str(value), message, key=True)
        )

    for key in doc:
        if key not in TOP_KEYS:
            hint = did_you_mean(key, TOP_KEYS)
            bad(
                top_lines.get(key),
                key,
                None,
                f"unknown key{f' (did you mean {hint!r}?)' if hint else ''}; "
                f"expected {', '.join(TOP_KEYS)}",
            )
    year = doc.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
        bad(top_lines.get("year"), "year", year, "expected the scenario's year, e.g. year = 2026")
        year = None
    title = doc.get("name", "")
    if not isinstance(title, str):
        bad(top_lines.get("name"), "name", title, "expected a text")
        title = ""
    raw_levers = doc.get("lever", [])
    if not isinstance(raw_levers, list) or not raw_levers:
        bad(None, "lever", None, "expected at least one [[lever]] table")
        raw_levers = []
    levers = []
    for i, lv in enumerate(raw_levers):
        head, key_lines = blocks[i] if i < len(blocks) else (None, {})
        before = len(problems)

        def lbad(key, value, message, _kl=key_lines, _h=head) -> None:
            bad(_kl.get(key, _h), f"lever.{key}", value, message)

        kind = lv.get("kind")
        if kind not in KINDS:
            lbad("kind", kind, 'expected kind = "shift" or "scale"')
            continue
        for k in lv:
            if k not in LEVER_KEYS[kind]:
                hint = did_you_mean(k, LEVER_KEYS[kind])
                lbad(
                    k,
                    None,
                    f"unknown key for a {kind} lever{f' (did you mean {hint!r}?)' if hint else ''}; "
                    f"expected {', '.join(LEVER_KEYS[kind])}",
                )
        start = lv.get("start")
        try:
            y, _m = parse_month(start if isinstance(start, str) else "")
            if year is not None and y != year:
                lbad("start", start, f"expected a month of the scenario's year {year}")
        except ValueError:
            lbad("start", start, 'expected the first month affected, as "YYYY-MM"')
        teams = lv.get("teams", [])
        if not isinstance(teams, list) or not all(isinstance(t, str) for t in teams):
            lbad("teams", teams, 'expected a list of team names, e.g. teams = ["Sales"]')
            teams = []
        regions = lv.get("regions", [])
        if not isinstance(regions, list) or not all(
            isinstance(r, str) and REGION_RE.match(r) for r in regions
        ):
            lbad("regions", regions, 'expected a list of regions, e.g. regions = ["FR"]')
            regions = []
        if known_teams is not None:
            problems += _team_problems(
                teams, known_teams, name, key_lines.get("teams", head), renamed
            )

        def pattern(key: str, required: bool) -> str:
            v = lv.get(key, "")  # noqa: B023  called in this iteration only
            if not isinstance(v, str) or (v and not PATTERN_RE.match(v)) or (required and not v):
                lbad(
                    key,
                    v,
                    "expected an activity key such as commute.car.petrol (* matches any part)",
                )
                return ""
            return v

        def number(key: str, lo: float, hi: float | None) -> float:
            v = lv.get(key)  # noqa: B023  called in this iteration only
            ok = (
                isinstance(v, (int, float))
                and not isinstance(v, bool)
                and math.isfinite(v)
                and v >= lo
                and (hi is None or v <= hi)
            )
            if not ok:
                lbad(
                    key,
                    v,
                    f"expected a number from {lo:g} to {hi:g}"
                    if hi is not None
                    else f"expected a number >= {lo:g}",
                )
                return 0.0
            return float(v)

        if kind == "shift":
            src, dst = pattern("from", True), pattern("to", True)
            if dst and "*" in dst:
                lbad("to", dst, "expected one activity key (no *)")
            share = number("share", 0.0, 1.0)
            lever = Lever(
                "shift",
                start if isinstance(start, str) else "",
                source=src,
                target=dst,
                share=share,
                teams=tuple(teams),
                regions=tuple(regions),
                line=head,
                key_lines=tuple(key_lines.items()),
            )
        else:
            src, cat = pattern("activity", False), lv.get("category", "")
            if not isinstance(cat, str) or (cat and not re.fullmatch(r"[a-z][a-z0-9_]*", cat)):
                lbad("category", cat, "expected a category such as streaming")
                cat = ""
            if bool(src) == bool(cat):
                lbad("activity", None, 'expected either activity = "KEY" or category = "NAME"')
            by = number("by", 0.0, None)
            lever = Lever(
                "scale",
                start if isinstance(start, str) else "",
                source=src,
                category=cat,
                factor=by,
                teams=tuple(teams),
                regions=tuple(regions),
                line=head,
                key_lines=tuple(key_lines.items()),
            )
        if len(problems) == before:
            levers.append(lever)
    if problems:
        raise InputError(f"{name}: scenario refused", problems)
    return Scenario(int(year), title or name, tuple(levers), name)


def _team_problems(
    teams,
    known_teams: Collection[str],
    name: str,
    line: int | None,
    renamed: Mapping[str, tuple[str, str]] | None = None,
) -> list[Problem]:
    renamed = renamed or {}
    out = []
    for t in teams:
        if t in known_teams:
            continue
        if t in renamed:
            now, day = renamed[t]
            message = f"team {t!r} was renamed {now!r} on {day}; use {now!r}"
        else:
            hint = did_you_mean(t, known_teams)
            message = f"unknown team {t!r}{f' (did you mean {hint!r}?)' if hint else ''}"
        out.append(Problem(name, line, "lever.teams", t, message, key=True))
    return out


def check_teams(
    scenario: Scenario,
    known_teams: Collection[str],
    renamed: Mapping[str, tuple[str, str]] | None = None,
) -> None:
    """Refuse a scenario whose levers name a team not in `known_teams` (InputError, line and key).

    `renamed` ({former name: (current name, day of the rename)}, carbon.store.team_history.renames):
    a lever naming a team's former name is refused with its new name (a lever's figures are the
    team's under its current name; the file must say which)."""
    problems = [
        p
        for lv in scenario.levers
        for p in _team_problems(
            lv.teams, known_teams, scenario.source, lv.line_of("teams"), renamed
        )
    ]
    if problems:
        raise InputError(f"{scenario.source}: scenario refused", problems)


def read(
    path: Path | str,
    known_teams: Collection[str] | None,
    renamed: Mapping[str, tuple[str, str]] | None = None,
) -> Scenario:
    """Read and validate a scenario file (`renamed`: see `check_teams`)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    scenario = parse(decode(data, str(path)), str(path), known_teams, renamed)
    return replace(scenario, sha256=hashlib.sha256(data).hexdigest())
