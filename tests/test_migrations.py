"""Schema migrations: a database at the first schema, filled, upgraded to head, keeps every figure."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text

from carbon.errors import StoreError
from carbon.ledger import service as importer
from carbon.ledger import views as ledger
from carbon.store import Store, migrate
from carbon.store.schema import ledger_rows_of, metadata

FIRST = "0001"


def _fill_first_schema(conn) -> None:
    """Rows as carbon at revision 0001 wrote them (plain SQL: no current code involved)."""
    conn.execute(
        text(
            "INSERT INTO teams (id, name, created_at) VALUES "
            "(1, 'Platform', '2026-01-01 00:00:00'), (2, 'Video', '2026-01-01 00:00:00')"
        )
    )
    conn.execute(
        text(
            "INSERT INTO batches (id, kind, source_name, content_hash, params, imported_at, "
            "row_count, entry_count, co2e_kg) VALUES "
            "(1, 'activities', 'a.csv', 'h1', '', '2026-01-02 00:00:00', 3, 4, 0)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO factor_snapshots (id, fingerprint, activity, region, year, value, unit, "
            "category, scope, source, uncertainty_pct, source_ref, boundary, origin) VALUES "
            "(1, 'f1', 'electricity.grid', 'FR', 2024, 0.0519, 'kg CO2e / kWh', 'infrastructure', 2, "
            "'ADEME', NULL, 'ref', 'lifecycle', 'ademe_2024_grid_fr.csv:2'), "
            "(2, 'f2', 'streaming.video.hour', 'EU', 2020, 55, 'g CO2e / hour', 'streaming', 3, "
            "'Carbon Trust', NULL, 'ref', 'use phase', 'carbon_trust_2021_streaming.csv:2')"
        )
    )
    # 1,000 kWh FR (51.9 kg) in May and June for Platform; 2 x 1,000 h EU streaming (55 kg each) in May.
    conn.execute(
        text(
            "INSERT INTO ledger (batch_id, line, team_id, month, activity, category, scope, quantity, "
            "unit, co2e_kg, factor_id) VALUES "
            "(1, 2, 1, '2024-05', 'electricity.grid', 'infrastructure', 2, 1000, 'kWh', 51.9, 1), "
            "(1, 3, 1, '2024-06', 'electricity.grid', 'infrastructure', 2, 1000, 'kWh', 51.9, 1), "
            "(1, 4, 2, '2024-05', 'streaming.video.hour', 'streaming', 3, 1000, 'hour', 55.0, 2), "
            "(1, 4, 2, '2024-05', 'streaming.video.hour', 'streaming', 3, 1000, 'hour', 55.0, 2)"
        )
    )


def test_upgrade_from_first_schema_keeps_every_figure(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        migrate.upgrade(conn, FIRST)
        assert migrate.current(conn) == FIRST
        _fill_first_schema(conn)
        before = conn.execute(
            text(
                "SELECT t.name, l.month, l.category, l.scope, SUM(l.co2e_kg), COUNT(*) "
                "FROM ledger l JOIN teams t ON t.id = l.team_id "
                "GROUP BY t.name, l.month, l.category, l.scope ORDER BY 1, 2"
            )
        ).all()
    engine.dispose()
    store = Store.open(db_url)  # upgrades to head
    with store.engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
    after = []
    for month in ("2024-05", "2024-06"):
        for t in ledger.monthly_report(store, month).teams:
            for cat, kg in t.by_category.items():
                after.append((t.team, month, cat, kg))
    assert sorted(after) == sorted((t, m, c, pytest.approx(kg)) for t, m, c, _s, kg, _n in before)
    assert ledger.monthly_report(store, "2024-05").total == pytest.approx(51.9 + 110.0)
    with store.engine.connect() as conn:
        ((kg, n),) = store.aggregate(conn, [], "2024-01", "2024-12")
    assert (kg, n) == (pytest.approx(51.9 * 2 + 110.0), 4)
    with store.engine.connect() as conn:  # migration 0024: the batch's id bounds hold its rows
        mine = conn.execute(select(func.count()).where(ledger_rows_of(1))).scalar_one()
    assert mine == 4
    importer.remove(store, 1)  # a removal reads the rows through those bounds
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ledger")).scalar_one() == 0
    # migration 0025: import 1, removed, is never given again (SQLite reused its rowid)
    with store.transaction() as conn:
        assert store.insert_batch(conn, "activities", "b.csv", "h2") == 2
    store.close()


def test_migration_0025_starts_past_every_import_id_still_cited(db_url):
    # An import 5 removed under a restatement (its id now only in the log): the next is 6.
    engine = create_engine(db_url)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0024")
        _fill_first_schema(conn)
        conn.execute(
            text(
                "INSERT INTO restatements (at, by, reason, action, batch_id, removed, periods) "
                "VALUES ('2026-01-03 00:00:00', 'ops', 'late bill', 'remove', NULL, '[5]', '[]')"
            )
        )
    engine.dispose()
    store = Store.open(db_url)
    with store.transaction() as conn:
        assert store.insert_batch(conn, "activities", "b.csv", "h2") == 6
    store.close()


def test_migrations_build_exactly_the_schema_the_code_declares(db_url):
    store = Store.open(db_url)
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    store.close()
    assert diffs == [], f"a schema change needs a migration in carbon/migrations/versions: {diffs}"


def test_database_from_a_newer_carbon_is_refused(db_url):
    Store.open(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        assert (
            conn.execute(select(func.count()).select_from(text("alembic_version"))).scalar_one()
            == 1
        )
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this carbon"):
        Store.open(db_url)


def test_downgrading_past_0024_keeps_the_ledger(db_url, tmp_path):
    # SQLite's downgrade of 0024 copied `batches` and dropped the old table: with foreign keys on
    # (every carbon connection), the drop deleted every ledger row that cascades from a batch.
    from alembic import command

    csv = tmp_path / "a.csv"
    csv.write_text(
        "date,team,activity,quantity,unit,region\n2024-05,Platform,electricity.grid,1000,kWh,FR\n",
        encoding="utf-8",
    )
    store = Store.open(db_url)
    from carbon.api import Carbon

    Carbon(store).add_teams(["Platform"])
    importer.import_activities(store, csv)
    tables = ("ledger", "ledger_monthly", "batches")
    with store.engine.connect() as conn:
        before = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
    assert before == {"ledger": 1, "ledger_monthly": 1, "batches": 1}
    with store.engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0023")
        after = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
    assert after == before
    store.close()
