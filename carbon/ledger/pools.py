"""Shared-cost pools (`--allocation ALLOC.toml`): a site's costs split over teams by a key.

    [pool.Office]
    key = "headcount"          # a team metric (carbon import metrics), per month
    [pool.Warehouse]
    shares = { Platform = 0.5, Video = 0.3, Sales = 0.2 }

A row whose `team` is a pool is split into one row per team: quantity (and kg) x the team's share
of the key in the row's month. A key's share is the team's value / the sum of the teams' values
that month (company-level values, without a team, do not count). A month without values of the
key is refused, naming the month (never an even split); fixed shares must add up to 1.

Parser and rules: reading and checking the file, computing shares (pure), splitting frames.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from carbon.core.lazy import lazy
from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, Problem, toml_syntax_problem
from carbon.model import renamed_team, retired_by

np = lazy("numpy")
pd = lazy("pandas")

SUM_TOLERANCE = 1e-6  # fixed shares add up to 1 within this (written with a few decimals)
SHARES = "shares"  # the key name recorded for fixed shares


@dataclass(frozen=True)
class Pool:
    name: str
    key: str  # the metric name, or "shares"
    shares: Mapping[str, float] | None = None  # fixed shares; None: by the metric `key`


@dataclass(frozen=True)
class Allocation:
    file: str
    pools: Mapping[str, Pool]
    # {team: first month without it} of the retired teams: no share from that month on.
    retired: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return ", ".join(f"{p.name} by {p.key}" for p in self.pools.values())


def _line_of(text: str, pool: str) -> int | None:
    pat = re.compile(r"^\s*\[\s*pool\s*\.\s*\"?" + re.escape(pool) + r"\"?\s*\]")
    for n, line in enumerate(text.splitlines(), start=1):
        if pat.match(line):
            return n
    return None


def read(
    path: Path | str,
    declared_teams: Iterable[str],
    display: str | None = None,
    *,
    taken: Callable[[str], str | None] | None = None,
    retired: Mapping[str, str] | None = None,
    renamed: Mapping[str, str] | None = None,
) -> Allocation:
    """Read and check an allocation file; refuse it whole, naming each problem's pool and line.

    `taken(name)` says why a pool may not have that name beyond being a declared team (a former
    name of a team, a case variant: carbon.store.team_history.name_taken); `retired` maps the
    retired teams to their first month without them (no share from that month on); `renamed`
    ({former name: current name}) names the new name of a team a share calls by its old one."""
    name = display or str(path)
    teams = set(declared_teams)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file (the --allocation file)") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name}: not valid TOML", [toml_syntax_problem(name, exc)]) from None
    problems: list[Problem] = []

    def bad(pool: str | None, key: str, msg: str) -> None:
        problems.append(
            Problem(name, _line_of(text, pool) if pool else None, key, None, msg, key=True)
        )

    for key in doc:
        if key != "pool":
            bad(None, key, "expected only [pool.NAME] tables")
    raw = doc.get("pool", {})
    if not isinstance(raw, dict) or not raw:
        bad(
            None,
            "pool",
            'expected at least one [pool.NAME] table with key = "METRIC" or shares = {...}',
        )
    pools: dict[str, Pool] = {}
    for pname, spec in raw.items() if isinstance(raw, dict) else ():
        where = f"pool.{pname}"
        why = (
            f"{pname!r} is a declared team"
            if pname in teams
            else (taken(pname) if taken is not None else None)
        )
        if why:
            bad(
                pname,
                where,
                f"{why}; a pool needs a name of its own (rows naming it are split)",
            )
            continue
        if not isinstance(spec, dict):
            bad(
                pname, where, 'expected a table with key = "METRIC" or shares = {TEAM = SHARE, ...}'
            )
            continue
        extra = [k for k in spec if k not in ("key", SHARES)]
        if extra:
            bad(pname, f"{where}.{extra[0]}", "expected only key or shares")
        if ("key" in spec) == (SHARES in spec):
            bad(
                pname,
                where,
                'expected exactly one of key = "METRIC" (a team metric, per month) or '
                "shares = {TEAM = SHARE, ...}",
            )
            continue
        if "key" in spec:
            metric = spec["key"]
            if not isinstance(metric, str) or not metric.strip():
                bad(pname, f"{where}.key", 'expected the name of a team metric, e.g. "headcount"')
                continue
            pools[pname] = Pool(pname, metric.strip())
            continue
        shares = spec[SHARES]
        if not isinstance(shares, dict) or not shares:
            bad(
                pname,
                f"{where}.shares",
                "expected an inline table of team = share, e.g. { Platform = 0.5, Video = 0.5 }",
            )
            continue
        ok = True
        for team, share in shares.items():
            if team not in teams and renamed and team in renamed:
                bad(
                    pname,
                    f"{where}.shares.{team}",
                    renamed_team(team, renamed[team]),
                )
                ok = False
            elif team not in teams:
                close = did_you_mean(team, teams)
                bad(
                    pname,
                    f"{where}.shares.{team}",
                    "unknown team"
                    + (f" (did you mean {close!r}?)" if close else "")
                    + "; declare it with 'carbon teams add'",
                )
                ok = False
            elif (
                isinstance(share, bool)
                or not isinstance(share, (int, float))
                or not math.isfinite(share)
                or share < 0
            ):
                bad(pname, f"{where}.shares.{team}", "expected a share >= 0, e.g. 0.25")
                ok = False
        if ok:
            total = sum(float(s) for s in shares.values())
            if not math.isclose(total, 1.0, abs_tol=SUM_TOLERANCE):
                bad(pname, f"{where}.shares", f"the shares add up to {total:g}; expected 1")
                continue
            # Scaled by their total, as a key's values are: thirds written 0.3333333 (within the
            # tolerance) would otherwise split 1,000,000 kWh into 999,999.9.
            pools[pname] = Pool(pname, SHARES, {t: float(s) / total for t, s in shares.items()})
    if problems:
        raise InputError(f"{name}: allocation refused, nothing was imported", problems)
    return Allocation(name, pools, dict(retired or {}))


def shares(
    allocation: Allocation,
    wanted: Mapping[str, Iterable[str]],
    metric_values: Mapping[tuple[str, str], Mapping[str, float]],
) -> dict[str, dict[str, dict[str, float]]]:
    """{pool: {month: {team: share}}} for the months `wanted` per pool (pure). Raises InputError
    naming each pool and month without values of its key (never an even split)."""
    problems: list[Problem] = []
    out: dict[str, dict[str, dict[str, float]]] = {}
    for pname, months in wanted.items():
        pool = allocation.pools[pname]
        out[pname] = {}
        for month in sorted(set(months)):
            if pool.shares is not None:
                out[pname][month] = dict(pool.shares)
                continue
            values = {
                team: v[month]
                for (metric, team), v in metric_values.items()
                if metric == pool.key and team and month in v
            }
            total = sum(values.values())
            if not values or total <= 0:
                problems.append(
                    Problem(
                        allocation.file,
                        None,
                        f"pool.{pname}.key",
                        pool.key,
                        f"no team values of {pool.key!r} for {month}: pool {pname}'s rows of "
                        f"{month} cannot be split (import the month's {pool.key} per team "
                        "with 'carbon import metrics', or give fixed shares)",
                        key=True,
                    )
                )
                continue
            out[pname][month] = {team: v / total for team, v in sorted(values.items())}
        for month, per in out[pname].items():
            for team, share in sorted(per.items()):
                if share > 0 and retired_by(allocation.retired, team, month):
                    since = allocation.retired[team]
                    given = "its share" if pool.shares is not None else f"its {pool.key} value"
                    problems.append(
                        Problem(
                            allocation.file,
                            None,
                            f"pool.{pname}",
                            team,
                            f"team {team!r} is retired from {since}: pool {pname}'s rows of "
                            f"{month} cannot give it a part ({given} for {month}); a retired "
                            "team has no new emissions",
                            key=True,
                        )
                    )
    if problems:
        raise InputError(f"{allocation.file}: allocation refused, nothing was imported", problems)
    return out


def split_frame(
    rows,
    by_pool: Mapping[str, Mapping[str, Mapping[str, float]]],
    columns: tuple[str, ...] = ("quantity", "co2e_kg"),
):
    """Ledger rows (a DataFrame with `team`, `month` and the `columns` to scale) with each row of a
    pool replaced by one row per team of its month's shares, the columns x the share; teams with a
    share of 0 get no row. Returns (the rows, the allocation rows (team, month, pool, key, share))."""
    team = rows["team"].to_numpy(dtype=object)
    pooled = np.isin(team, list(by_pool))
    if not pooled.any():
        return rows, []
    table = pd.DataFrame(
        [
            (p, m, t, s)
            for p, months in by_pool.items()
            for m, per in months.items()
            for t, s in per.items()
            if s > 0
        ],
        columns=["_pool", "month", "_team", "_share"],
    )
    mine = rows[pooled].rename(columns={"team": "_pool"}).reset_index(drop=True)
    mine["_order"] = np.arange(len(mine))
    split = mine.merge(table, on=["_pool", "month"], how="inner").sort_values(
        ["_order", "_team"], kind="stable"
    )
    for c in columns:
        split[c] = split[c].to_numpy(dtype=float) * split["_share"].to_numpy(dtype=float)
    used = sorted(
        {
            (t, m, p, s)
            for p, m, t, s in split[["_pool", "month", "_team", "_share"]].itertuples(index=False)
        }
    )
    split = split.assign(team=split["_team"]).drop(columns=["_pool", "_team", "_share", "_order"])
    out = pd.concat([rows[~pooled], split[rows.columns]], ignore_index=True)
    return out, used
