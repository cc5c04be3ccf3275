"""A team's life: renamed (its history moves with it) and retired (its history stays).

The ledger, its rollup and the budgets refer to a team by id, never by name, so
a rename is one UPDATE of `teams.name` in one transaction, and every past
figure, budget and report follows the team. The names a team had before are
kept in `team_names`: a configuration file written with an old name (e-mail
recipients) still reaches the team, and an old name is never given to another
team (it would be ambiguous). Sign-offs keep the name the team had then; they
are compared with the ledger by team, under its current name.

A retired team keeps its history in every past report; from its retirement
month on it is not listed as "no data", and activity dated then or later is
refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from carbon.core import limits
from carbon.core.calendar import parse_month
from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, NotFound
from carbon.model import Team, renamed_team, valid_team_name
from carbon.store.schema import ledger_monthly, metadata, teams

if TYPE_CHECKING:  # carbon.store imports this module: no runtime import back
    from carbon.store import Store

team_names = Table(
    "team_names",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("name", String(limits.TEAM_NAME), nullable=False),  # a name the team had before
    Column("renamed_at", DateTime(timezone=True), nullable=False),  # when it stopped being its name
    Index("ix_team_names_name", "name"),
)


def former_names(conn: Connection) -> dict[str, str]:
    """{former name: current name} of every renamed team."""
    return {old: now for old, (now, _day) in renames(conn).items()}


def renames(conn: Connection) -> dict[str, tuple[str, str]]:
    """{former name: (current name, "YYYY-MM-DD" the day it stopped being its name)} of every
    renamed team (a name given back to its team is current, not former)."""
    q = (
        select(team_names.c.name, teams.c.name, team_names.c.renamed_at)
        .select_from(team_names.join(teams, team_names.c.team_id == teams.c.id))
        .order_by(team_names.c.id)
    )
    current = {n for (n,) in conn.execute(select(teams.c.name))}
    return {old: (now, f"{at:%Y-%m-%d}") for old, now, at in conn.execute(q) if old not in current}


def resolve(conn: Connection, name: str) -> str | None:
    """The current name of the team called `name` now or before, or None."""
    if conn.execute(select(teams.c.id).where(teams.c.name == name)).first():
        return name
    return former_names(conn).get(name)


def unknown_team(conn: Connection, name: str) -> str:
    """The message for a team name that is not a current one: renamed (to what), or unknown
    with a did-you-mean. The bad value is echoed in quotes."""
    renamed = former_names(conn).get(name)
    if renamed is not None:
        return renamed_team(name, renamed)
    close = did_you_mean(name, [n for (n,) in conn.execute(select(teams.c.name))])
    return f"unknown team {name!r}" + (f" (did you mean {close!r}?)" if close else "")


def retired(conn: Connection) -> dict[str, str]:
    """{team: first month without it} of the retired teams."""
    q = select(teams.c.name, teams.c.retired_from).where(teams.c.retired_from.is_not(None))
    return {n: m for n, m in conn.execute(q)}


def active_names(conn: Connection, month: str) -> list[str]:
    """The teams that exist in `month` ("YYYY-MM"): not retired at or before it, by name."""
    q = (
        select(teams.c.name)
        .where((teams.c.retired_from.is_(None)) | (teams.c.retired_from > month))
        .order_by(teams.c.name)
    )
    return [n for (n,) in conn.execute(q)]


def list_teams(store: Store) -> list[Team]:
    """Every team with its status and former names, by name."""
    with store.engine.connect() as conn:
        olds: dict[int, list[str]] = {}
        for team_id, name in conn.execute(
            select(team_names.c.team_id, team_names.c.name).order_by(team_names.c.id)
        ):
            olds.setdefault(team_id, []).append(name)
        rows = conn.execute(
            select(teams.c.id, teams.c.name, teams.c.created_at, teams.c.retired_from).order_by(
                teams.c.name
            )
        )
        return [Team(n, c, r, tuple(o for o in olds.get(i, []) if o != n)) for i, n, c, r in rows]


def _team_id(conn: Connection, name: str) -> int:
    found = conn.execute(select(teams.c.id).where(teams.c.name == name)).scalar_one_or_none()
    if found is None:
        raise NotFound(unknown_team(conn, name) + "; see 'carbon teams list'")
    return found


def name_taken(conn: Connection, name: str, team_id: int | None = None) -> str | None:
    """Why `name` cannot be given (to team `team_id`, or to a new team), or None when it can."""
    if conn.execute(select(teams.c.id).where(teams.c.name == name)).first():
        return f"team {name!r} already exists"
    folded = name.casefold()
    for other_id, other in conn.execute(select(teams.c.id, teams.c.name)):
        if other.casefold() == folded and other_id != team_id:
            return (
                f"{name!r} differs only in case from team {other!r} (files name a team exactly: "
                "both would be reported apart); use that team, or choose another name"
            )
    owner = conn.execute(
        select(team_names.c.team_id, teams.c.name)
        .select_from(team_names.join(teams, team_names.c.team_id == teams.c.id))
        .where(team_names.c.name == name)
    ).first()
    if owner is not None and owner[0] != team_id:
        return (
            f"{name!r} is a former name of team {owner[1]!r} (configuration files written with it "
            "still reach that team); choose another name"
        )
    return None


def rename(store: Store, old: str, new: str) -> None:
    """Rename team `old` to `new`, in one transaction; its history, budgets and recipients follow.

    Raises NotFound (no team `old`) or InputError (`new` is not a valid name, is
    another team's name now or before) — nothing is written then.
    """
    if not valid_team_name(new):
        raise InputError(
            f"team name {new!r}: expected 1 to {limits.TEAM_NAME} printable characters "
            "without leading or trailing spaces"
        )
    with store.transaction() as conn:
        team_id = _team_id(conn, old)
        if new == old:
            raise InputError(f"team {old!r} already has that name")
        taken = name_taken(conn, new, team_id)
        if taken:
            raise InputError(f"cannot rename {old!r} to {new!r}: {taken}")
        conn.execute(
            insert(team_names).values(team_id=team_id, name=old, renamed_at=datetime.now(UTC))
        )
        conn.execute(update(teams).where(teams.c.id == team_id).values(name=new))


def retire(store: Store, name: str, from_month: str) -> None:
    """Retire team `name` from `from_month` ("YYYY-MM", the first month without it).

    Its entries stay and are reported as before. Raises InputError when the
    month is malformed, the team is already retired, or it has entries in or
    after that month (they would contradict the retirement: choose a later month).
    """
    try:
        y, m = parse_month(from_month)
    except ValueError as exc:
        raise InputError(f"--from {from_month!r}: {exc}") from None
    month = f"{y:04d}-{m:02d}"
    with store.transaction() as conn:
        team_id = _team_id(conn, name)
        already = conn.execute(
            select(teams.c.retired_from).where(teams.c.id == team_id)
        ).scalar_one()
        if already is not None:
            raise InputError(f"team {name!r} is already retired (from {already})")
        r = ledger_monthly
        later = [
            x
            for (x,) in conn.execute(
                select(r.c.month)
                .where(r.c.team_id == team_id, r.c.month >= month)
                .group_by(r.c.month)
                .order_by(r.c.month)
            )
        ]
        if later:
            raise InputError(
                f"team {name!r} has emissions recorded for {_months(later)}, in or after "
                f"{month}: retire it from {_next(later[-1])} or later, or remove those imports"
            )
        conn.execute(update(teams).where(teams.c.id == team_id).values(retired_from=month))


def stable_name():
    """(SQL expression, its join) naming each team as it was first called, whatever its renames.

    The content hash of a signed-off year is computed with it, so renaming a team
    does not read as a change of the year's figures. For a team never renamed it
    is its name (hashes made before renames existed stay valid).
    """
    first = select(func.min(team_names.c.id)).group_by(team_names.c.team_id)
    firsts = (
        select(team_names.c.team_id, team_names.c.name).where(team_names.c.id.in_(first)).subquery()
    )
    return func.coalesce(firsts.c.name, teams.c.name), firsts


def _months(months: list[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]} ({len(months)} months)"


def _next(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + 1:04d}-01" if m == 12 else f"{y:04d}-{m + 1:02d}"


def current_recipients(
    store: Store, managers: dict[str, tuple[str, ...]]
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """A config's `recipients.managers` keyed by current team names, and a note per former name
    used: a team renamed since the config was written still gets its manager's mail (with the
    addresses of both names when the config names it twice)."""
    with store.engine.connect() as conn:
        renamed = former_names(conn)
    out: dict[str, tuple[str, ...]] = {}
    notes = []
    for name, addrs in managers.items():
        now = renamed.get(name, name)
        if now != name:
            notes.append(
                f"recipients.managers: team {name!r} is now called {now!r}; its manager gets {now!r}'s "
                "figures (update the config file)"
            )
        out[now] = tuple(dict.fromkeys(out.get(now, ()) + tuple(addrs)))
    return out, notes
