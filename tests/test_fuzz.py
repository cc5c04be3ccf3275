"""Bad-input fuzzing: mutated activity, survey, factor, budget and price files end in success
or a clear refusal.

Never a traceback (any exception other than InputError fails), never a partial
write: a refusal leaves the whole database exactly as before (every table compared),
a success adds one import whose entries are all in the ledger and the monthly rollup.
The number of cases run is printed in pytest's summary (conftest.py); the profile
(CARBON_FUZZ_PROFILE, tests/fuzzing.py) scales them: the CI profile runs 340, nightly about 3,000.
"""

from __future__ import annotations

import pytest
from fuzzing import fuzz_settings  # tests/fuzzing.py: the profiles
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from carbon.errors import InputError
from carbon.ledger import service as importer
from carbon.store.schema import batches, ledger, ledger_monthly

VALID = (
    "date,team,activity,quantity,unit,region,end,note\n"
    "2024-01,Platform,electricity.grid,1200,kWh,FR,,office\n"
    "2024-02-10,Platform,cloud.aws.vcpu_hour,5000,vCPU_hour,aws:eu-west-3,2024-03-09,\n"
    "2024-03,Video,streaming.video.hour,900,minute,EU,,\n"
    "2024-04,Video,commute.car.petrol,120,mi,GB,,\n"
)
SURVEY = (
    "employee,team,mode,one_way_km,days_on_site_per_week,region,occupants\n"
    "E1,Platform,commute.metro,8,3,FR,\n"
    "E2,Video,commute.car.petrol,20,2,FR,2\n"
)
FACTORS = (
    "activity,region,year,value,unit,category,scope,source,uncertainty_pct,source_ref,boundary\n"
    "electricity.grid,FR,2024,0.06,kg CO2e / kWh,infrastructure,2,our supplier,5,contract 12,lifecycle\n"
    "commute.shuttle,FR,2024,0.05,kg CO2e / passenger_km,commuting,3,operator data,,,\n"
)
BUDGET = (
    "year = 2024\n"
    'unit = "t CO2e"\n'
    "[teams.Platform]\n"
    "budget = 120.0\n"
    'profile = "flat"\n'
    "[teams.Video]\n"
    "budget = 300\n"
    "profile = [1, 1, 1, 1, 1, 1, 0.5, 0.5, 1, 1, 1, 1]\n"
)
PRICES = (
    "year,price,unit,basis,source\n2024,80.5,EUR / t CO2e,internal price,board decision 2024-01\n"
)
CELLS = st.sampled_from(
    [
        "",
        " ",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e400",
        "1e308",
        "-1",
        "0",
        "1,5",
        "１２",
        "=1+1",
        '=HYPERLINK("http://x")',
        "+cmd",
        "@SUM(A1)",
        '"',
        '""',
        "x" * 1_000_000,
        "\x00",
        "2024-13",
        "2024-02-30",
        "9999-12-31",
        "0001-01-01",
        "kg",
        "GB",
        "hour",
        "aws:nowhere-1",
        "FR",
        "Platform ",
        "é",
        "\ufeff",
        "\t",
        "\r",
        "\n",
        "𝟘",
    ]
)


def mutate(text: str, data) -> bytes:
    kind = data.draw(
        st.sampled_from(
            [
                "truncate",
                "delimiter",
                "bom",
                "latin1",
                "cell",
                "cell",
                "cell",
                "dup_header",
                "drop_line",
                "extra_field",
                "blank_lines",
                "crlf",
            ]
        )
    )
    lines = text.splitlines(keepends=True)
    if kind == "truncate":
        return text.encode()[: data.draw(st.integers(0, len(text.encode())))]
    if kind == "delimiter":
        return text.replace(",", data.draw(st.sampled_from([";", "\t", "|"]))).encode()
    if kind == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    if kind == "latin1":
        return (text.replace("office", "énergie")).encode("latin-1")
    if kind == "dup_header":
        header = lines[0].rstrip("\n").split(",")
        header.append(data.draw(st.sampled_from(header)))
        return (",".join(header) + "\n" + "".join(lines[1:])).encode()
    if kind == "drop_line":
        i = data.draw(st.integers(0, len(lines) - 1))
        return "".join(lines[:i] + lines[i + 1 :]).encode()
    if kind == "extra_field":
        i = data.draw(st.integers(1, len(lines) - 1))
        lines[i] = lines[i].rstrip("\n") + ",extra\n"
        return "".join(lines).encode()
    if kind == "blank_lines":
        return text.replace("\n", "\n\n").encode()
    if kind == "crlf":
        return text.replace("\n", "\r\n").encode()
    # Replace one cell of one data line.
    i = data.draw(st.integers(1, len(lines) - 1))
    cells = lines[i].rstrip("\n").split(",")
    j = data.draw(st.integers(0, len(cells) - 1))
    value = data.draw(CELLS)
    cells[j] = '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value
    lines[i] = ",".join(cells) + "\n"
    return "".join(lines).encode()


def counts(store):
    with store.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(batches)).scalar_one(),
            conn.execute(select(func.count()).select_from(ledger)).scalar_one(),
            conn.execute(select(func.coalesce(func.sum(ledger_monthly.c.entries), 0))).scalar_one(),
        )


RAN = {"activities": 0, "survey": 0, "factors": 0, "budgets": 0, "prices": 0, "ok": 0, "refused": 0}


@pytest.fixture
def teams(store):
    for t in ("Platform", "Video"):
        importer.add_team(store, t)
    return store


def _check(store, db_dump, call):
    """Run an import: a refusal must leave the database exactly as it was."""
    before, before_counts = db_dump(), counts(store)
    try:
        out = call()
    except InputError:
        RAN["refused"] += 1
        assert db_dump() == before
        return None
    RAN["ok"] += 1
    after = counts(store)
    if getattr(out, "already_imported", False):
        assert after == before_counts
    elif hasattr(out, "batch"):  # activities and surveys: every entry in the ledger and the rollup
        assert after[0] == before_counts[0] + 1
        assert after[1] - before_counts[1] == out.batch.entry_count == after[2] - before_counts[2]
    return out


@fuzz_settings(1, at_least=120)
@given(data=st.data())
def test_fuzz_activity_files(teams, db_dump, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "a.csv"
    path.write_bytes(mutate(VALID, data))
    RAN["activities"] += 1
    _check(
        teams,
        db_dump,
        lambda: importer.import_activities(teams, path, source=f"fuzz-{RAN['activities']}"),
    )


@fuzz_settings(0.5, at_least=60)
@given(data=st.data())
def test_fuzz_survey_files(teams, db_dump, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "s.csv"
    path.write_bytes(mutate(SURVEY, data))
    RAN["survey"] += 1
    _check(
        teams,
        db_dump,
        lambda: importer.import_survey(
            teams, path, "2024-01", "2024-02", source=f"fuzz-{RAN['survey']}"
        ),
    )


@fuzz_settings(0.5, at_least=60)
@given(data=st.data())
def test_fuzz_factor_files(teams, db_dump, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_bytes(mutate(FACTORS, data))
    RAN["factors"] += 1
    _check(
        teams,
        db_dump,
        lambda: importer.import_factors(teams, path, source=f"fuzz-{RAN['factors']}"),
    )


@fuzz_settings(0.5, at_least=60)
@given(data=st.data())
def test_fuzz_budget_files(teams, db_dump, tmp_path_factory, data):
    from carbon.budgets import service as stored_budgets

    path = tmp_path_factory.mktemp("fuzz") / "b.toml"
    path.write_bytes(mutate_toml(BUDGET, data))
    RAN["budgets"] += 1
    _check(teams, db_dump, lambda: stored_budgets.load_file(teams, path, replace=True))


@fuzz_settings(0.5, at_least=40)
@given(data=st.data())
def test_fuzz_price_files(teams, db_dump, tmp_path_factory, data):
    from carbon.prices.service import import_file

    path = tmp_path_factory.mktemp("fuzz") / "p.csv"
    path.write_bytes(mutate(PRICES, data))
    RAN["prices"] += 1
    _check(teams, db_dump, lambda: import_file(teams, path, source=f"fuzz-{RAN['prices']}"))


def mutate_toml(text: str, data) -> bytes:
    """TOML-specific damage on top of the generic mutations."""
    kind = data.draw(st.sampled_from(["generic", "value", "value", "key"]))
    if kind == "generic":
        return mutate(text, data)
    lines = text.splitlines(keepends=True)
    i = data.draw(st.integers(0, len(lines) - 1))
    if "=" not in lines[i]:
        return mutate(text, data)
    key, _ = lines[i].split("=", 1)
    if kind == "key":
        lines[i] = (
            data.draw(st.sampled_from(["bugdet", "year", "unit", "teams", "=", "[x]"])) + " = 1\n"
        )
    else:
        value = data.draw(
            st.sampled_from(
                [
                    "-1",
                    "nan",
                    "inf",
                    "1e400",
                    '"t"',
                    '"kg CO2e"',
                    '"bananas"',
                    "[1, 2]",
                    "[" + "1, " * 11 + "1]",
                    "[" + "0, " * 11 + "0]",
                    '"flat"',
                    "2024",
                    "true",
                    '"' + "x" * 1_000_000 + '"',
                    "",
                    "{}",
                ]
            )
        )
        lines[i] = f"{key}= {value}\n"
    return "".join(lines).encode()


def test_fuzz_ran_enough():
    """Runs after the fuzz tests above (file order): enough cases of each kind ran."""
    if not any(RAN.values()):
        pytest.skip("run with the fuzz tests of this file (it counts their cases)")
    assert RAN["activities"] >= 100 and RAN["survey"] >= 50
    assert RAN["factors"] >= 50 and RAN["budgets"] >= 50 and RAN["prices"] >= 30
    assert RAN["ok"] > 0 and RAN["refused"] > 0
