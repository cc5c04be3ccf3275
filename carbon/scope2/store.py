"""Tables and queries of market-based scope 2: the contractual instruments per import, and the
metered electricity they are checked against (docs/scope2.md).

An energy-attribute file is an import (a batch of kind "energy-attributes", listed and removed
like any other); its instruments go away with it (ON DELETE CASCADE on the batch).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    case,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from carbon.scope2.records import Instrument
from carbon.store.schema import factor_snapshots, ledger_monthly, metadata, teams

ELECTRICITY = "electricity.grid"  # the activity whose scope-2 entries are metered grid electricity

energy_attributes = Table(
    "energy_attributes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("country", String(2), nullable=False),
    Column("mwh", Float, nullable=False),
    Column("instrument", String(32), nullable=False),
    Column("factor_kg_per_kwh", Float, nullable=False),
    Column("line", Integer, nullable=False),
    Column("note", String(200), nullable=False, default=""),
    Index("ix_energy_attributes_month", "month", "team_id"),
    Index("ix_energy_attributes_batch", "batch_id"),
)


def insert_instruments(
    conn: Connection, batch_id: int, found: list[Instrument], team_ids: dict[str, int]
) -> None:
    if found:
        conn.execute(
            insert(energy_attributes),
            [
                {
                    "batch_id": batch_id,
                    "team_id": team_ids[i.team],
                    "month": i.month,
                    "country": i.country,
                    "mwh": i.mwh,
                    "instrument": i.instrument,
                    "factor_kg_per_kwh": i.factor_kg_per_kwh,
                    "line": i.line,
                    "note": i.note,
                }
                for i in found
            ],
        )


def instruments(
    conn: Connection,
    first_month: str,
    last_month: str,
    team: str | None = None,
    except_batches: Iterable[int] = (),
) -> list[Instrument]:
    """The stored instruments of months `first_month`..`last_month`, summed in SQL per team, month,
    country, instrument and factor (lines are not kept: `line` is 0)."""
    e = energy_attributes
    q = (
        select(
            teams.c.name,
            e.c.month,
            e.c.country,
            e.c.instrument,
            e.c.factor_kg_per_kwh,
            func.sum(e.c.mwh),
        )
        .select_from(e.join(teams, e.c.team_id == teams.c.id))
        .where(e.c.month >= first_month, e.c.month <= last_month)
        .group_by(teams.c.name, e.c.month, e.c.country, e.c.instrument, e.c.factor_kg_per_kwh)
    )
    skip = list(except_batches)
    if skip:
        q = q.where(e.c.batch_id.not_in(skip))
    if team is not None:
        q = q.where(teams.c.name == team)
    return [Instrument(m, t, c, float(mwh), k, float(f)) for t, m, c, k, f, mwh in conn.execute(q)]


def repeats(
    conn: Connection, found: list[Instrument], except_batches: Iterable[int] = ()
) -> list[tuple[int, int]]:
    """(line, import id) of each of `found` that another stored import already holds with the
    same month, team, country, instrument, MWh and factor: likely the same certificate twice."""
    if not found:
        return []
    e = energy_attributes
    months = sorted({i.month for i in found})
    q = (
        select(
            e.c.batch_id,
            teams.c.name,
            e.c.month,
            e.c.country,
            e.c.instrument,
            e.c.mwh,
            e.c.factor_kg_per_kwh,
        )
        .select_from(e.join(teams, e.c.team_id == teams.c.id))
        .where(e.c.month.in_(months))
    )
    skip = list(except_batches)
    if skip:
        q = q.where(e.c.batch_id.not_in(skip))
    held: dict[tuple, int] = {}
    for batch, *key in conn.execute(q):
        held.setdefault((*key[:4], float(key[4]), float(key[5])), batch)
    out = []
    for i in found:
        key = (i.team, i.month, i.country, i.instrument, float(i.mwh), float(i.factor_kg_per_kwh))
        if key in held:
            out.append((i.line, held[key]))
    return out


def scope2_rows(
    conn: Connection, first_month: str, last_month: str, team: str | None = None
) -> list[tuple]:
    """Scope-2 entries of the months, summed in SQL: (team, month, activity, category, factor region,
    factor value, factor unit, kg CO2e, factor boundary, True when the factor states its parts). The electricity's kWh is kg ÷ the factor's value (each
    entry's kg is its quantity × that value; the generation part of a split factor), so the rollup
    answers without reading the ledger."""
    r, f = ledger_monthly, factor_snapshots
    # A factor that states its lifecycle parts books only generation at scope 2 (carbon/factors/scope3.py):
    # the kg of its scope-2 entries is the quantity x (value - upstream - T&D).
    generation = case(
        (f.c.part_generation.is_(None), f.c.value),
        else_=f.c.value - func.coalesce(f.c.part_upstream, 0.0) - func.coalesce(f.c.part_td, 0.0),
    )
    split = f.c.part_generation.is_not(None)
    q = (
        select(
            teams.c.name,
            r.c.month,
            r.c.activity,
            r.c.category,
            f.c.region,
            generation,
            f.c.unit,
            func.sum(r.c.co2e_kg),
            f.c.boundary,
            split,
        )
        .select_from(r.join(teams, r.c.team_id == teams.c.id).join(f, r.c.factor_id == f.c.id))
        .where(r.c.month >= first_month, r.c.month <= last_month, r.c.scope == 2)
        .group_by(
            teams.c.name,
            r.c.month,
            r.c.activity,
            r.c.category,
            f.c.id,
            f.c.region,
            f.c.value,
            f.c.unit,
            f.c.boundary,
            f.c.part_generation,
        )
    )
    if team is not None:
        q = q.where(teams.c.name == team)
    return [tuple(row) for row in conn.execute(q)]
