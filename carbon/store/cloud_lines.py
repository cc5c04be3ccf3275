"""The index of cloud-bill lines: which import holds which usage line, by month.

`cloud_line_keys` keeps, per cloud import (bill or CCF estimates), one row per distinct usage
line identity — a 64-bit hash of account/project/subscription × usage period × usage type or SKU
× resource (carbon.cloud.overlap) — with the month of its usage and its first file line. A new
bill is compared only with the keys of the months it touches (index on month), never with the
whole history. Bills are aggregated before the ledger, so the ledger itself cannot say this.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, select
from sqlalchemy.engine import Connection

from carbon.core.lazy import lazy
from carbon.store.schema import batches, metadata

pd = lazy("pandas")

cloud_line_keys = Table(
    "cloud_line_keys",
    metadata,
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("line_key", BigInteger, nullable=False),
    Column("line", Integer, nullable=False),  # the first file line with this identity
    Index("ix_cloud_line_keys_month", "month", "line_key"),
    Index("ix_cloud_line_keys_batch", "batch_id"),
)


def insert_keys(conn: Connection, batch_id: int, keys: pd.DataFrame) -> None:
    """Store the distinct (month, line_key, line) of import `batch_id`."""
    if keys.empty:
        return
    conn.execute(
        cloud_line_keys.insert(),
        [
            dict(batch_id=batch_id, month=m, line_key=int(k), line=int(ln))
            for m, k, ln in keys[["month", "line_key", "line"]].itertuples(index=False)
        ],
    )


def keys_of_months(
    conn: Connection, months: Sequence[str], except_batches: Sequence[int]
) -> pd.DataFrame:
    """(batch_id, source, kind, month, line_key, earlier_line) of the other imports' keys in `months`."""
    k, b = cloud_line_keys, batches
    q = (
        select(k.c.batch_id, b.c.source_name, b.c.kind, k.c.month, k.c.line_key, k.c.line)
        .select_from(k.join(b, k.c.batch_id == b.c.id))
        .where(k.c.month.in_(list(months)))
    )
    if except_batches:
        q = q.where(k.c.batch_id.not_in(list(except_batches)))
    rows = conn.execute(q).all()
    return pd.DataFrame(
        rows, columns=["batch_id", "source", "kind", "month", "line_key", "earlier_line"]
    )
