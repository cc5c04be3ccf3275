"""Load the demo organisation into a store (library side of `carbon demo`)."""

from __future__ import annotations

from carbon.budgets import service as budget_service
from carbon.budgets import store as stored_budgets
from carbon.budgets.records import LoadOutcome
from carbon.cloud.importer import import_cloud_billing
from carbon.core.resources import demo_dir, shipped_dir
from carbon.demo.generate import TEAMS
from carbon.errors import InputError
from carbon.feeds import service as feed_service
from carbon.feeds.records import Feed
from carbon.ledger import service as importer
from carbon.metrics import service as metric_imports
from carbon.model import ImportOutcome
from carbon.store import Store

SOURCE_PREFIX = "demo:"
SURVEY_RANGE = ("2025-01", "2026-10")
BUDGETS = ("demo-2026.toml", 2026)  # in the shipped budgets/ directory: file, its year
CLOUD_UNALLOCATED = "Unallocated"  # the team of the AWS bill's untagged lines (cloud-rules.toml)
METRICS = (
    ("active_users", "mean", "active users"),
    ("paid_students", "sum", "paid students"),
    ("streamed_hours", "sum", "hours streamed"),
)
SCENARIO = "levers-2026.toml"  # a what-if file for `carbon scenario run`
# The data feeds a complete month of the demo needs (carbon feeds status; docs/feeds.md).
FEEDS = (
    Feed("activities", "activities", source=SOURCE_PREFIX + "activities-*.csv"),
    Feed("commuting", "survey", source=SOURCE_PREFIX + "commuting-survey.csv"),
    Feed("aws", "cloud-billing", provider="aws", first_month="2026-10"),
    Feed("metrics", "metrics", source=SOURCE_PREFIX + "metrics.csv"),
)


def load(store: Store) -> list[tuple[str, ImportOutcome]]:
    """Declare the demo teams and import the demo files; idempotent.

    Refuses a database that holds anything but the demo, so the demo never
    mixes with real data.
    """
    other = [b for b in store.list_batches() if not b.source_name.startswith(SOURCE_PREFIX)]
    if other:
        raise InputError(
            "this database already holds other imports; run the demo on its own database, "
            "e.g. carbon --db sqlite:///demo.db demo"
        )
    declared = {t.name for t in store.list_teams()}
    for team in TEAMS:
        if team not in declared:
            importer.add_team(store, team)
    d = demo_dir()
    done = []
    for name in ("activities-2025.csv", "activities-2026.csv"):
        done.append(
            (name, importer.import_activities(store, d / name, source=SOURCE_PREFIX + name))
        )
    name = "commuting-survey.csv"
    done.append(
        (name, importer.import_survey(store, d / name, *SURVEY_RANGE, source=SOURCE_PREFIX + name))
    )
    # N. Virginia's cloud usage of October 2026 comes from the AWS bill, allocated by tag
    name = "cur-2026-10.csv"
    if CLOUD_UNALLOCATED not in declared:
        importer.add_team(store, CLOUD_UNALLOCATED)
    billed = import_cloud_billing(
        store, d / name, "aws", d / "cloud-rules.toml", source=SOURCE_PREFIX + name
    )
    done.append((name, billed.outcome))
    for metric, rule, label in METRICS:
        metric_imports.define(store, metric, rule, label)
    name = "metrics.csv"
    done.append(
        (name, metric_imports.import_metrics(store, d / name, source=SOURCE_PREFIX + name)[0])
    )
    load_budgets(store)
    feed_service.sync_feeds(store, FEEDS)
    return done


def load_budgets(store: Store) -> LoadOutcome | None:
    """Load the demo's budgets; idempotent. An earlier demo version is replaced; budgets
    a user loaded for the year are kept (None is returned)."""
    name, year = BUDGETS
    with store.engine.connect() as conn:
        earlier = stored_budgets.get_plan(conn, year)
    if earlier is not None and not earlier.plan.source.startswith(SOURCE_PREFIX):
        return None
    return budget_service.load_file(
        store, shipped_dir("budgets") / name, replace=True, source=f"{SOURCE_PREFIX}budgets/{name}"
    )
