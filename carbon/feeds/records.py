"""Records of data feeds: a declared feed, an import and what it holds in a month, as the completeness rules see them."""

from __future__ import annotations

from dataclasses import dataclass

FEED_KINDS = ("activities", "cloud-billing", "video", "survey", "metrics", "energy-attributes")


FEED_CADENCES = ("monthly",)


# A feed kind -> the import kinds (batches.kind) it takes.
FEED_BATCH_KINDS = {
    "activities": ("activities",),
    "cloud-billing": ("cloud-billing", "ccf-estimates"),
    "video": ("video",),
    "survey": ("commuting-survey",),
    "metrics": ("metrics",),
    "energy-attributes": ("energy-attributes",),
}


@dataclass(frozen=True)
class Feed:
    """A data feed a complete month needs (carbon feeds add, docs/feeds.md): its imports are
    those attributed to it (`--feed NAME`) or, failing that, those of its kind whose provider and
    source name match; `teams` and `categories` (empty: any) narrow what it covers and are each
    expected every month. It is expected from `first_month` (None: its first month with data, or
    the month it was declared when it has none)."""

    name: str
    kind: str
    provider: str | None = None
    teams: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    source: str | None = (
        None  # an fnmatch pattern on the import's source name (--source, else file name)
    )
    cadence: str = "monthly"
    first_month: str | None = None
    declared_month: str | None = None  # the month it was declared (YYYY-MM)


@dataclass(frozen=True)
class FeedBatch:
    """An import as the completeness rules see it: its kind, source, provider and the feed it was
    attributed to (None: by kind, provider and source pattern)."""

    id: int
    kind: str
    source: str
    provider: str | None = None
    feed: str | None = None


@dataclass(frozen=True)
class FeedCell:
    """What an import holds in a month: a team and category (a metric name, an instrument)."""

    batch_id: int
    month: str
    team: str
    category: str


@dataclass(frozen=True)
class ConfigFeeds:
    """What declaring a config's [feeds.NAME] did: the names declared, and a warning per table
    whose name was declared already with other values (kept as declared)."""

    added: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
