"""E-mail delivery of the pack, against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import hashlib
import json
import socket
from datetime import datetime
from email import policy
from zoneinfo import ZoneInfo

import pytest

from carbon import config as config_file
from carbon.errors import InputError
from carbon.ledger import service as importer
from carbon.pack import delivery, schedule
from carbon.pack import store as stored_packs

aiosmtpd_controller = pytest.importorskip(
    "aiosmtpd.controller", reason="aiosmtpd is in the test extra"
)

HEADER = "date,team,activity,quantity,unit,region\n"
NOW = datetime(2024, 7, 1, 6, 0, tzinfo=ZoneInfo("Europe/Paris"))


class Inbox:
    """An aiosmtpd handler: keeps each message; refuses the first `fail` DATA commands."""

    def __init__(self, fail: int = 0):
        self.fail = fail
        self.tries = 0
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        if self.tries <= self.fail:
            return "451 4.3.0 temporary failure, try again later"
        self.messages.append(
            (list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    started = []

    def start(handler: Inbox) -> int:
        port = free_port()
        ctl = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=port)
        ctl.start()
        started.append(ctl)
        return port

    yield start
    for ctl in started:
        ctl.stop()


@pytest.fixture
def ledger(store, write):
    # ADEME FR 2024 grid 0.0519 kg CO2e / kWh: Platform 1000 kWh = 51.9 kg; Sales 2000 kWh = 103.8 kg.
    for t in ("Platform", "Sales"):
        importer.add_team(store, t)
    importer.import_activities(
        store,
        write(
            "jun.csv",
            HEADER + "2024-06-10,Platform,electricity.grid,1000,kWh,FR\n"
            "2024-06-10,Sales,electricity.grid,2000,kWh,FR\n",
        ),
    )
    return store


def make_config(port: int, attempts: int = 3, **smtp) -> config_file.Config:
    return config_file.parse(
        {
            "smtp": {
                "host": "127.0.0.1",
                "port": port,
                "security": "none",
                "sender": "carbon@example.org",
                "attempts": attempts,
                "retry_delay_s": 0,
                "timeout_s": 10,
                **smtp,
            },
            "recipients": {
                "finance": ["finance@example.org"],
                "managers": {"Platform": "alice@example.org"},
            },
        }
    )


def deliveries(store):
    with store.engine.connect() as conn:
        return stored_packs.list_deliveries(conn)


def test_an_email_arrives_with_the_pack_attached(ledger, tmp_path, smtp_server):
    inbox = Inbox()
    cfg = make_config(smtp_server(inbox))
    res = schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=delivery.deliverer(cfg))
    [built] = res.produced
    assert [d.sent for d in res.deliveries] == [True, True]
    assert sorted(r for rcpts, _ in inbox.messages for r in rcpts) == [
        "alice@example.org",
        "finance@example.org",
    ]
    by_rcpt = {
        rcpts[0]: email.message_from_bytes(raw, policy=policy.default)
        for rcpts, raw in inbox.messages
    }
    msg = by_rcpt["alice@example.org"]
    assert msg["Subject"] == "Carbon report 2024-06: Platform"
    files = {part.get_filename(): part.get_payload(decode=True) for part in msg.iter_attachments()}
    assert sorted(files) == ["manifest.json", "report.csv", "report.html", "report.json"]
    for (
        name,
        data,
    ) in files.items():  # byte for byte: the manifest's hashes hold for the attachments
        assert (
            hashlib.sha256(data).digest()
            == hashlib.sha256((built.path / name).read_bytes()).digest()
        ), name
    body = msg.get_body(preferencelist=("html",)).get_content()
    assert "Platform" in body and "0.05" in body  # 51.9 kg = 0.05 t, the manager's own team
    assert "Sales" not in body
    finance = by_rcpt["finance@example.org"].get_body(preferencelist=("html",)).get_content()
    assert "Platform" in finance and "Sales" in finance and "0.16 t CO2e" in finance  # 155.7 kg
    assert [(d.audience, d.status, d.attempts) for d in deliveries(ledger)] == [
        ("manager:Platform", "sent", 1),
        ("finance", "sent", 1),
    ]


def test_a_failing_server_is_retried_recorded_and_the_pack_kept(ledger, tmp_path, smtp_server):
    inbox = Inbox(fail=100)  # refuses every message
    cfg = make_config(smtp_server(inbox), attempts=3)
    res = schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=delivery.deliverer(cfg))
    assert res.ok and [b.month for b in res.produced] == [
        "2024-06"
    ]  # the pack is produced all the same
    assert inbox.tries == 6  # 2 messages × 3 tries
    recorded = deliveries(ledger)
    assert [(d.status, d.attempts) for d in recorded] == [("failed", 3), ("failed", 3)]
    assert all("451" in d.error for d in recorded)
    built = res.produced[0]
    manifest = json.loads((built.path / "manifest.json").read_text(encoding="utf-8"))
    for name, meta in manifest["files"].items():
        assert hashlib.sha256((built.path / name).read_bytes()).hexdigest() == meta["sha256"]
    with ledger.engine.connect() as conn:
        assert [(p.month, p.status) for p in stored_packs.list_packs(conn)] == [
            ("2024-06", "produced")
        ]


def test_a_temporary_failure_succeeds_on_a_later_try(ledger, tmp_path, smtp_server):
    inbox = Inbox(fail=2)  # the first message fails twice, then everything passes
    cfg = make_config(smtp_server(inbox), attempts=3)
    res = schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=delivery.deliverer(cfg))
    assert [(d.sent, d.attempts) for d in res.deliveries] == [(True, 3), (True, 1)]
    assert len(inbox.messages) == 2


def test_a_closed_port_is_a_recorded_failure(ledger, tmp_path):
    cfg = make_config(free_port(), attempts=2)  # nothing listens there
    res = schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=delivery.deliverer(cfg))
    # Changed on purpose: a refused connection is the server, not the message: the run fails
    # fast, once (one try, no retry), and the other message is recorded failed without a try.
    assert [(d.sent, d.attempts) for d in res.deliveries] == [(False, 1), (False, 0)]
    assert all(
        "ConnectionRefusedError" in d.error and "cannot be reached" in d.error
        for d in res.deliveries
    )
    assert [d.status for d in deliveries(ledger)] == ["failed", "failed"]  # owed to a later run
    assert res.produced[0].path.is_dir()


def test_the_password_comes_only_from_the_environment(ledger, tmp_path, smtp_server, monkeypatch):
    with pytest.raises(InputError) as exc:
        config_file.parse({"smtp": {"host": "h", "password": "secret"}})
    assert "smtp.password" in str(exc.value.problems[0])
    monkeypatch.delenv("CARBON_SMTP_PASSWORD", raising=False)
    inbox = Inbox()
    cfg = make_config(smtp_server(inbox), attempts=1, user="carbon")
    res = schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=delivery.deliverer(cfg))
    assert not any(d.sent for d in res.deliveries) and inbox.tries == 0
    assert "CARBON_SMTP_PASSWORD" in res.deliveries[0].error


def test_config_file_is_read_and_checked(write):
    path = write(
        "carbon.toml",
        """\
        [schedule]
        cron = "30 7 2 * *"
        timezone = "Europe/Paris"

        [output]
        dir = "packs"

        [smtp]
        host = "smtp.example.org"
        user = "carbon@example.org"

        [recipients]
        finance = ["finance@example.org", "cfo@example.org"]

        [recipients.managers]
        Platform = "alice@example.org"
        "Video & Media" = ["bob@example.org", "carol@example.org"]
        """,
    )
    cfg = config_file.load(path)
    assert cfg.cron == "30 7 2 * *" and str(cfg.out_dir) == "packs"
    assert cfg.smtp.port == 587 and cfg.smtp.security == "starttls"
    assert cfg.managers["Video & Media"] == ("bob@example.org", "carol@example.org")
    assert cfg.delivers
    bad = write(
        "bad.toml",
        """\
        [schedule]
        cron = "0 6 32 * *"
        timezone = "Mars/Olympus"

        [recipients]
        finance = "not an address"
        """,
    )
    with pytest.raises(InputError) as exc:
        config_file.load(bad)
    keys = [p.column for p in exc.value.problems]
    assert keys == ["schedule.timezone", "schedule.cron", "recipients.finance"]
    assert "key 'schedule.timezone'" in str(exc.value.problems[0])  # a TOML key, not a CSV column
    with pytest.raises(InputError) as exc:  # the audience is recorded with each delivery
        config_file.parse(
            {"recipients": {"managers": {"T" * 101: "t@example.org", "T" * 100: "u@example.org"}}}
        )
    assert [p.message for p in exc.value.problems] == [
        "team name too long: 101 characters, at most 100"
    ]
    broken = write("broken.toml", "[schedule\ncron = 1\n")
    with pytest.raises(InputError) as exc:
        config_file.load(broken)
    assert exc.value.problems[0].line == 1


# ---- what failed is sent again by a later run ------------------------------------------


def statuses(store):
    return [(d.revision, d.audience, d.status) for d in deliveries(store)]


def test_a_failed_delivery_is_sent_again_at_the_next_run_and_only_once(
    ledger, tmp_path, smtp_server
):
    down = make_config(smtp_server(Inbox(fail=100)), attempts=1)
    schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=delivery.deliverer(down))
    assert statuses(ledger) == [(1, "manager:Platform", "failed"), (1, "finance", "failed")]
    inbox = Inbox()
    up = make_config(smtp_server(inbox))
    res = schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=delivery.deliverer(up))
    assert res.produced == () and [d.sent for d in res.deliveries] == [True, True]
    assert sorted(r for rcpts, _ in inbox.messages for r in rcpts) == [
        "alice@example.org",
        "finance@example.org",
    ]
    assert statuses(ledger) == [
        (1, "manager:Platform", "retried"),
        (1, "finance", "retried"),
        (1, "manager:Platform", "sent"),
        (1, "finance", "sent"),
    ]
    schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=delivery.deliverer(up))
    assert len(inbox.messages) == 2  # nothing owed any more: not sent twice
    with ledger.transaction() as conn:  # a second run racing for the same row gets nothing
        assert stored_packs.owed_deliveries(conn) == []


def test_a_retry_is_taken_by_one_run_only(ledger, tmp_path):
    schedule.run_once(
        ledger,
        NOW,
        tmp_path / "reports",
        deliver=delivery.deliverer(make_config(free_port(), attempts=1)),
    )
    with ledger.transaction() as conn:
        owed = stored_packs.owed_deliveries(conn)
        assert [o.audience for o in owed] == ["manager:Platform", "finance"]
        assert stored_packs.take_owed(conn, owed[0].delivery_id) is True
        assert stored_packs.take_owed(conn, owed[0].delivery_id) is False
        assert [o.audience for o in stored_packs.owed_deliveries(conn)] == ["finance"]


def test_only_the_latest_revision_is_sent_again(ledger, tmp_path, smtp_server):
    down = delivery.deliverer(make_config(free_port(), attempts=1))
    schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=down)
    schedule.run_once(
        ledger, NOW, tmp_path / "reports", "2024-06", deliver=down
    )  # revision 2, also unsent
    inbox = Inbox()
    schedule.run_once(
        ledger,
        NOW,
        tmp_path / "reports",
        deliver=delivery.deliverer(make_config(smtp_server(inbox))),
    )
    subjects = sorted(
        email.message_from_bytes(raw, policy=policy.default)["Subject"] for _, raw in inbox.messages
    )
    assert subjects == [
        "Carbon report 2024-06 (revision 2): Platform",
        "Carbon report 2024-06 (revision 2): company",
    ]


def test_an_audience_no_longer_configured_is_dropped_not_retried_forever(
    ledger, tmp_path, smtp_server
):
    schedule.run_once(
        ledger,
        NOW,
        tmp_path / "reports",
        deliver=delivery.deliverer(make_config(free_port(), attempts=1)),
    )
    inbox = Inbox()
    finance_only = config_file.parse(
        {
            "smtp": {
                "host": "127.0.0.1",
                "port": smtp_server(inbox),
                "security": "none",
                "sender": "carbon@example.org",
                "retry_delay_s": 0,
            },
            "recipients": {"finance": ["finance@example.org"]},
        }
    )
    schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=delivery.deliverer(finance_only))
    assert [rcpts for rcpts, _ in inbox.messages] == [["finance@example.org"]]
    assert statuses(ledger)[2:] == [(1, "manager:Platform", "dropped"), (1, "finance", "sent")]
    with ledger.engine.connect() as conn:
        assert stored_packs.owed_deliveries(conn) == []


def test_a_pack_folder_gone_keeps_the_delivery_owed(ledger, tmp_path, smtp_server, caplog):
    import shutil

    res = schedule.run_once(
        ledger,
        NOW,
        tmp_path / "reports",
        deliver=delivery.deliverer(make_config(free_port(), attempts=1)),
    )
    shutil.rmtree(res.produced[0].path)
    inbox = Inbox()
    schedule.run_once(
        ledger,
        NOW,
        tmp_path / "reports",
        deliver=delivery.deliverer(make_config(smtp_server(inbox))),
    )
    assert inbox.messages == [] and "is no longer in" in caplog.text
    assert [s for *_, s in statuses(ledger)] == ["failed", "failed"]


def test_a_pack_made_with_a_relative_folder_is_found_from_elsewhere(
    ledger, tmp_path, smtp_server, monkeypatch
):
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    monkeypatch.chdir(tmp_path / "first")
    schedule.run_once(
        ledger, NOW, "reports", deliver=delivery.deliverer(make_config(free_port(), attempts=1))
    )
    monkeypatch.chdir(tmp_path / "second")  # e.g. cron runs from another working directory
    inbox = Inbox()
    res = schedule.run_once(
        ledger, NOW, "reports", deliver=delivery.deliverer(make_config(smtp_server(inbox)))
    )
    assert [d.sent for d in res.deliveries] == [True, True] and len(inbox.messages) == 2


# ---- what the messages say ---------------------------------------------------------------


@pytest.fixture
def half_year(store, write):
    """A small company's own first half of 2024, with a flat budget for Platform only.

    ADEME FR 2024 grid 0.0519 kg CO2e / kWh. Platform 1000 kWh a month Jan..Jun = 51.9 kg a
    month, 311.4 kg = 0.3114 t to date at June. Sales 2000 kWh in June only = 103.8 kg.
    Platform's budget 1.2 t, flat: allocated to date at June = 1.2 × 6/12 = 0.60 t;
    forecast = 0.3114 ÷ (6/12) = 0.6228 t, within 1.2 t: on track.
    """
    for t in ("Platform", "Sales"):
        importer.add_team(store, t)
    rows = "".join(f"2024-{m:02d}-15,Platform,electricity.grid,1000,kWh,FR\n" for m in range(1, 7))
    rows += "2024-06-10,Sales,electricity.grid,2000,kWh,FR\n"
    importer.import_activities(store, write("h1.csv", HEADER + rows), source="h1.csv")
    from carbon.budgets import service as stored_budgets

    stored_budgets.load_file(
        store,
        write(
            "budget-2024.toml",
            """\
        year = 2024
        unit = "t CO2e"

        [teams.Platform]
        budget = 1.2
        profile = "flat"
        """,
        ),
    )
    return store


def bodies(inbox):
    """{first recipient: (plain text part, HTML part)}"""
    out = {}
    for rcpts, raw in inbox.messages:
        msg = email.message_from_bytes(raw, policy=policy.default)
        out[rcpts[0]] = (
            msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n"),
            msg.get_body(preferencelist=("html",)).get_content(),
        )
    return out


def test_the_plain_text_part_carries_the_figures_and_to_date_is_the_allocation(
    half_year, tmp_path, smtp_server
):
    inbox = Inbox()
    res = schedule.run_once(
        half_year,
        NOW,
        tmp_path / "reports",
        deliver=delivery.deliverer(make_config(smtp_server(inbox))),
    )
    assert [d.sent for d in res.deliveries] == [True, True]
    text, html = bodies(inbox)["alice@example.org"]
    assert "see HTML" not in text and "This report is in HTML" not in text
    assert "Carbon report 2024-06: Platform" in text
    assert "This month: 0.05 t CO2e" in text  # 51.9 kg
    # Actual to date 0.3114 t against the 0.60 t allocated to date (not the 1.20 t annual budget).
    assert "Actual / allocated to date: 0.31 / 0.60 t CO2e" in text
    assert "Annual budget: 1.20 t CO2e" in text
    assert "Forecast to year end: 0.62 t CO2e" in text  # 0.3114 ÷ 0.5
    assert "Status: on track" in text
    assert "Sales" not in text  # the manager's own team only
    assert "Actual / allocated to date" in html and "0.31 / 0.60 t CO2e" in html
    assert "0.31 / 1.20" not in html  # the old label compared the actual with the annual budget
    ftext, _ = bodies(inbox)["finance@example.org"]
    assert "Company total this month: 0.16 t CO2e" in ftext  # 51.9 + 103.8 = 155.7 kg
    assert "Sales\n  This month: 0.10 t CO2e\n  Budget: none set for this team" in ftext  # 103.8 kg
    assert "Platform\n  This month: 0.05 t CO2e" in ftext


def test_a_second_revision_says_why_and_what_changed(half_year, tmp_path, smtp_server, write):
    out = tmp_path / "reports"
    schedule.run_once(
        half_year, NOW, out, deliver=delivery.deliverer(make_config(smtp_server(Inbox())))
    )
    # A late June invoice: Platform +500 kWh × 0.0519 = 25.95 kg; June 51.9 -> 77.85 kg (0.05 -> 0.08 t),
    # company 155.7 -> 181.65 kg (0.16 -> 0.18 t).
    late = HEADER + "2024-06-20,Platform,electricity.grid,500,kWh,FR\n"
    importer.import_activities(half_year, write("late.csv", late))
    inbox = Inbox()
    res = schedule.run_once(
        half_year,
        NOW,
        out,
        "2024-06",
        reason="late June electricity invoice",
        deliver=delivery.deliverer(make_config(smtp_server(inbox))),
    )
    assert [(b.month, b.revision) for b in res.produced] == [("2024-06", 2)]
    text, html = bodies(inbox)["alice@example.org"]
    why = (
        "This is revision 2 of the 2024-06 report; it replaces revision 1. "
        "Re-issued because: late June electricity invoice."
    )
    assert why in text and why in html
    assert "Changed since revision 1: Platform 0.05 t CO2e → 0.08 t CO2e." in text
    assert "Changed since revision 1: Platform 0.05 t CO2e → 0.08 t CO2e." in html
    ftext, _ = bodies(inbox)["finance@example.org"]
    assert (
        "Changed since revision 1: Company total 0.16 t CO2e → 0.18 t CO2e; "
        "Platform 0.05 t CO2e → 0.08 t CO2e."
    ) in ftext
    # A first revision says nothing of the kind.
    first = delivery.summary_text(
        json.loads((out / "2024-06" / "report.json").read_text(encoding="utf-8")), "Platform"
    )
    assert "revision" not in first


def test_a_manager_team_typo_is_refused_before_anything_is_produced_or_sent(
    ledger, tmp_path, smtp_server, run, write, db_dump, monkeypatch
):
    inbox = Inbox()
    cfg = write(
        "carbon.toml",
        f"""\
        [smtp]
        host = "127.0.0.1"
        port = {smtp_server(inbox)}
        security = "none"
        sender = "carbon@example.org"
        retry_delay_s = 0

        [recipients]
        finance = ["finance@example.org"]

        [recipients.managers]
        Platfrom = "alice@example.org"
        "sales" = "sam@example.org"
        Video = "vic@example.org"
        """,
    )
    monkeypatch.chdir(tmp_path)
    before = db_dump()
    res = run(
        "schedule",
        "run-once",
        "--now",
        "2024-07-01T06:00",
        "--config",
        cfg,
        "--out",
        tmp_path / "reports",
    )
    assert res.exit_code == 1
    assert "unknown team 'Platfrom' (did you mean 'Platform'?)" in res.stderr
    assert "line 12, key 'recipients.managers.Platfrom'" in res.stderr  # the file's own line
    assert "unknown team 'sales' (did you mean 'Sales'?)" in res.stderr
    assert "unknown team 'Video'; declared teams: Platform, Sales" in res.stderr
    assert "nothing was produced or sent" in res.stderr and "Traceback" not in res.stderr
    assert inbox.messages == [] and not (tmp_path / "reports").exists()
    assert db_dump() == before  # not even a run recorded
    # The scheduler refuses to start on the same file (checked before its first pass).
    res = run("schedule", "start", "--config", cfg, "--out", tmp_path / "reports")
    assert res.exit_code == 1 and "unknown team 'Platfrom'" in res.stderr
    assert db_dump() == before


def test_check_teams_rule():
    cfg = config_file.parse({"recipients": {"managers": {"Platform": "a@example.org"}}})
    config_file.check_teams(cfg, ["Platform", "Sales"])  # declared: nothing to say
    with pytest.raises(InputError) as exc:
        config_file.check_teams(cfg, [])
    assert (
        exc.value.problems[0].message
        == "unknown team 'Platform'; no team is declared yet (carbon teams add NAME)"
    )
    assert exc.value.problems[0].value == "Platform"


def test_a_team_removed_while_the_scheduler_runs_skips_the_pass(
    ledger, tmp_path, monkeypatch, caplog
):
    from apscheduler.schedulers.blocking import BlockingScheduler

    calls = []
    monkeypatch.setattr(schedule, "run_once", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(BlockingScheduler, "start", lambda self, *a, **k: None)  # do not block
    cfg = config_file.parse({"recipients": {"managers": {"Platfrom": "a@example.org"}}})
    with pytest.raises(InputError, match="recipients.managers names 1 team"):
        schedule.start(ledger, cfg, tmp_path / "reports")
    assert calls == []
    ok = config_file.parse({"recipients": {"managers": {"Platform": "a@example.org"}}})
    schedule.start(ledger, ok, tmp_path / "reports")
    assert len(calls) == 1  # the catch-up pass at start


def test_the_reissue_note_shows_each_change_with_enough_decimals():
    # kg CO2e: Platform 46.2 -> 51.9 (0.05 t both at 2 decimals: 3 decimals show it),
    # Sales 103.8 -> 3.8 (0.004 t, never a false 0.00), X 1.0 -> gone; company 150.0 -> 155.7.
    now = {
        "month": "2024-06",
        "total": 155.7,
        "teams": [{"team": "Platform", "total": 51.9}, {"team": "Sales", "total": 3.8}],
    }
    before = {
        "month": "2024-06",
        "total": 150.0,
        "teams": [
            {"team": "Platform", "total": 46.2},
            {"team": "Sales", "total": 103.8},
            {"team": "X", "total": 1.0},
        ],
    }
    assert delivery.reissue_note(2, "late import", now, before, None) == [
        "This is revision 2 of the 2024-06 report; it replaces revision 1. Re-issued because: late import.",
        (
            "Changed since revision 1: Company total 0.15 t CO2e → 0.16 t CO2e; Platform 0.046 t CO2e → "
            "0.052 t CO2e; Sales 0.104 t CO2e → 0.004 t CO2e; X 0.001 t CO2e → no emissions."
        ),
    ]
    assert delivery.reissue_note(3, "", now, now, "Platform")[1] == (
        "This month's emissions shown here are unchanged since revision 2."
    )
    assert delivery.reissue_note(1, "x", now, before, None) == []
    assert "This month: <0.01 t CO2e" in delivery.summary_text(now, "Sales")  # 3.8 kg, not 0.00


def smtp_toml(write, port: int, name: str = "carbon.toml"):
    return write(
        name,
        f"""\
        [smtp]
        host = "127.0.0.1"
        port = {port}
        security = "none"
        sender = "carbon@example.org"
        attempts = 1
        retry_delay_s = 0

        [recipients]
        finance = ["finance@example.org"]

        [recipients.managers]
        Platform = "alice@example.org"
        """,
    )


def test_run_once_exits_4_while_a_message_is_not_delivered(
    ledger, tmp_path, smtp_server, run, write, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "reports"
    down = smtp_toml(write, free_port(), "down.toml")  # nothing listens there
    res = run("schedule", "run-once", "--now", "2024-07-01T06:00", "--out", out, "--config", down)
    assert res.exit_code == 4
    assert "produced 2024-06 revision 1" in res.stdout  # the pack is made all the same
    assert "2 e-mail(s) could not be sent (owed: the next run sends them again)" in res.stderr
    assert "2024-06 to manager:Platform" in res.stderr and "2024-06 to finance" in res.stderr
    # Still down at the next run: the owed messages fail again, still exit 4.
    res = run("schedule", "run-once", "--now", "2024-07-02T06:00", "--out", out, "--config", down)
    assert res.exit_code == 4
    inbox = Inbox()
    up = smtp_toml(write, smtp_server(inbox), "up.toml")
    res = run("schedule", "run-once", "--now", "2024-07-03T06:00", "--out", out, "--config", up)
    assert res.exit_code == 0, res.stderr
    assert len(inbox.messages) == 2


def test_an_owed_message_whose_pack_is_gone_is_reported_undelivered(ledger, tmp_path):
    import shutil

    res = schedule.run_once(
        ledger,
        NOW,
        tmp_path / "reports",
        deliver=delivery.deliverer(make_config(free_port(), attempts=1)),
    )
    assert [(m, a) for m, a, _ in res.undelivered] == [
        ("2024-06", "manager:Platform"),
        ("2024-06", "finance"),
    ]
    shutil.rmtree(res.produced[0].path)
    res = schedule.run_once(
        ledger,
        NOW,
        tmp_path / "reports",
        deliver=delivery.deliverer(make_config(free_port(), attempts=1)),
    )
    assert [(m, a) for m, a, _ in res.undelivered] == [
        ("2024-06", "manager:Platform"),
        ("2024-06", "finance"),
    ]
    assert all("is no longer in" in why for *_, why in res.undelivered)


def test_a_delivery_that_raises_is_reported_undelivered(ledger, tmp_path):
    def broken(store, pack_id, built, only=None):
        raise OSError("report.json unreadable")

    res = schedule.run_once(ledger, NOW, tmp_path / "reports", deliver=broken)
    assert res.ok and res.undelivered == (
        ("2024-06", "every recipient", "OSError: report.json unreadable"),
    )


def test_the_manager_email_shows_the_budget_its_verdict_is_judged_against(
    store, write, tmp_path, smtp_server
):
    """A team starting in March is judged against the budget's share of March..December.

    ADEME FR 2024 grid 0.0519 kg/kWh: Platform 1000 kWh a month March..June = 4 × 51.9 = 207.6 kg.
    Budget 2.4 t flat: March..December = 2.4 × 10/12 = 2.00 t, the figure its verdict uses.
    """
    from carbon.budgets import service as stored_budgets

    importer.add_team(store, "Platform")
    rows = "".join(f"2024-{m:02d}-15,Platform,electricity.grid,1000,kWh,FR\n" for m in range(3, 7))
    importer.import_activities(store, write("h1.csv", HEADER + rows))
    stored_budgets.load_file(
        store,
        write(
            "b.toml",
            'year = 2024\nunit = "t CO2e"\n[teams.Platform]\nbudget = 2.4\nprofile = "flat"\n',
        ),
    )
    inbox = Inbox()
    res = schedule.run_once(
        store,
        NOW,
        tmp_path / "reports",
        deliver=delivery.deliverer(make_config(smtp_server(inbox))),
    )
    assert [d.sent for d in res.deliveries] == [True, True]
    text, html = bodies(inbox)["alice@example.org"]
    assert "Budget March–December: 2.00 t CO2e (annual 2.40 t CO2e)" in text
    assert "Annual budget" not in text
    assert "March–December: 2.00 t CO2e (annual 2.40 t CO2e)" in html


def test_a_reissue_after_a_rename_does_not_list_the_team_as_changed(
    half_year, tmp_path, smtp_server
):
    # Sales renamed Commercial between the revisions, nothing else: the finance mail said
    # "Commercial no emissions → 0.10 t CO2e; Sales 0.10 t CO2e → no emissions".
    from carbon.store import team_history

    out = tmp_path / "reports"
    schedule.run_once(
        half_year, NOW, out, deliver=delivery.deliverer(make_config(smtp_server(Inbox())))
    )
    team_history.rename(half_year, "Sales", "Commercial")
    inbox = Inbox()
    schedule.run_once(
        half_year, NOW, out, "2024-06", reason="team renamed",
        deliver=delivery.deliverer(make_config(smtp_server(inbox))),
    )  # fmt: skip
    ftext, _ = bodies(inbox)["finance@example.org"]
    assert "This month's emissions shown here are unchanged since revision 1." in ftext, ftext
    assert "no emissions" not in ftext
