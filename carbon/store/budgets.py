"""Tables and queries of team budgets: one budget plan per year, one row per budgeted team.

Budgets are stored in kg CO2e with the file's unit beside them (figures are
shown back in that unit). A year already loaded is refused unless replaced;
loading the identical file again changes nothing and says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean, Column, DateTime, Float, ForeignKey, Integer, PrimaryKeyConstraint, String, Table, Text,
    delete, insert, select,
)
from sqlalchemy.engine import Connection

from carbon import budget_file, limits
from carbon.budget_status import status_report
from carbon.budgets import Actuals, BudgetPlan, StatusReport, TeamBudget
from carbon.errors import InputError, NotFound, Problem
from carbon.periods import month_label, parse_month
from carbon.store import team_history as teams_store
from carbon.store.schema import metadata, teams

if TYPE_CHECKING:  # carbon.store imports this module: no runtime import back
    from carbon.store import Store

budget_plans = Table(
    "budget_plans", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False, unique=True),
    Column("unit", String(limits.BUDGET_UNIT), nullable=False),  # as written in the file, e.g. "t CO2e"
    Column("kg_per_unit", Float, nullable=False),
    Column("company_budget_kg", Float),
    Column("source_name", String(limits.SOURCE_NAME), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

budget_teams = Table(
    "budget_teams", metadata,
    Column("plan_id", Integer, ForeignKey("budget_plans.id", ondelete="CASCADE"), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("budget_kg", Float, nullable=False),
    Column("flat", Boolean, nullable=False),
    Column("weights", Text, nullable=False),  # JSON list of the 12 monthly weights
    Column("origin", String(limits.ORIGIN), nullable=False),
    PrimaryKeyConstraint("plan_id", "team_id"),
)


@dataclass(frozen=True)
class StoredPlan:
    """A loaded budget plan and when/from what it was loaded."""

    plan: BudgetPlan
    content_hash: str
    loaded_at: datetime


@dataclass(frozen=True)
class LoadOutcome:
    """What `load_file` did."""

    plan: BudgetPlan
    already_loaded: bool = False  # the identical file was loaded before: nothing changed
    replaced: StoredPlan | None = None  # the earlier plan of the year, swapped out
    warnings: tuple[str, ...] = ()
    teams_without_budget: tuple[str, ...] = ()


def loaded_years(conn: Connection) -> list[int]:
    """Years with a loaded budget plan, ascending."""
    return [y for (y,) in conn.execute(select(budget_plans.c.year).order_by(budget_plans.c.year))]


def get_plan(conn: Connection, year: int) -> StoredPlan | None:
    """The budget plan of `year`, or None."""
    row = conn.execute(select(budget_plans).where(budget_plans.c.year == year)).mappings().first()
    if row is None:
        return None
    rows = conn.execute(
        select(teams.c.name, budget_teams.c.budget_kg, budget_teams.c.flat, budget_teams.c.weights,
               budget_teams.c.origin)
        .select_from(budget_teams.join(teams, budget_teams.c.team_id == teams.c.id))
        .where(budget_teams.c.plan_id == row["id"]).order_by(teams.c.name)
    )
    team_budgets = tuple(TeamBudget(n, kg, tuple(json.loads(w)), bool(f), o) for n, kg, f, w, o in rows)
    plan = BudgetPlan(row["year"], row["unit"], row["kg_per_unit"], team_budgets,
                      row["company_budget_kg"], row["source_name"])
    at = row["loaded_at"]
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)  # SQLite drops the zone; we store UTC
    return StoredPlan(plan, row["content_hash"], at)


def require_plan(conn: Connection, year: int) -> StoredPlan:
    """The plan of `year`; NotFound naming the loaded years otherwise."""
    found = get_plan(conn, year)
    if found is None:
        years = loaded_years(conn)
        have = f"budgets are loaded for {', '.join(map(str, years))}" if years else "no budgets are loaded"
        raise NotFound(f"no budgets loaded for {year} ({have}); load a budget file with "
                       "'carbon budget load FILE'")
    return found


def load_file(store: "Store", path: Path | str, replace: bool = False,
              source: str | None = None) -> LoadOutcome:
    """Validate a budget file and store it as its year's plan, in one transaction.

    Refuses (InputError, nothing written) a bad file, or a year already loaded
    from other content unless `replace`. The identical content again is a no-op.
    `source` names the file in messages and in the database (default: the path).
    """
    path = Path(path)
    name = limits.clip(source or str(path), limits.SOURCE_NAME)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotFound(f"cannot read budget file {str(path)!r}: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    text = budget_file.decode(data, name)
    with store.transaction() as conn:
        team_ids = store.team_ids(conn)
        plan = budget_file.parse(text, name, team_ids)
        earlier = get_plan(conn, plan.year)
        without = tuple(sorted(set(team_ids) - {t.team for t in plan.teams}))
        warnings = []
        if plan.company_budget_kg is not None and plan.team_total_kg > plan.company_budget_kg:
            from carbon.budgets import company_warning

            warnings.append(company_warning(plan))
        if earlier is not None and earlier.content_hash == digest:
            return LoadOutcome(earlier.plan, already_loaded=True, warnings=tuple(warnings),
                               teams_without_budget=without)
        if earlier is not None:
            if not replace:
                when = f"{earlier.loaded_at:%Y-%m-%d %H:%M} UTC" if earlier.loaded_at else "earlier"
                raise InputError(f"{name}: budgets for {plan.year} are already loaded; nothing was loaded", [
                    Problem(name, _year_line(text), None, str(plan.year),
                            f"year: budgets for {plan.year} were loaded from {earlier.plan.source!r} "
                            f"({when}); use --replace to swap them for this file")
                ])
            conn.execute(delete(budget_teams).where(budget_teams.c.plan_id == _plan_id(conn, plan.year)))
            conn.execute(delete(budget_plans).where(budget_plans.c.year == plan.year))
        plan_id = conn.execute(
            insert(budget_plans).values(
                year=plan.year, unit=plan.unit, kg_per_unit=plan.kg_per_unit,
                company_budget_kg=plan.company_budget_kg, source_name=name, content_hash=digest,
                loaded_at=datetime.now(timezone.utc),
            ).returning(budget_plans.c.id)
        ).scalar_one()
        conn.execute(insert(budget_teams), [
            dict(plan_id=plan_id, team_id=team_ids[t.team], budget_kg=t.budget_kg, flat=t.flat,
                 weights=json.dumps(list(t.weights)), origin=t.origin)
            for t in plan.teams
        ])
    return LoadOutcome(plan, replaced=earlier, warnings=tuple(warnings), teams_without_budget=without)


def _plan_id(conn: Connection, year: int) -> int:
    return conn.execute(select(budget_plans.c.id).where(budget_plans.c.year == year)).scalar_one()


def _year_line(text: str) -> int | None:
    for no, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("year"):
            return no
    return None


# ---- actuals for the status ------------------------------------------------------------

def actuals(store: "Store", conn: Connection, year: int, month: int, team: str | None = None) -> Actuals:
    """The ledger of January..`month` of `year`, aggregated in SQL (kg CO2e)."""
    first, last = month_label(year, 1), month_label(year, month)
    by_month: dict[str, dict[str, float]] = defaultdict(dict)
    for t, m, kg, _n in store.aggregate(conn, ["team", "month"], first, last, team=team):
        by_month[t][m] = kg
    by_activity: dict[str, dict[str, float]] = defaultdict(dict)
    for t, a, kg, _n in store.aggregate(conn, ["team", "activity"], first, last, team=team):
        by_activity[t][a] = kg
    by_factor: dict[str, list] = defaultdict(list)
    for t, _fid, u, cat, kg, _n in store.aggregate(
            conn, ["team", "factor_id", "uncertainty_pct", "category"], first, last, team=team):
        by_factor[t].append((kg, u, cat))
    months = tuple(m for m, _kg, _n in store.aggregate(conn, ["month"], first, last))
    return Actuals(last, dict(by_month), dict(by_activity), dict(by_factor), months)


def status_at(store: "Store", month: str, team: str | None = None, today: date | None = None) -> StatusReport:
    """Budget status of every team (or `team`) at `month` ("YYYY-MM"), as of `today`.

    Raises NotFound when the month is malformed or has not started by `today`,
    its year has no budgets, the team is unknown, or the ledger holds nothing at
    all for the month (its actual would otherwise read as a silent zero). The
    current month is reported with a warning: its figures are partial.
    """
    try:
        year, m = parse_month(month)
    except ValueError as exc:
        raise InputError(f"--month: {exc}") from None  # a malformed month is input
    month = month_label(year, m)
    today = today or date.today()
    this_month = month_label(today.year, today.month)
    if month > this_month:
        raise NotFound(f"{month} has not started (today is {today.isoformat()}): a budget status "
                       "reports a month that is over, or the current one")
    with store.engine.connect() as conn:
        stored = require_plan(conn, year)
        names = list(store.team_ids(conn))
        if team is not None and team not in names:
            raise NotFound(teams_store.unknown_team(conn, team))  # renamed, or a did-you-mean
        have = store.months_with_data(conn)
        if month not in have:
            span = f"data exists for {have[0]} to {have[-1]}" if have else "the ledger is empty"
            raise NotFound(f"no emissions recorded for {month} ({span}): a budget status would "
                           "count the missing month as zero")
        acts = actuals(store, conn, year, m, team)
        active = teams_store.active_names(conn, month)  # a retired team is listed by its history only
    report = status_report(stored.plan, month, acts, active, only_team=team)
    if month == this_month:
        partial = f"{month} is not over (today is {today.isoformat()}): its figures are partial"
        report = dataclasses.replace(report, warnings=(partial, *report.warnings))
    return report
