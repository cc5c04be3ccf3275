"""Tables and queries of the monthly report pack: scheduler runs, produced packs, deliveries.

Exactly once per month: a pack is *claimed* by inserting its (month, revision)
row before anything is built. The UNIQUE constraint on (month, revision) is
the guard between processes: two schedulers started at once both try the
insert, one wins, the other skips the month. The claim becomes `produced`
once the files are in place; a build that fails deletes its claim (the month
is due again at the next run). A claim left by a process killed mid-build is
taken over after STALE_CLAIM, by an UPDATE that only one process can win.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from carbon.core import limits
from carbon.scope2.store import energy_attributes
from carbon.store.schema import batches, factor_snapshots, ledger_monthly, metadata

CLAIMED, PRODUCED = "claimed", "produced"
# A build takes seconds; a claim this old belongs to a process that died mid-build.
STALE_CLAIM = timedelta(hours=1)

pack_runs = Table(
    "pack_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trigger", String(32), nullable=False),  # "schedule" | "run-once" | "reissue"
    Column("reference_at", DateTime(timezone=True), nullable=False),  # the run's "now"
    Column("target_month", String(7)),  # the previous month of reference_at (None: a reissue)
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False, default="running"),  # running | done | failed
    Column("produced", Text, nullable=False, default=""),  # "2026-09 r1, 2026-10 r1"
    Column("message", Text, nullable=False, default=""),  # what was skipped and why
)

packs = Table(
    "packs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("month", String(7), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # claimed | produced
    Column("run_id", Integer, ForeignKey("pack_runs.id"), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("produced_at", DateTime(timezone=True)),
    Column("path", String(limits.PACK_PATH)),
    Column("data_fingerprint", String(64)),  # of the month's ledger when produced
    Column("manifest_sha256", String(64)),
    Column("reason", Text, nullable=False, default=""),  # why a revision > 1 was issued
    UniqueConstraint("month", "revision", name="uq_packs_month_revision"),
)

pack_deliveries = Table(
    "pack_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pack_id", Integer, ForeignKey("packs.id", ondelete="CASCADE"), nullable=False),
    Column("audience", String(200), nullable=False),  # "finance" or "manager:<team>"
    Column("recipients", Text, nullable=False),  # comma-separated addresses
    # sent | failed (owed: the next run tries again) | retried (a later row holds the new try)
    # | dropped (the audience left the configuration before it could be sent)
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=False, default=""),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class PackRecord:
    """One revision of one month's pack, as recorded."""

    id: int
    month: str
    revision: int
    status: str
    run_id: int
    claimed_at: datetime
    produced_at: datetime | None
    path: str | None
    data_fingerprint: str | None
    reason: str
    manifest_sha256: str | None = None


@dataclass(frozen=True)
class DeliveryRecord:
    pack_id: int
    month: str
    revision: int
    audience: str
    recipients: str
    status: str
    attempts: int
    error: str


def _utc(at: datetime | None) -> datetime | None:
    if at is not None and at.tzinfo is None:
        return at.replace(tzinfo=UTC)  # SQLite drops the zone; we store UTC
    return at


def _now() -> datetime:
    return datetime.now(UTC)


# ---- runs ------------------------------------------------------------------------


def start_run(
    conn: Connection, trigger: str, reference_at: datetime, target_month: str | None
) -> int:
    """Record a run as started; returns its id."""
    return conn.execute(
        insert(pack_runs)
        .values(
            trigger=trigger,
            reference_at=reference_at,
            target_month=target_month,
            started_at=_now(),
            status="running",
            produced="",
            message="",
        )
        .returning(pack_runs.c.id)
    ).scalar_one()


def finish_run(
    conn: Connection, run_id: int, status: str, produced: list[str], message: str
) -> None:
    conn.execute(
        update(pack_runs)
        .where(pack_runs.c.id == run_id)
        .values(finished_at=_now(), status=status, produced=", ".join(produced), message=message)
    )


def first_target(conn: Connection) -> str | None:
    """The target month of the first run ever recorded (where catching up starts).

    The first by record, not the earliest month: a later run back-dated with --now
    must not move the start of catch-up back in time.
    """
    return conn.execute(
        select(pack_runs.c.target_month)
        .where(pack_runs.c.target_month.is_not(None))
        .order_by(pack_runs.c.id)
        .limit(1)
    ).scalar_one_or_none()


def list_runs(conn: Connection) -> list[dict]:
    return [dict(r) for r in conn.execute(select(pack_runs).order_by(pack_runs.c.id)).mappings()]


# ---- packs -----------------------------------------------------------------------


def _record(row) -> PackRecord:
    return PackRecord(
        row["id"],
        row["month"],
        row["revision"],
        row["status"],
        row["run_id"],
        _utc(row["claimed_at"]),
        _utc(row["produced_at"]),
        row["path"],
        row["data_fingerprint"],
        row["reason"],
        row["manifest_sha256"],
    )


def produced_months(conn: Connection) -> set[str]:
    """Months with at least one produced revision."""
    return {
        m
        for (m,) in conn.execute(select(packs.c.month).where(packs.c.status == PRODUCED).distinct())
    }


def list_packs(conn: Connection, month: str | None = None) -> list[PackRecord]:
    """Every recorded pack (claimed or produced), by month then revision."""
    q = select(packs).order_by(packs.c.month, packs.c.revision)
    if month is not None:
        q = q.where(packs.c.month == month)
    return [_record(r) for r in conn.execute(q).mappings()]


def latest_produced(conn: Connection, month: str) -> PackRecord | None:
    """The highest produced revision of `month`, or None."""
    done = [p for p in list_packs(conn, month) if p.status == PRODUCED]
    return done[-1] if done else None


def claim(
    conn: Connection, month: str, revision: int, run_id: int, reason: str = ""
) -> tuple[int | None, str]:
    """Claim (month, revision) for `run_id` in the caller's write transaction.

    Returns (pack id, "") when this run may build the pack, else (None, why not).
    The INSERT relies on the UNIQUE (month, revision) constraint; a stale claim
    is taken over by an UPDATE conditioned on its old claim time.
    """
    row = (
        conn.execute(select(packs).where(packs.c.month == month, packs.c.revision == revision))
        .mappings()
        .first()
    )
    now = _now()
    if row is not None:
        found = _record(row)
        if found.status == PRODUCED:
            return None, f"revision {revision} was already produced by run {found.run_id}"
        if now - found.claimed_at < STALE_CLAIM:
            return None, (
                f"run {found.run_id} has been building it since "
                f"{found.claimed_at:%Y-%m-%d %H:%M:%S} UTC"
            )
        taken = conn.execute(
            update(packs)
            .where(
                packs.c.id == found.id,
                packs.c.status == CLAIMED,
                packs.c.claimed_at == row["claimed_at"],
            )
            .values(run_id=run_id, claimed_at=now)
        ).rowcount
        if taken != 1:
            return None, "another run took over its stale claim"
        return found.id, ""
    try:
        with conn.begin_nested():
            pack_id = conn.execute(
                insert(packs)
                .values(
                    month=month,
                    revision=revision,
                    status=CLAIMED,
                    run_id=run_id,
                    claimed_at=now,
                    reason=reason,
                )
                .returning(packs.c.id)
            ).scalar_one()
    except IntegrityError:
        return None, "another run claimed it at the same moment"
    return pack_id, ""


def complete(
    conn: Connection, pack_id: int, path: str, data_fingerprint: str, manifest_sha256: str
) -> None:
    """Mark a claimed pack as produced, with where its files are."""
    conn.execute(
        update(packs)
        .where(packs.c.id == pack_id)
        .values(
            status=PRODUCED,
            produced_at=_now(),
            path=path,
            data_fingerprint=data_fingerprint,
            manifest_sha256=manifest_sha256,
        )
    )


def release(conn: Connection, pack_id: int) -> None:
    """Drop a claim whose build failed: the month is due again at the next run."""
    conn.execute(delete(packs).where(packs.c.id == pack_id, packs.c.status == CLAIMED))


def next_revision(conn: Connection, month: str) -> int:
    top = conn.execute(
        select(func.max(packs.c.revision)).where(packs.c.month == month)
    ).scalar_one_or_none()
    return (top or 0) + 1


# ---- deliveries ------------------------------------------------------------------


def record_delivery(
    conn: Connection,
    pack_id: int,
    audience: str,
    recipients: list[str] | tuple[str, ...],
    status: str,
    attempts: int,
    error: str = "",
) -> None:
    conn.execute(
        insert(pack_deliveries).values(
            pack_id=pack_id,
            audience=audience,
            recipients=", ".join(recipients),
            status=status,
            attempts=attempts,
            error=error,
            attempted_at=_now(),
        )
    )


@dataclass(frozen=True)
class OwedDelivery:
    """A message whose last try failed, of a pack that is still its month's latest revision."""

    delivery_id: int
    pack_id: int
    month: str
    revision: int
    path: str
    manifest_sha256: str
    data_fingerprint: str
    audience: str


def owed_deliveries(conn: Connection) -> list[OwedDelivery]:
    """The failed deliveries to try again, oldest first.

    A failed row is owed until a later run takes it (`take_owed`, which marks it
    "retried" and is followed by a new row for the new try). A failure of an
    older revision is not owed: the month's newer revision supersedes it.
    """
    d, p = pack_deliveries, packs
    newer = packs.alias("newer")
    superseded = (
        select(newer.c.id)
        .where(
            newer.c.month == p.c.month, newer.c.revision > p.c.revision, newer.c.status == PRODUCED
        )
        .exists()
    )
    rows = conn.execute(
        select(
            d.c.id,
            p.c.id,
            p.c.month,
            p.c.revision,
            p.c.path,
            p.c.manifest_sha256,
            p.c.data_fingerprint,
            d.c.audience,
        )
        .select_from(d.join(p, d.c.pack_id == p.c.id))
        .where(d.c.status == "failed", p.c.status == PRODUCED, ~superseded)
        .order_by(d.c.id)
    )
    return [OwedDelivery(*r) for r in rows]


def take_owed(conn: Connection, delivery_id: int) -> bool:
    """Mark an owed delivery as being retried; False when another run took it first."""
    res = conn.execute(
        update(pack_deliveries)
        .where(pack_deliveries.c.id == delivery_id, pack_deliveries.c.status == "failed")
        .values(status="retried")
    )
    return res.rowcount == 1


def untake_owed(conn: Connection, delivery_id: int) -> None:
    """Undo `take_owed` when the new try could not even start: the message is owed again."""
    conn.execute(
        update(pack_deliveries)
        .where(pack_deliveries.c.id == delivery_id, pack_deliveries.c.status == "retried")
        .values(status="failed")
    )


def list_deliveries(conn: Connection) -> list[DeliveryRecord]:
    d = pack_deliveries
    rows = conn.execute(
        select(
            d.c.pack_id,
            packs.c.month,
            packs.c.revision,
            d.c.audience,
            d.c.recipients,
            d.c.status,
            d.c.attempts,
            d.c.error,
        )
        .select_from(d.join(packs, d.c.pack_id == packs.c.id))
        .order_by(d.c.id)
    )
    return [DeliveryRecord(*r) for r in rows]


# ---- what a month's figures rest on ------------------------------------------------

FIGURES_PREFIX = (
    "v2:"  # a fingerprint of the figures (FIGURES_PREFIX + 61 hex digits: the column's 64)
)


def data_fingerprints(conn: Connection, months: list[str]) -> dict[str, str]:
    """{month: fingerprint of the month's figures} (months without data are absent).

    It hashes what the month shows, aggregated in SQL: kg CO2e and entries per team, category,
    scope and activity, the energy-attribute instruments (market-based scope 2) and the metric
    values (intensities). So it changes when a figure changes, and only then: re-importing the
    same figures from another file, or replacing an import by an equal one, keeps it.
    """
    if not months:
        return {}
    from carbon.metrics.store import metric_defs, metric_values

    r, e, v = ledger_monthly, energy_attributes, metric_values
    parts: dict[str, list[str]] = {}
    for month, team, cat, scope, act, kg, n in conn.execute(
        select(
            r.c.month,
            r.c.team_id,
            r.c.category,
            r.c.scope,
            r.c.activity,
            func.sum(r.c.co2e_kg),
            func.sum(r.c.entries),
        )
        .where(r.c.month.in_(months))
        .group_by(r.c.month, r.c.team_id, r.c.category, r.c.scope, r.c.activity)
        .order_by(r.c.month, r.c.team_id, r.c.category, r.c.scope, r.c.activity)
    ):
        parts.setdefault(month, []).append(f"{team}|{cat}|{scope}|{act}:{kg:.6f}:{n}")
    for month, team, country, kind, factor, mwh in conn.execute(
        select(
            e.c.month,
            e.c.team_id,
            e.c.country,
            e.c.instrument,
            e.c.factor_kg_per_kwh,
            func.sum(e.c.mwh),
        )
        .where(e.c.month.in_(months))
        .group_by(e.c.month, e.c.team_id, e.c.country, e.c.instrument, e.c.factor_kg_per_kwh)
        .order_by(e.c.month, e.c.team_id, e.c.country, e.c.instrument, e.c.factor_kg_per_kwh)
    ):
        if month in parts:
            parts[month].append(f"energy-attributes {team}|{country}|{kind}|{factor:.9g}:{mwh:.6f}")
    for month, metric, team, value in conn.execute(
        select(v.c.month, metric_defs.c.name, v.c.team_id, func.sum(v.c.value))
        .select_from(v.join(metric_defs, v.c.metric_id == metric_defs.c.id))
        .where(v.c.month.in_(months))
        .group_by(v.c.month, metric_defs.c.name, v.c.team_id)
        .order_by(v.c.month, metric_defs.c.name, v.c.team_id)
    ):
        if month in parts:
            parts[month].append(f"metric {metric}|{team}:{value:.9g}")
    return {
        m: FIGURES_PREFIX
        + hashlib.sha256("\n".join(p).encode()).hexdigest()[: 64 - len(FIGURES_PREFIX)]
        for m, p in parts.items()
    }


def changed_months(conn: Connection, stored: dict[str, str]) -> list[str]:
    """The months of `stored` ({month: fingerprint stored with its pack}) whose figures changed
    since; a fingerprint of an earlier release is compared with the earlier rule."""
    months = sorted(stored)
    now = data_fingerprints(conn, months)
    old = [m for m in months if not stored[m].startswith(FIGURES_PREFIX)]
    before = legacy_fingerprints(conn, old) if old else {}
    return [m for m in months if (now if m not in old else before).get(m, "") != stored[m]]


def legacy_fingerprints(conn: Connection, months: list[str]) -> dict[str, str]:
    """The fingerprints stored by packs produced before FIGURES_PREFIX (64 hex digits): compared
    with these, so an upgrade does not report every produced month as changed.

    {month: fingerprint of the ledger rows behind it} (months without data are absent).

    The fingerprint changes when an import adds, replaces or removes rows of the
    month: it hashes the contributing batches' content hashes and their kg,
    aggregated in SQL.
    """
    if not months:
        return {}
    r = ledger_monthly
    rows = conn.execute(
        select(r.c.month, batches.c.content_hash, func.sum(r.c.co2e_kg), func.sum(r.c.entries))
        .select_from(r.join(batches, r.c.batch_id == batches.c.id))
        .where(r.c.month.in_(months))
        .group_by(r.c.month, batches.c.content_hash)
        .order_by(r.c.month, batches.c.content_hash)
    )
    parts: dict[str, list[str]] = {}
    for month, digest, kg, n in rows:
        parts.setdefault(month, []).append(f"{digest}:{kg:.6f}:{n}")
    # Energy-attribute instruments change the month's market-based scope 2 (a month without any
    # keeps the fingerprint it always had).
    e = energy_attributes
    for month, digest, mwh, n in conn.execute(
        select(e.c.month, batches.c.content_hash, func.sum(e.c.mwh), func.count())
        .select_from(e.join(batches, e.c.batch_id == batches.c.id))
        .where(e.c.month.in_(months))
        .group_by(e.c.month, batches.c.content_hash)
        .order_by(e.c.month, batches.c.content_hash)
    ):
        if month in parts:
            parts[month].append(f"energy-attributes {digest}:{mwh:.6f}:{n}")
    return {m: hashlib.sha256("\n".join(p).encode()).hexdigest() for m, p in parts.items()}


def factors_used(conn: Connection, month: str) -> list[dict]:
    """The distinct factor snapshots behind `month`'s entries, with the kg CO2e each produced.

    One dict per snapshot: activity, region, year (the vintage), value, unit,
    category, scope, source, source_ref, boundary, uncertainty_pct, origin, co2e_kg.
    """
    r, f = ledger_monthly, factor_snapshots
    used = (
        select(r.c.factor_id, func.sum(r.c.co2e_kg).label("co2e_kg"))
        .where(r.c.month == month)
        .group_by(r.c.factor_id)
        .subquery()
    )
    cols = [
        f.c.activity,
        f.c.region,
        f.c.year,
        f.c.value,
        f.c.unit,
        f.c.category,
        f.c.scope,
        f.c.source,
        f.c.source_ref,
        f.c.boundary,
        f.c.uncertainty_pct,
        f.c.origin,
    ]
    q = (
        select(*cols, used.c.co2e_kg)
        .select_from(used.join(f, used.c.factor_id == f.c.id))
        .order_by(f.c.category, f.c.activity, f.c.region, f.c.year)
    )
    return [dict(row) for row in conn.execute(q).mappings()]


def batches_used(conn: Connection, first_month: str, last_month: str, month: str) -> list[dict]:
    """Import batches with ledger rows in `first_month`..`last_month`, with their kg in `month`.

    One dict per batch: id, kind, source_name, content_hash, imported_at,
    co2e_kg_in_window, co2e_kg_in_month (kg CO2e, summed in SQL), entries_in_month (ledger
    entries in `month`: 0 for an import that feeds only the trend).
    """
    r, b = ledger_monthly, batches
    q = (
        select(
            b.c.id,
            b.c.kind,
            b.c.source_name,
            b.c.content_hash,
            b.c.imported_at,
            func.sum(r.c.co2e_kg).label("co2e_kg_in_window"),
            func.sum(case((r.c.month == month, r.c.co2e_kg), else_=0.0)).label("co2e_kg_in_month"),
            func.sum(case((r.c.month == month, r.c.entries), else_=0)).label("entries_in_month"),
        )
        .select_from(r.join(b, r.c.batch_id == b.c.id))
        .where(and_(r.c.month >= first_month, r.c.month <= last_month))
        .group_by(b.c.id, b.c.kind, b.c.source_name, b.c.content_hash, b.c.imported_at)
        .order_by(b.c.id)
    )
    out = []
    for row in conn.execute(q).mappings():
        d = dict(row)
        d["imported_at"] = _utc(d["imported_at"])
        out.append(d)
    return out
