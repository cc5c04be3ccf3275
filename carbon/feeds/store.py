"""Tables and queries of data feeds: the feeds a complete month needs, the import each is
attributed to, the days of each month a cloud bill covers, and the overrides of an incomplete
month (docs/feeds.md). Attributions and covered days go away with their import (ON DELETE
CASCADE on the batch); an attribution goes away with its feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.engine import Connection

from carbon.core import limits
from carbon.errors import NotFound
from carbon.feeds.records import Feed, FeedBatch, FeedCell
from carbon.metrics import store as stored_metrics
from carbon.scope2 import store as stored_instruments
from carbon.store import team_history
from carbon.store.schema import batches, ledger_monthly, metadata, teams

FEED_NAME = 64

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(FEED_NAME), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("provider", String(32)),
    Column("teams", Text, nullable=False, default=""),  # JSON list; empty: any team
    Column("categories", Text, nullable=False, default=""),  # JSON list; empty: any category
    Column("source_pattern", String(limits.SOURCE_NAME)),
    Column("cadence", String(16), nullable=False),
    Column("first_month", String(7)),
    Column("declared_at", DateTime(timezone=True), nullable=False),
)

batch_feeds = Table(
    "batch_feeds",
    metadata,
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
)

batch_days = Table(
    "batch_days",
    metadata,
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("first_day", SmallInteger, nullable=False),
    Column("last_day", SmallInteger, nullable=False),
    PrimaryKeyConstraint("batch_id", "month", name="pk_batch_days"),
)

incomplete_overrides = Table(
    "incomplete_overrides",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action", String(64), nullable=False),
    Column("months", Text, nullable=False),  # the incomplete months, comma-separated
    Column("missing", Text, nullable=False),  # what was missing, in words
    Column("reason", Text, nullable=False),
    Column("by", String(limits.PERSON), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


def _list(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


def list_feeds(conn: Connection) -> list[Feed]:
    """The declared feeds, their teams by their current names (a team renamed since the feed
    was declared is still expected of it: the ledger names it by its new name)."""
    rows = conn.execute(select(feeds).order_by(feeds.c.name)).mappings()
    now = team_history.former_names(conn)
    return [
        Feed(
            r["name"],
            r["kind"],
            r["provider"],
            tuple(now.get(t, t) for t in _list(r["teams"])),
            _list(r["categories"]),
            r["source_pattern"],
            r["cadence"],
            r["first_month"],
            r["declared_at"].strftime("%Y-%m"),
        )
        for r in rows
    ]


def find(conn: Connection, name: str) -> Feed | None:
    return next((f for f in list_feeds(conn) if f.name == name), None)


def add(conn: Connection, feed: Feed) -> None:
    conn.execute(
        insert(feeds).values(
            name=feed.name,
            kind=feed.kind,
            provider=feed.provider,
            teams=json.dumps(list(feed.teams)) if feed.teams else "",
            categories=json.dumps(list(feed.categories)) if feed.categories else "",
            source_pattern=feed.source,
            cadence=feed.cadence,
            first_month=feed.first_month,
            declared_at=datetime.now(UTC),
        )
    )


def remove(conn: Connection, name: str) -> int:
    """Remove a feed (its attributions go with it); the number of imports it was given."""
    fid = conn.execute(select(feeds.c.id).where(feeds.c.name == name)).scalar()
    if fid is None:
        raise NotFound(f"no feed named {name!r}; see 'carbon feeds list'")
    n = conn.execute(
        select(func.count()).select_from(batch_feeds).where(batch_feeds.c.feed_id == fid)
    ).scalar_one()
    conn.execute(delete(batch_feeds).where(batch_feeds.c.feed_id == fid))
    conn.execute(delete(feeds).where(feeds.c.id == fid))
    return int(n)


def attribute(conn: Connection, batch_id: int, name: str) -> None:
    """Attribute an import to the feed `name` (replacing an earlier attribution)."""
    fid = conn.execute(select(feeds.c.id).where(feeds.c.name == name)).scalar()
    if fid is None:
        raise NotFound(f"no feed named {name!r}; see 'carbon feeds list'")
    conn.execute(delete(batch_feeds).where(batch_feeds.c.batch_id == batch_id))
    conn.execute(insert(batch_feeds).values(batch_id=batch_id, feed_id=fid))


def record_days(conn: Connection, batch_id: int, days: dict[str, tuple[int, int]]) -> None:
    """The first and last day of each month an import covers (cloud bills)."""
    if days:
        conn.execute(
            insert(batch_days),
            [
                {"batch_id": batch_id, "month": m, "first_day": a, "last_day": b}
                for m, (a, b) in sorted(days.items())
            ],
        )


def feed_batches(conn: Connection) -> list[FeedBatch]:
    """Every import that writes data (factor and price tables aside), with its feed if attributed."""
    q = (
        select(batches.c.id, batches.c.kind, batches.c.source_name, batches.c.params, feeds.c.name)
        .select_from(
            batches.outerjoin(batch_feeds, batch_feeds.c.batch_id == batches.c.id).outerjoin(
                feeds, feeds.c.id == batch_feeds.c.feed_id
            )
        )
        .where(batches.c.kind != "factors")
        .order_by(batches.c.id)
    )
    found = []
    for bid, kind, source, params, feed in conn.execute(q):
        provider = None
        if params and params.startswith("{"):
            try:
                provider = json.loads(params).get("provider")
            except ValueError:
                provider = None
        found.append(FeedBatch(bid, kind, source, provider, feed))
    return found


def ledger_categories(conn: Connection) -> set[str]:
    """The categories the ledger holds (through its monthly rollup)."""
    q = select(ledger_monthly.c.category).distinct()
    return {c for (c,) in conn.execute(q)}


def feed_cells(conn: Connection) -> list[FeedCell]:
    """(import, month, team, category) of every ledger entry, metric value (its metric as the
    category; the company as team "") and energy-attribute instrument: aggregated in SQL."""
    lm, mv, md, ea = (
        ledger_monthly,
        stored_metrics.metric_values,
        stored_metrics.metric_defs,
        stored_instruments.energy_attributes,
    )
    led = select(
        lm.c.batch_id, lm.c.month, teams.c.name.label("team"), lm.c.category.label("category")
    ).select_from(lm.join(teams, teams.c.id == lm.c.team_id))
    met = select(
        mv.c.batch_id,
        mv.c.month,
        func.coalesce(teams.c.name, literal("")).label("team"),
        md.c.name.label("category"),
    ).select_from(
        mv.join(md, md.c.id == mv.c.metric_id).outerjoin(teams, teams.c.id == mv.c.team_id)
    )
    ins = select(
        ea.c.batch_id, ea.c.month, teams.c.name.label("team"), ea.c.instrument.label("category")
    ).select_from(ea.join(teams, teams.c.id == ea.c.team_id))
    u = union_all(led, met, ins).subquery()
    q = select(u.c.batch_id, u.c.month, u.c.team, u.c.category).distinct()
    return [FeedCell(int(b), m, t, c) for b, m, t, c in conn.execute(q)]


def covered_days(conn: Connection) -> dict[tuple[int, str], tuple[int, int]]:
    return {
        (b, m): (a, z)
        for b, m, a, z in conn.execute(
            select(
                batch_days.c.batch_id,
                batch_days.c.month,
                batch_days.c.first_day,
                batch_days.c.last_day,
            )
        )
    }


def record_override(
    conn: Connection, action: str, months: list[str], missing: str, reason: str, by: str
) -> int:
    return conn.execute(
        insert(incomplete_overrides)
        .values(
            action=action,
            months=",".join(months),
            missing=missing,
            reason=reason,
            by=by,
            at=datetime.now(UTC),
        )
        .returning(incomplete_overrides.c.id)
    ).scalar_one()


def list_overrides(conn: Connection) -> list[dict]:
    rows = conn.execute(select(incomplete_overrides).order_by(incomplete_overrides.c.id)).mappings()
    return [dict(r) for r in rows]
