"""Access tokens of `carbon serve`: a name, the SHA-256 of the token (never the token), and the
team it is limited to (None: the whole company).

A token is 32 random bytes: a hash without salt is enough to keep it from being read back out
of the database, and lets a request's token be found with one indexed lookup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, delete, insert, select
from sqlalchemy.engine import Connection

from carbon.core import limits
from carbon.store.schema import metadata, teams

TOKEN_NAME = limits.TEAM_NAME

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(TOKEN_NAME), nullable=False, unique=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("team_id", Integer, ForeignKey("teams.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class TokenInfo:
    """A stored token, without its secret: its name, its team (None: every team), when made."""

    name: str
    team: str | None
    created_at: datetime | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add(conn: Connection, name: str, token: str, team_id: int | None) -> None:
    conn.execute(
        insert(api_tokens).values(
            name=name, token_sha256=digest(token), team_id=team_id, created_at=datetime.now(UTC)
        )
    )


def names(conn: Connection) -> set[str]:
    return set(conn.execute(select(api_tokens.c.name)).scalars())


def remove(conn: Connection, name: str) -> int:
    return conn.execute(delete(api_tokens).where(api_tokens.c.name == name)).rowcount


def listed(conn: Connection) -> list[TokenInfo]:
    q = (
        select(api_tokens.c.name, teams.c.name, api_tokens.c.created_at)
        .select_from(api_tokens.outerjoin(teams, teams.c.id == api_tokens.c.team_id))
        .order_by(api_tokens.c.name)
    )
    return [TokenInfo(n, t, _utc(c)) for n, t, c in conn.execute(q)]


def find(conn: Connection, token: str) -> TokenInfo | None:
    """The token's record, or None for an unknown token."""
    q = (
        select(api_tokens.c.name, teams.c.name, api_tokens.c.created_at)
        .select_from(api_tokens.outerjoin(teams, teams.c.id == api_tokens.c.team_id))
        .where(api_tokens.c.token_sha256 == digest(token))
    )
    row = conn.execute(q).first()
    return None if row is None else TokenInfo(row[0], row[1], _utc(row[2]))


def count(conn: Connection) -> int:
    return len(conn.execute(select(api_tokens.c.id)).all())


def _utc(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at
