"""Scope 2 both ways for reports: the stored scope-2 entries and instruments, through
carbon.scope2.rules (no pandas, no pint: the monthly report reads it)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from carbon.scope2 import rules
from carbon.scope2 import store as stored
from carbon.scope2.file import Instrument
from carbon.scope2.residual_mix import shipped


def figures(
    conn: Connection,
    first_month: str,
    last_month: str,
    team: str | None = None,
    extra: list[Instrument] | None = None,
    except_batches: tuple[int, ...] = (),
) -> dict[tuple[str, str], rules.Scope2]:
    """Scope 2 both ways per (team, month) of months `first_month`..`last_month` (carbon.scope2.rules);
    `extra` instruments are counted as if stored, those of `except_batches` as if removed."""
    found = stored.instruments(conn, first_month, last_month, team, except_batches)
    return rules.compute(
        stored.scope2_rows(conn, first_month, last_month, team), found + (extra or []), shipped()
    )
