"""The edges a careful operator meets in the first month: no figure rounded to zero, faults of
the environment reported as such, no foreign database taken over, a bounded schedule, no
terminal escape codes, restating energy attributes in a closed year."""

from __future__ import annotations

import json

import pytest

from carbon.core.figures import kept

HEADER = "date,team,activity,quantity,unit,region\n"


def test_kept_keeps_significant_digits_never_a_false_zero():
    assert kept(51.94321) == 51.943  # to the gram, as before
    assert kept(1.038e-10, 6) == 1.04e-10  # round(x, 6) would give 0.0
    assert kept(-0.0000519) == -5.19e-05
    assert kept(-11.1753, 2, digits=2) == -11.18
    assert (kept(0.0), kept(None)) == (0.0, None)


@pytest.fixture
def web(run, write):
    """A small web company from September 2024: Platform 2,000 kWh in France a month (ADEME 2024
    0.0519 kg/kWh = 103.8 kg), Ops 0.001 kWh in September (0.0000519 kg); 10^12 bytes served a
    month."""
    run("teams", "add", "Platform", "Ops")
    r = run(
        "import",
        "activities",
        write(
            "a.csv",
            HEADER + "2024-09,Platform,electricity.grid,2000,kWh,FR\n"
            "2024-10,Platform,electricity.grid,2000,kWh,FR\n"
            "2024-09,Ops,electricity.grid,0.001,kWh,FR\n",
        ),
    )
    assert r.exit_code == 0, r.output
    assert (
        run(
            "metrics", "define", "bytes_served", "--year", "sum", "--label", "bytes served"
        ).exit_code
        == 0
    )
    r = run(
        "import",
        "metrics",
        write(
            "m.csv",
            "month,metric,value\n2024-09,bytes_served,1000000000000\n"
            "2024-10,bytes_served,1000000000000\n",
        ),
    )
    assert r.exit_code == 0, r.output
    return run


def test_a_small_intensity_is_never_written_as_zero(web, tmp_path):
    # October: 103.8 kg / 10^12 bytes = 1.038e-10 kg per byte -> 1.04e-10 (3 significant digits)
    month = json.loads(web("report", "monthly", "--month", "2024-10", "--format", "json").stdout)
    assert month["intensity"][0]["kg_per_unit"] == 1.04e-10
    assert (
        "1.04e-10" in web("report", "monthly", "--month", "2024-10").stdout
    )  # the table: same value
    # September: Ops 0.001 kWh x 0.0519 = 0.0000519 kg, not 0.0 (to the gram it would be)
    sept = json.loads(web("report", "monthly", "--month", "2024-09", "--format", "json").stdout)
    ops = next(t for t in sept["teams"] if t["team"] == "Ops")
    assert ops["total"] == 5.19e-05
    # the year: (103.8 + 0.0000519 + 103.8) kg / (2 x 10^12) bytes = 1.038e-10 -> 1.04e-10
    year = json.loads(web("metrics", "intensity", "--year", "2024", "--format", "json").stdout)
    assert year["intensity"][0]["kg_per_unit"] == 1.04e-10
    assert "1.04e-10" in web("metrics", "intensity", "--year", "2024").stdout
    inventory = json.loads(web("report", "year", "--year", "2024", "--format", "json").stdout)
    assert inventory["intensity"][0]["kg_per_unit"] == 1.04e-10
    xlsx = tmp_path / "inventory.xlsx"
    assert web("report", "year", "--year", "2024", "--format", "xlsx", "--out", xlsx).exit_code == 0
    import openpyxl

    rows = list(openpyxl.load_workbook(xlsx)["intensity"].iter_rows(values_only=True))
    assert rows[1][:4] == ("bytes_served", "bytes served", 2e12, 1.04e-10)
    assert web("report", "pack", "--month", "2024-10", "--out", tmp_path / "packs").exit_code == 0
    pack = next((tmp_path / "packs").iterdir())
    assert json.loads((pack / "report.json").read_text())["intensity"][0]["kg_per_unit"] == 1.04e-10


# ---- faults of the environment: a clear message, exit 1, nothing half-written -----------------------


def _carbon(db_url: str, *args, cwd=None):
    """The real program in a process of its own (what an operator sees: no traceback printed by
    the interpreter after the command ended)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != "CARBON_DEBUG"}
    return subprocess.run(
        [sys.executable, str(root / "cli.py"), "--db", db_url, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or root,
        timeout=120,
    )


def test_workbook_on_a_full_disk_is_a_clean_error(web, db_url):
    import os

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    r = _carbon(
        db_url, "report", "year", "--year", "2024", "--format", "xlsx", "--out", "/dev/full"
    )
    assert r.returncode == 1, r.stderr
    assert "No space left on device" in r.stderr
    assert (
        "Traceback" not in r.stderr
        and "Exception ignored" not in r.stderr
        and "internal" not in r.stderr
    )


def test_pack_into_a_folder_that_cannot_be_made_is_a_clean_error(web, tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the folder should be")  # refused even to root, unlike chmod
    r = web("report", "pack", "--month", "2024-10", "--out", blocker / "october")
    assert r.exit_code == 1, r.output
    assert "cannot write the pack into" in r.stderr and "nothing was written" in r.stderr
    r = web(
        "report",
        "year",
        "--year",
        "2024",
        "--format",
        "json",
        "--out",
        tmp_path / "missing" / "y.json",
    )
    assert (
        r.exit_code == 1 and "No such file or directory" in r.stderr and "internal" not in r.stderr
    )


def test_an_output_is_whole_or_not_written(tmp_path, monkeypatch):
    import errno
    import os

    from carbon.core.files import write_atomic

    target = tmp_path / "inventory.json"
    write_atomic(target, b'{"old": 1}')
    assert (
        target.read_bytes() == b'{"old": 1}'
        and (target.stat().st_mode & 0o777) == 0o666 & ~_umask()
    )

    def full_disk(*_a):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        write_atomic(target, b'{"new": 2}')
    assert target.read_bytes() == b'{"old": 1}'  # the previous file, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inventory.json"]  # no temporary left


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.fixture
def cut_connection_at(db_url):
    """cut(statement_start): the database connection is lost when a statement starting so is
    about to run: on PostgreSQL the server ends the backend (pg_terminate_backend from another
    connection), on SQLite the driver raises OperationalError as a failing disk would."""
    import sqlite3

    from sqlalchemy import create_engine, event, text
    from sqlalchemy.engine import Engine

    armed: list[str] = []

    def before(conn, cursor, statement, *_rest):
        if not armed or not statement.lstrip().upper().startswith(armed[0]):
            return
        armed.clear()
        if conn.dialect.name == "postgresql":
            pid = conn.connection.dbapi_connection.info.backend_pid
            admin = create_engine(db_url)
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.dispose()
        else:
            raise sqlite3.OperationalError("disk I/O error")

    event.listen(Engine, "before_cursor_execute", before)
    yield armed.append
    event.remove(Engine, "before_cursor_execute", before)


def test_database_lost_in_the_middle_of_an_import(web, write, db_dump, cut_connection_at):
    before = db_dump()
    # the ledger rows are written, then the import's totals: the connection goes there
    cut_connection_at("UPDATE BATCHES")
    r = web(
        "import",
        "activities",
        write("nov.csv", HEADER + "2024-11,Platform,electricity.grid,2000,kWh,FR\n"),
    )
    assert r.exit_code == 1, r.output
    assert (
        "database connection failed or was lost" in r.stderr and "nothing was committed" in r.stderr
    )
    assert "internal error" not in r.output
    assert db_dump() == before


# ---- text from users never reaches a terminal, a page or a mail as an escape code --------------------

ESC = "\x1b[2J"  # clears the screen
RLO = "\u202e"  # shows what follows reversed


def _no_escape_codes(text: str) -> None:
    assert "\x1b" not in text and RLO not in text, repr(text)


def test_user_text_is_shown_without_control_or_bidi_characters(run, write, tmp_path):
    run("teams", "add", "Platform")
    r = run(
        "import",
        "activities",
        write("a.csv", HEADER + "2024-09,Platform,electricity.grid,2000,kWh,FR\n"),
        "--source",
        f"s{ESC}rc{RLO}vsc.exe",
    )
    assert r.exit_code == 0, r.output
    _no_escape_codes(r.output)  # the import summary names the source
    listed = run("imports", "list")
    _no_escape_codes(listed.output)
    assert "s[2Jrcv" in listed.stdout  # the rest of the text is kept, in order (the cell wraps)
    r = run(
        "close", "--month", "2024-09", "--reason", f"sent{ESC} to finance{RLO}", "--by", f"ann{ESC}"
    )
    assert r.exit_code == 0, r.output
    _no_escape_codes(r.output)
    closed = run("close", "--list")
    _no_escape_codes(closed.output)
    assert "sent[2J" in closed.stdout and "ann[2J" in closed.stdout
    r = run(
        "scenario",
        "run",
        write(
            "s.toml",
            """\
        year = 2024
        name = "green\\u202e \\u001b[2Jplan"
        [[lever]]
        kind = "scale"
        category = "electricity"
        by = 0.5
        start = "2024-09"
        """,
        ),
        "--price",
        "80",
    )
    assert r.exit_code == 0, r.output
    _no_escape_codes(r.output)
    assert "green [2Jplan" in r.stdout
    assert run("report", "pack", "--month", "2024-09", "--out", tmp_path / "packs").exit_code == 0
    html = (next((tmp_path / "packs").iterdir()) / "report.html").read_text(encoding="utf-8")
    _no_escape_codes(html)
    assert "sent[2J to finance" in html or "s[2Jrcvsc.exe" in html  # shown, cleaned


def test_mail_subject_and_body_are_cleaned():
    from carbon.core.text import clean
    from carbon.pack.delivery import _message

    class Smtp:
        sender = "carbon@example.org"

    msg = _message(
        Smtp(),
        ("ann@example.org",),
        f"pack {ESC}2024-09{RLO}",
        f"body {ESC}x{RLO}y\n",
        f"<p>{clean('html')}</p>",
        [],
    )
    assert msg["Subject"] == "pack [2J2024-09"
    text = msg.get_body(("plain",)).get_content()
    _no_escape_codes(text)
    assert clean("a\tb\nc\x00d\x9be\u2066f") == "a\tb\ncdef"


# ---- the schedule: a sane --now, a real time zone, bounded messages ---------------------------------


def test_schedule_refuses_a_run_dated_far_from_the_clock(run, write, db_dump, tmp_path):
    run("teams", "add", "Platform")
    run(
        "import",
        "activities",
        write("a.csv", HEADER + "2024-05,Platform,electricity.grid,2000,kWh,FR\n"),
    )
    before = db_dump()
    r = run(
        "schedule",
        "run-once",
        "--now",
        "9999-12-31T23:59",
        "--out",
        tmp_path / "packs",
        "--no-email",
    )
    assert r.exit_code == 1 and "more than a year after the clock" in r.stderr, r.output
    r = run(
        "schedule", "run-once", "--now", "0001-01-01", "--out", tmp_path / "packs", "--no-email"
    )
    assert r.exit_code == 1 and "before 1990" in r.stderr, r.output
    assert db_dump() == before  # no run recorded
    assert not (tmp_path / "packs").exists()
    r = run("schedule", "start", "--timezone", "", "--out", tmp_path / "packs")
    assert r.exit_code == 1 and "schedule.timezone" in r.stderr, (
        r.output
    )  # never read as Europe/Paris


def test_a_long_catch_up_keeps_its_message_short(run, write, tmp_path):
    from carbon.pack import schedule

    run("teams", "add", "Platform")
    run(
        "import",
        "activities",
        write("a.csv", HEADER + "2024-05,Platform,electricity.grid,2000,kWh,FR\n"),
    )
    out = tmp_path / "packs"
    # first run: target 1990-01, no data: skipped, not yet overdue (due again at every later run)
    assert (
        run(
            "schedule", "run-once", "--now", "1990-02-01T06:00", "--out", out, "--no-email"
        ).exit_code
        == 0
    )
    r = run("schedule", "run-once", "--now", "2024-06-01T06:00", "--out", out, "--no-email")
    # due: 1990-01 .. 2024-05 = 34 x 12 + 5 = 413 months; 2024-05 produced, 412 skipped (all overdue):
    # the first 12 (1990-01 .. 1990-12) named, then "400 more (months 1991-01 to 2024-04)"
    assert r.exit_code == 5, r.output
    assert "produced 2024-05" in r.stdout
    assert "and 400 more months up to 2024-04" in r.stderr
    assert r.stderr.count("skipped 19") <= schedule.MESSAGE_MONTHS  # log lines: bounded too
    status = run("schedule", "status").stdout
    assert "skipped 400 more (months 1991-01 to 2024-04)" in " ".join(status.split())
    assert "1991-01:" not in status and len(status) < 20_000


# ---- energy attributes restated in a donation-closed year, like every other import ------------------

ATTR = "month,team,country,mwh,instrument,factor_kg_per_kwh\n"


def test_energy_attributes_restated_in_a_donation_closed_year(run, write, db_dump):
    run("teams", "add", "Platform")
    # every month of 2025: 1,000 kWh FR (ADEME 2025 0.0461 kg/kWh); market-based: AIB 2025 FR
    # residual mix 17.11 g/kWh -> 17.11 kg a month uncovered
    rows = "".join(f"2025-{m:02d},Platform,electricity.grid,1000,kWh,FR\n" for m in range(1, 13))
    assert run("import", "activities", write("a.csv", HEADER + rows)).exit_code == 0
    r = run(
        "donation",
        "close",
        "--year",
        2025,
        "--price",
        "100",
        "--as-of",
        "2026-02-01",
        "--scope2",
        "market",
    )
    assert r.exit_code == 0, r.output
    late = write("late.csv", ATTR + "2025-02,Platform,FR,1,rec,0\n")
    before = db_dump()
    r = run("import", "energy-attributes", late)
    text = " ".join(r.output.split())
    assert r.exit_code == 1 and "2025-02 is closed" in text and "--restate --reason TEXT" in text
    assert (
        "--reopen" not in text
    )  # a donation sign-off is not reopened: never advise what is refused
    assert db_dump() == before
    r = run(
        "import",
        "energy-attributes",
        late,
        "--restate",
        "--reason",
        "REC bought late",
        "--by",
        "finance",
    )
    assert r.exit_code == 0, r.output
    assert (
        "restatement 1 recorded: closed 2025-02 changed by finance (REC bought late)"
        in " ".join(r.stdout.split())
    )
    # February now fully covered by the REC: market-based 1 MWh x 0 = 0 kg (was 17.11 kg)
    feb = json.loads(run("report", "monthly", "--month", "2025-02", "--format", "json").stdout)
    assert feb["scope2"]["teams"][0]["market_kg"] == 0
    listed = " ".join(run("close", "--list").stdout.split())
    assert "REC bought late" in listed


# ---- a database that is not a carbon database is not taken over ---------------------------------------


def _tables(url: str) -> list[str]:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_a_database_of_another_application_is_refused_without_init(db_url, run):
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (id integer PRIMARY KEY, name varchar(40))"))
    engine.dispose()
    r = run("teams", "add", "Platform")
    assert r.exit_code == 1, r.output
    assert "holds tables of another application (customers)" in r.stderr and "--init" in r.stderr
    assert _tables(db_url) == ["customers"]  # nothing created beside them
    r = run(
        "--init", "teams", "add", "Platform"
    )  # said on purpose: carbon's tables beside the others
    assert r.exit_code == 0, r.output
    assert {"customers", "teams", "alembic_version"} <= set(_tables(db_url))
    assert run("teams", "list").exit_code == 0  # a carbon database from now on: no --init needed


def test_postgres_maintenance_database_is_refused():
    from conftest import PG_URL
    from sqlalchemy.engine import make_url

    from carbon.errors import StoreError
    from carbon.store import Store

    if not PG_URL:
        pytest.skip("PostgreSQL only (set CARBON_TEST_DB)")
    # a search path that names no schema: had the refusal failed, nothing could be created anyway
    url = make_url(PG_URL).set(
        database="postgres", query={"options": "-csearch_path=carbon_no_such_schema"}
    )
    with pytest.raises(StoreError, match="one of PostgreSQL's own databases"):
        Store.open(url.render_as_string(hide_password=False))
    with pytest.raises(StoreError, match="one of PostgreSQL's own databases"):
        Store.open(url.set(database="template1").render_as_string(hide_password=False))


def test_an_in_memory_database_is_refused_for_writes(write):
    from conftest import Cli

    for url in ("sqlite://", "sqlite:///:memory:"):
        run = Cli(url)
        r = run("teams", "add", "Platform")
        assert r.exit_code == 1 and "the database is in memory" in r.stderr, r.output
        r = run(
            "import",
            "activities",
            write("a.csv", HEADER + "2024-09,Platform,electricity.grid,1,kWh,FR\n"),
            "--create-teams",
        )
        assert r.exit_code == 1 and "would be lost" in r.stderr, r.output
        assert run("teams", "list").exit_code == 0  # reading is harmless
