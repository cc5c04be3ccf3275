"""Load the demo organisation into a store (library side of `carbon demo`)."""

from __future__ import annotations

from carbon import importer
from carbon.demo.generate import TEAMS
from carbon.errors import InputError
from carbon.model import ImportOutcome
from carbon.resources import demo_dir
from carbon.store import Store

SOURCE_PREFIX = "demo:"
SURVEY_RANGE = ("2025-01", "2026-10")


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
        done.append((name, importer.import_activities(store, d / name, source=SOURCE_PREFIX + name)))
    name = "commuting-survey.csv"
    done.append((name, importer.import_survey(store, d / name, *SURVEY_RANGE, source=SOURCE_PREFIX + name)))
    return done
