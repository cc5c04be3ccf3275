"""Which database backend this run tests: PostgreSQL is asked for with CARBON_TEST_DB."""

import os

import pytest
from conftest import PG_URL


def test_the_backend_asked_for_is_the_one_tested(store):
    if not PG_URL:
        pytest.skip(
            "PostgreSQL not tested in this run: the suite ran on SQLite only. Set "
            "CARBON_TEST_DB=postgresql+psycopg://USER@HOST:5432/DB to run it on PostgreSQL "
            "too (.ci/run does)"
        )
    assert os.environ["CARBON_TEST_DB"] == PG_URL
    assert store.engine.dialect.name == "postgresql" and store.engine.dialect.driver == "psycopg"
