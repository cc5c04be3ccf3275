"""Shared fixtures: a fresh database per test (SQLite, or PostgreSQL when asked), the CLI.

Set CARBON_TEST_DB to a PostgreSQL URL (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test) to run every database test
against PostgreSQL: each test then gets a schema of its own, dropped after.
"""

from __future__ import annotations

import os
import sqlite3
import textwrap
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

import cli
from carbon.store import Store, metadata

PG_URL = os.environ.get("CARBON_TEST_DB", "")


def pytest_terminal_summary(terminalreporter):
    """Say how many fuzz cases ran (tests/test_fuzz.py, tests/test_fuzz_importers.py), in every run's summary."""
    import sys

    for module in ("test_fuzz", "test_fuzz_importers"):
        fuzz = sys.modules.get(module) or sys.modules.get("tests." + module)
        if fuzz is not None and any(fuzz.RAN.values()):
            terminalreporter.write_line(f"fuzz cases run ({module}): {fuzz.RAN}")


def pytest_report_header(config):
    return f"carbon test database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (set CARBON_TEST_DB for PostgreSQL)'}"


@pytest.fixture
def db_url(tmp_path: Path):
    """URL of an empty database for this test."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'carbon.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture
def write(tmp_path: Path):
    """write("name.csv", text) -> path; the text is dedented (inputs live inline in tests)."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return path

    return _write


class Cli:
    def __init__(self, url: str):
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(
            cli.main, ["--db", self.url, *map(str, args)], input=input, catch_exceptions=False
        )


@pytest.fixture
def run(db_url):
    """run("teams", "add", "Platform") -> click Result (stdout in .stdout, stderr in .stderr)."""
    return Cli(db_url)


# Caches of what the code computes from the shipped files (carbon/factors/store.py): not data.
CACHES = ("factor_table_cache",)


def dump(url: str, caches: bool = True) -> list:
    """Everything in the database, as comparable data (schema and rows); without the caches'
    rows when `caches` is False (a read-only command may keep what it computed)."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            lines = list(con.iterdump())
        finally:
            con.close()
        skip = tuple(f'INSERT INTO "{t}"' for t in CACHES)
        return lines if caches else [x for x in lines if not x.startswith(skip)]
    engine = create_engine(url)
    out = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if not caches and table.name in CACHES:
                continue
            rows = conn.execute(select(table).order_by(*table.c)).all()
            out.append((table.name, [tuple(r) for r in rows]))
    engine.dispose()
    return out


@pytest.fixture
def db_dump(db_url):
    return lambda caches=True: dump(db_url, caches)
