"""Access tokens of `carbon serve`: made, listed, revoked and checked (carbon/serve/store.py)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, NotFound
from carbon.serve import store as tokens

if TYPE_CHECKING:
    from carbon.serve.store import TokenInfo
    from carbon.store import Store


def add(store: Store, name: str, team: str | None = None) -> str:
    """A new random token named `name` (for `team` only, else every team); returns the token,
    which is stored only as its hash."""
    if not (0 < len(name) <= tokens.TOKEN_NAME and name.isprintable() and name == name.strip()):
        raise InputError(
            f"token name {name!r}: expected 1 to {tokens.TOKEN_NAME} printable characters "
            "without surrounding spaces"
        )
    token = secrets.token_urlsafe(32)
    with store.transaction() as conn:
        if name in tokens.names(conn):
            raise InputError(
                f"a token named {name!r} already exists: revoke it first "
                f"('carbon tokens revoke {name}') or choose another name"
            )
        team_id = None
        if team is not None:
            ids = store.team_ids(conn)
            if team not in ids:
                raise NotFound(f"unknown team {team!r}{_hint(team, ids)}; see 'carbon teams list'")
            team_id = ids[team]
        tokens.add(conn, name, token, team_id)
    return token


def listed(store: Store) -> list[TokenInfo]:
    with store.engine.connect() as conn:
        return tokens.listed(conn)


def revoke(store: Store, name: str) -> None:
    with store.transaction() as conn:
        known = tokens.names(conn)
        if name not in known:
            raise NotFound(f"no token named {name!r}{_hint(name, known)}; see 'carbon tokens list'")
        tokens.remove(conn, name)


def check(store: Store, token: str) -> TokenInfo | None:
    """The token's record, or None when no token has that value."""
    with store.engine.connect() as conn:
        return tokens.find(conn, token)


def count(store: Store) -> int:
    with store.engine.connect() as conn:
        return tokens.count(conn)


def _hint(word: str, choices) -> str:
    close = did_you_mean(word, choices)
    return f" (did you mean {close!r}?)" if close else ""
