"""Whether a month is complete: per data feed, received, missing or partial (docs/feeds.md).

Pure rules on records: the declared feeds (carbon.feeds.records.Feed), the imports (FeedBatch), what each
holds per month (FeedCell: team, category) and the days of a month a cloud bill covers.

- A feed takes the imports attributed to it (`--feed NAME`), else those of its kind whose
  provider and source name match, narrowed to its teams and categories when it names them.
- It is expected every month from its first month (declared, else its first month with data,
  else the month it was declared) to the last month the tool knows.
- A month is *received* when its imports hold data in it; *missing* when none does; *partial*
  when a bill covers only some days of it, a team or category the feed names has nothing, or a
  team or category the feed covered in each of the three previous months has nothing now.
- Without declared feeds, feeds are inferred from history: one per import kind (and cloud
  provider); a month is expected of it only when each of the three previous months had data,
  and missing then reads "missing?" (`inferred` says so).

A month with a missing or partial feed is *incomplete*: it is named by every report and blocks
every verdict (budget check, the schedule, donation close) unless overridden. A survey spread
over the whole year makes only the survey feed received: it does not make a month complete.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from carbon.core.calendar import month_label, month_range, parse_month
from carbon.errors import Incomplete  # noqa: F401  re-exported: the error lives in carbon.errors
from carbon.feeds.records import FEED_BATCH_KINDS, Feed, FeedBatch, FeedCell

RECEIVED, MISSING, PARTIAL = "received", "missing", "partial"
COMPLETE, INCOMPLETE, UNKNOWN = "complete", "incomplete", "unknown"
HISTORY = 3  # months a team, category or inferred feed must have had data in to be expected


@dataclass(frozen=True)
class FeedState:
    """One feed in one month."""

    feed: str
    kind: str
    state: str  # received | missing | partial
    detail: str = ""

    def to_dict(self) -> dict:
        return {"feed": self.feed, "kind": self.kind, "state": self.state, "detail": self.detail}


@dataclass(frozen=True)
class Completeness:
    """A month's completeness: each expected feed's state; `missing` the feeds missing or partial."""

    month: str
    status: str  # complete | incomplete | unknown
    inferred: bool
    feeds: tuple[FeedState, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(f.feed for f in self.feeds if f.state != RECEIVED)

    @property
    def incomplete(self) -> bool:
        return self.status == INCOMPLETE

    def to_dict(self) -> dict:
        return {
            "month": self.month,
            "status": self.status,
            "inferred": self.inferred,
            "feeds": [f.to_dict() for f in self.feeds],
            "missing": list(self.missing),
        }

    def gaps(self) -> str:
        """The missing and partial feeds in words: "video missing (…); aws partial (…)"."""
        mark = "?" if self.inferred else ""
        return "; ".join(
            f"{f.feed} {f.state}{mark} ({f.detail})" if f.detail else f"{f.feed} {f.state}{mark}"
            for f in self.feeds
            if f.state != RECEIVED
        )

    def headline(self) -> str:
        """One sentence for a report ("" unless incomplete): which feeds are missing."""
        how = (
            " (inferred from history: no feeds declared, see 'carbon feeds add')"
            if self.inferred
            else ""
        )
        if self.status == INCOMPLETE:
            return f"{self.month} is incomplete{how}: {self.gaps()}"
        return ""  # complete, or unknown (said by "status" in JSON and by 'carbon feeds status')


@dataclass(frozen=True)
class FeedRow:
    feed: str
    kind: str
    months: dict = field(
        default_factory=dict
    )  # month -> FeedState (months it is expected or has data)


@dataclass(frozen=True)
class FeedMatrix:
    """Feeds × months."""

    months: tuple[str, ...]
    rows: tuple[FeedRow, ...]
    inferred: bool
    since: str | None = None  # the first month the tool knows (default: the first of `months`)

    def month(self, month: str) -> Completeness:
        states = tuple(r.months[month] for r in self.rows if month in r.months)
        if any(s.state != RECEIVED for s in states):
            status = INCOMPLETE
        elif not states or (
            self.inferred and not _has_history(self.since or min(self.months, default=None), month)
        ):
            status = UNKNOWN
        else:
            status = COMPLETE
        return Completeness(month, status, self.inferred, states)

    def incomplete(self, months) -> list[Completeness]:
        """The incomplete ones among `months` (in order)."""
        return [c for c in (self.month(m) for m in months) if c.incomplete]

    def to_dict(self) -> dict:
        return {
            "months": list(self.months),
            "feeds": [
                {
                    "feed": r.feed,
                    "kind": r.kind,
                    "months": {
                        m: {"state": s.state, "detail": s.detail} for m, s in r.months.items()
                    },
                }
                for r in self.rows
            ],
            "inferred": self.inferred,
        }


def previous(month: str, n: int = 1) -> str:
    y, m = parse_month(month)
    k = y * 12 + m - 1 - n
    return month_label(k // 12, k % 12 + 1)


def _has_history(first: str | None, month: str) -> bool:
    return first is not None and first <= previous(month, HISTORY)


def days_in(month: str) -> int:
    return calendar.monthrange(*parse_month(month))[1]


def matches(feed: Feed, batch: FeedBatch) -> bool:
    """Whether an import is the feed's by kind, provider and source pattern (not by --feed)."""
    if batch.kind not in FEED_BATCH_KINDS.get(feed.kind, ()):
        return False
    if feed.provider and (batch.provider or "").lower() != feed.provider.lower():
        return False
    return not feed.source or fnmatchcase(batch.source, feed.source)


def span(months: list[str]) -> tuple[str, ...]:
    """Every month from the first to the last of `months` (none: ())."""
    return tuple(month_range(min(months), max(months))) if months else ()


def matrix(
    feeds: list[Feed],
    batches: list[FeedBatch],
    cells: list[FeedCell],
    days: dict[tuple[int, str], tuple[int, int]],
    months: tuple[str, ...],
    retired: dict[str, str] | None = None,
) -> FeedMatrix:
    """Feeds × `months`: the declared feeds, else the ones inferred from history.

    `retired`: {team: first month without it}; from that month on the team is expected of no feed.
    """
    gone = retired or {}
    if feeds:
        return FeedMatrix(
            months, tuple(_declared(f, batches, cells, days, months, gone) for f in feeds), False
        )
    return FeedMatrix(months, _inferred(batches, cells, days, months, gone), True)


def _declared(
    feed: Feed,
    batches: list[FeedBatch],
    cells: list[FeedCell],
    days: dict[tuple[int, str], tuple[int, int]],
    months: tuple[str, ...],
    retired: dict[str, str],
) -> FeedRow:
    by_id = {b.id: b for b in batches}
    mine = {b.id for b in batches if b.feed == feed.name}
    auto = {b.id for b in batches if b.feed is None and matches(feed, b)}
    teams, cats = set(feed.teams), set(feed.categories)
    held: dict[str, set[tuple[str, str]]] = defaultdict(set)
    ids: dict[str, set[int]] = defaultdict(set)
    for c in cells:
        if c.batch_id in mine or (
            c.batch_id in auto
            and (not teams or c.team in teams)
            and (not cats or c.category in cats)
        ):
            held[c.month].add((c.team, c.category))
            ids[c.month].add(c.batch_id)
    start = feed.first_month or min(
        [*held, *([feed.declared_month] if feed.declared_month else [])], default=None
    )
    row: dict[str, FeedState] = {}

    def all_retired(m: str) -> bool:  # a feed of teams that are all gone is expected no more
        return bool(teams) and all(_gone(retired, t, m) for t in teams)

    for m in months:
        if start is None or m < start or all_retired(m):
            if m in held:
                row[m] = FeedState(feed.name, feed.kind, RECEIVED, _received(by_id, ids[m]))
            continue
        row[m] = _state(
            feed.name, feed.kind, m, held, ids, days, by_id, teams, cats, False, retired
        )
    return FeedRow(feed.name, feed.kind, row)


def _inferred(
    batches: list[FeedBatch],
    cells: list[FeedCell],
    days: dict[tuple[int, str], tuple[int, int]],
    months: tuple[str, ...],
    retired: dict[str, str],
) -> tuple[FeedRow, ...]:
    kind_of = {bk: fk for fk, bks in FEED_BATCH_KINDS.items() for bk in bks}
    by_id = {b.id: b for b in batches}
    groups: dict[tuple[str, str], tuple[dict, dict]] = {}
    for c in cells:
        b = by_id.get(c.batch_id)
        if b is None:
            continue
        kind = kind_of.get(b.kind, b.kind)
        name = f"{kind}:{b.provider}" if b.provider else kind
        held, ids = groups.setdefault((name, kind), (defaultdict(set), defaultdict(set)))
        held[c.month].add((c.team, c.category))
        ids[c.month].add(c.batch_id)
    rows = []
    for (name, kind), (held, ids) in sorted(groups.items()):
        row: dict[str, FeedState] = {}
        for m in months:
            expected = all(previous(m, k) in held for k in range(1, HISTORY + 1))
            if not expected and m not in held:
                continue
            row[m] = _state(name, kind, m, held, ids, days, by_id, set(), set(), True, retired)
        rows.append(FeedRow(name, kind, row))
    return tuple(rows)


def _gone(retired: dict[str, str], team: str, month: str) -> bool:
    """Whether `team` no longer exists in `month` (`retired`: {team: first month without it})."""
    return team in retired and retired[team] <= month


def _received(by_id: dict[int, FeedBatch], ids: set[int]) -> str:
    names = sorted({by_id[i].source for i in ids if i in by_id})
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"import{'s' if len(ids) != 1 else ''} {shown}"


def _state(
    name: str,
    kind: str,
    m: str,
    held: dict,
    ids: dict,
    days: dict,
    by_id: dict,
    teams: set[str],
    cats: set[str],
    inferred: bool,
    retired: dict[str, str],
) -> FeedState:
    """The state of one feed in month `m` (it is expected in `m`); a team retired at `m`
    (`retired`: {team: first month without it}) is expected of it no more."""
    if m not in held:
        prior = [previous(m, k) for k in range(HISTORY, 0, -1)]
        why = (
            f"nothing imported for {m}; present in each of {', '.join(prior)}"
            if inferred
            else f"no import for {m}"
        )
        return FeedState(name, kind, MISSING, why)
    now = held[m]
    gaps = []
    teams = {t for t in teams if not _gone(retired, t, m)}
    got_teams = {t for t, _ in now} | {t for t in retired if _gone(retired, t, m)}
    got_cats = {c for _, c in now}
    for t in sorted(teams - got_teams):
        gaps.append(f"nothing for team {t}")
    for c in sorted(cats - got_cats):
        gaps.append(f"nothing for category {c}")
    before = [held.get(previous(m, k), set()) for k in range(1, HISTORY + 1)]
    if all(before):
        steady_teams = set.intersection(*({t for t, _ in b} for b in before)) - got_teams - teams
        steady_cats = (  # of the teams that still exist: a retired team's categories go with it
            set.intersection(*({c for t, c in b if not _gone(retired, t, m)} for b in before))
            - got_cats
            - cats
        )
        for t in sorted(steady_teams):
            gaps.append(f"team {t} absent (present in each of the {HISTORY} previous months)")
        for c in sorted(steady_cats):
            gaps.append(f"category {c} absent (present in each of the {HISTORY} previous months)")
    covered = [days[(i, m)] for i in ids[m] if (i, m) in days]
    if covered:
        first, last = min(a for a, _ in covered), max(b for _, b in covered)
        total = days_in(m)
        if first > 1 or last < total:
            gaps.append(f"bill covers days {first}–{last} of {total}")
    if gaps:
        return FeedState(name, kind, PARTIAL, "; ".join(gaps))
    return FeedState(name, kind, RECEIVED, _received(by_id, ids[m]))


def differences(declared: Feed, wanted: Feed) -> list[str]:
    """What a config's [feeds.NAME] asks that the feed declared under that name does not hold
    ("teams: declared Web, Ops; config Web"), in the order of the table's keys."""

    def show(v) -> str:
        if isinstance(v, tuple):
            return ", ".join(sorted(v)) or "any"
        return "none" if v is None else str(v)

    out = []
    for key, a, b in (
        ("kind", declared.kind, wanted.kind),
        ("provider", declared.provider, wanted.provider),
        ("teams", tuple(sorted(declared.teams)), tuple(sorted(wanted.teams))),
        ("categories", tuple(sorted(declared.categories)), tuple(sorted(wanted.categories))),
        ("source", declared.source, wanted.source),
        ("cadence", declared.cadence, wanted.cadence),
    ):
        if a != b:
            out.append(f"{key}: declared {show(a)}; config {show(b)}")
    if wanted.first_month is not None and wanted.first_month != declared.first_month:
        out.append(f"from: declared {show(declared.first_month)}; config {wanted.first_month}")
    return out
