"""Data feeds: declare, list, remove, attribute imports, and each month's completeness
(the rules: carbon/feeds/rules.py; docs/feeds.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from carbon.core.calendar import month_label, parse_month
from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, NotFound
from carbon.feeds import rules
from carbon.feeds import store as stored
from carbon.feeds.records import FEED_CADENCES, FEED_KINDS, ConfigFeeds, Feed
from carbon.store import Store, team_history

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
PROVIDERS = ("aws", "gcp", "azure")


def _month(text: str, what: str) -> str:
    try:
        return month_label(*parse_month(text))
    except ValueError as exc:
        raise InputError(f"{what}: {exc}") from None


# The kinds whose imports write ledger entries: their categories are the factors' and ledger's.
LEDGER_KINDS = ("activities", "cloud-billing", "video", "survey")


def check_feed(
    feed: Feed,
    team_names: set[str],
    origin: str | None = None,
    categories: Callable[[], set[str]] | None = None,
) -> Feed:
    """A feed's declaration checked (InputError naming what is wrong), its month normalised.

    `origin` is the config file a [feeds.NAME] table came from: the message then names its key
    there ("carbon.toml: [feeds.power] teams"), not the `carbon feeds add` option.
    `categories` gives the categories a feed of a ledger kind may name (read only when it names
    some): a category nothing has would leave the feed partial every month."""

    def opt(key: str) -> str:
        return f"--{key}" if origin is None else f"{origin}: [feeds.{feed.name}] {key}"

    if not NAME_RE.match(feed.name):
        raise InputError(
            f"feed name {feed.name!r}: expected 1 to 64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    if feed.kind not in FEED_KINDS:
        hint = did_you_mean(feed.kind, FEED_KINDS)
        raise InputError(
            f"{opt('kind')} {feed.kind!r}: expected one of {', '.join(FEED_KINDS)}"
            + (f" (did you mean {hint!r}?)" if hint else "")
        )
    if feed.cadence not in FEED_CADENCES:
        raise InputError(
            f"{opt('cadence')} {feed.cadence!r}: expected one of {', '.join(FEED_CADENCES)}"
        )
    if (
        feed.provider is not None
        and feed.kind == "cloud-billing"
        and feed.provider not in PROVIDERS
    ):
        raise InputError(
            f"{opt('provider')} {feed.provider!r}: expected one of {', '.join(PROVIDERS)}"
        )
    if feed.provider is not None and feed.kind != "cloud-billing":
        raise InputError(
            f"{opt('provider')} {feed.provider!r}: only a cloud-billing feed has a provider "
            f"(this feed's kind is {feed.kind}); leave it out"
        )
    if feed.categories and categories is not None and feed.kind in LEDGER_KINDS:
        known = categories()
        wrong = [c for c in feed.categories if c not in known]
        if wrong:
            hint = did_you_mean(wrong[0], known)
            raise InputError(
                f"{opt('categories')}: category {wrong[0]!r} is no factor's and no entry's"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; known categories: {', '.join(sorted(known))}"
            )
    unknown = [t for t in feed.teams if t not in team_names]
    if unknown:
        hint = did_you_mean(unknown[0], team_names)
        raise InputError(
            f"{opt('teams')}: team {unknown[0]!r} is not declared"
            + (f" (did you mean {hint!r}?)" if hint else "; see 'carbon teams list'")
        )
    first = _month(feed.first_month, opt("from")) if feed.first_month else None
    return Feed(
        feed.name,
        feed.kind,
        feed.provider,
        feed.teams,
        feed.categories,
        feed.source,
        feed.cadence,
        first,
        feed.declared_month,
    )


def add_feed(store: Store, feed: Feed) -> Feed:
    """Declare a feed (InputError when its name is taken or a field is wrong)."""
    with store.transaction() as conn:
        feed = check_feed(feed, set(store.team_ids(conn)), None, _categories(store, conn))
        if stored.find(conn, feed.name) is not None:
            raise InputError(
                f"feed {feed.name!r} is already declared; 'carbon feeds remove {feed.name}' first"
            )
        stored.add(conn, feed)
        return stored.find(conn, feed.name)


def _categories(store: Store, conn) -> Callable[[], set[str]]:
    """The categories of the factor table and of the ledger, read when asked."""

    def read() -> set[str]:
        from carbon.factors import service as factor_service

        table = factor_service.factor_table(store, conn)
        found = {f.category for rows in table.by_key.values() for f in rows}
        return found | stored.ledger_categories(conn)

    return read


def sync_feeds(store: Store, declared: tuple[Feed, ...], origin: str = "the config") -> ConfigFeeds:
    """Declare the config's feeds the database does not hold yet (the names declared). A wrong
    value is refused naming `origin` (the config file) and the table's key. A table whose name is
    declared already is kept as declared; where it asks something else, a warning says what."""
    added, warnings = [], []
    with store.transaction() as conn:
        have = {f.name: f for f in stored.list_feeds(conn)}
        names = set(store.team_ids(conn))
        for feed in declared:
            if feed.name not in have:
                stored.add(conn, check_feed(feed, names, origin, _categories(store, conn)))
                added.append(feed.name)
                continue
            differs = rules.differences(have[feed.name], feed)
            if differs:
                warnings.append(
                    f"{origin}: [feeds.{feed.name}] differs from the feed declared as "
                    f"{feed.name} ({'; '.join(differs)}): the declared feed is kept; to take "
                    f"the config's, run 'carbon feeds remove {feed.name}' and run again"
                )
    return ConfigFeeds(tuple(added), tuple(warnings))


def remove_feed(store: Store, name: str) -> int:
    with store.transaction() as conn:
        return stored.remove(conn, name)


def list_feeds(store: Store) -> list[Feed]:
    with store.engine.connect() as conn:
        return stored.list_feeds(conn)


def require_feed(store: Store, name: str) -> None:
    """NotFound unless the feed `name` is declared (checked before an import is written)."""
    with store.engine.connect() as conn:
        if stored.find(conn, name) is None:
            names = [f.name for f in stored.list_feeds(conn)]
            hint = did_you_mean(name, names)
            raise NotFound(
                f"--feed {name}: no such feed"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + "; declare it with 'carbon feeds add NAME --kind KIND'"
            )


def attribute(store: Store, batch_id: int, name: str) -> None:
    with store.transaction() as conn:
        stored.attribute(conn, batch_id, name)


def matrix_of(conn, months_with_data: list[str], upto: str | None = None) -> rules.FeedMatrix:
    """Feeds × every month from the first with data to the last (or `upto`, when later)."""
    feeds = stored.list_feeds(conn)
    known = list(months_with_data) + ([upto] if upto else [])
    return rules.matrix(
        feeds,
        stored.feed_batches(conn),
        stored.feed_cells(conn),
        stored.covered_days(conn),
        rules.span(known),
        team_history.retired(conn),
    )


def matrix(store: Store, month: str | None = None) -> rules.FeedMatrix:
    """The matrix (feeds × months); with `month`, that month alone."""
    if month is not None:
        month = _month(month, "--month")
    with store.engine.connect() as conn:
        full = matrix_of(conn, store.months_with_data(conn), month)
    if month is None:
        return full
    return rules.FeedMatrix(
        (month,),
        tuple(
            rules.FeedRow(r.feed, r.kind, {month: r.months[month]})
            for r in full.rows
            if month in r.months
        ),
        full.inferred,
        full.months[0] if full.months else None,
    )


def completeness(store: Store, month: str) -> rules.Completeness:
    """The completeness of one month."""
    return matrix(store, month).month(_month(month, "--month"))


def year_incomplete(
    store: Store, year: int, before: date | None = None
) -> list[rules.Completeness]:
    """The incomplete months of `year` (with `before`: only the months ended by that day)."""
    full = matrix(store)
    months = [m for m in full.months if m.startswith(f"{year:04d}-")]
    if before is not None:
        months = [m for m in months if m < f"{before.year:04d}-{before.month:02d}"]
    return full.incomplete(months)


def summary(found: list[rules.Completeness]) -> str:
    """Incomplete months in words: "2026-11 (video missing …); 2026-12 (…)"."""
    return "; ".join(f"{c.month} ({c.gaps()})" for c in found)


def record_override(
    store: Store, action: str, found: list[rules.Completeness], reason: str, by: str
) -> int:
    if not reason.strip():
        raise InputError("--allow-incomplete needs --reason TEXT (recorded)")
    with store.transaction() as conn:
        return stored.record_override(
            conn, action, [c.month for c in found], summary(found), reason.strip(), by
        )


def overrides(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        return stored.list_overrides(conn)
