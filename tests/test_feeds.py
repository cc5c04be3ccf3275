"""Data feeds and completeness: a small company's own files (office electricity each month, an AWS
bill each month, a commuting survey spread over the whole year), with November's bill forgotten.

Hand figures used below:
- office electricity: 1000 kWh × 0.0461 kg/kWh (ADEME 2025, the latest FR vintage for 2026) = 46.1 kg a month;
- the AWS bill: 100 h of m5.xlarge in Paris, all to Video (the rules' only team): compute
  (0.982 + 0.494377) kWh × PUE 1.135 = 1.675688 kWh × 0.0511 kg/kWh = 0.085628 kg, plus embodied
  1610.3768 kg × 100 h / (35040 h × 96 vCPU) = 0.047873 kg: 0.133501 kg a month
  (the derivation of tests/test_cloud_billing.py's VIDEO_COMPUTE and EMBODIED).
"""

from __future__ import annotations

import json

import pytest

from carbon.feeds import rules
from carbon.feeds import service as feed_service
from carbon.feeds.records import Feed, FeedBatch, FeedCell
from carbon.pack import delivery

OFFICE_KG = 1000 * 0.0461
BILL_KG = 1.675688 * 0.0511 + 1610.3768 * 100 / (35040 * 96)

HEAD = (
    "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,"
    "lineItem/UsageAmount,pricing/unit,product/region,lineItem/UnblendedCost,lineItem/UsageAccountId,"
    "lineItem/LineItemType,product/instanceType,product/vcpu\n"
)


def bill(month: str, end: str) -> str:
    """One month's CUR: 100 h of m5.xlarge from the 1st to `end` (exclusive)."""
    return HEAD + (
        f"{month}-01T00:00:00Z,{end}T00:00:00Z,AmazonEC2,EUW3-BoxUsage:m5.xlarge,100,Hrs,eu-west-3,"
        "19.2,111122223333,Usage,m5.xlarge,4\n"
    )


NEXT = {
    "2026-08": "2026-09-01",
    "2026-09": "2026-10-01",
    "2026-10": "2026-11-01",
    "2026-11": "2026-12-01",
}
BUDGET = """
year = 2026
unit = "kg CO2e"
[teams.Office]
budget = 5000
[teams.Video]
budget = 10
"""


@pytest.fixture
def company(run, write):
    """Office electricity and AWS bills August to November, the bill of November forgotten; a
    commuting survey spread over the whole year."""

    def ok(*args):
        res = run(*args)
        assert res.exit_code == 0, res.output + res.stderr
        return res

    ok("teams", "add", "Office")
    ok("teams", "add", "Video")
    rules_file = write("rules.toml", 'unallocated = "Video"\n')
    for m in ("2026-08", "2026-09", "2026-10", "2026-11"):
        ok(
            "import",
            "activities",
            write(
                f"office-{m}.csv",
                f"date,team,activity,quantity,unit,region\n"
                f"{m}-15,Office,electricity.grid,1000,kWh,FR\n",
            ),
        )
        if m != "2026-11":
            ok(
                "import",
                "cloud-billing",
                write(f"cur-{m}.csv", bill(m, NEXT[m])),
                "--provider",
                "aws",
                "--rules",
                rules_file,
            )
    ok(
        "import",
        "commuting-survey",
        write(
            "survey.csv",
            "employee,team,mode,one_way_km,days_on_site_per_week\nE1,Office,commute.metro,10,3\n",
        ),
        "--from",
        "2026-01",
        "--to",
        "2026-12",
        "--region",
        "FR",
    )
    ok("budget", "load", write("budget.toml", BUDGET))
    return ok, rules_file


def declare(ok):
    ok("feeds", "add", "office", "--kind", "activities", "--source", "office-*.csv")
    ok("feeds", "add", "aws", "--kind", "cloud-billing", "--provider", "aws")
    ok("feeds", "add", "commuting", "--kind", "survey")


def test_a_forgotten_bill_makes_november_incomplete_in_every_output(
    company, run, write, tmp_path, store, monkeypatch
):
    ok, rules_file = company
    declare(ok)
    # feeds status: the matrix; the survey makes only its own feed received in November
    got = json.loads(ok("feeds", "status", "--format", "json").stdout)
    assert got["inferred"] is False
    assert got["months"][0] == "2026-01" and got["months"][-1] == "2026-12"
    by = {f["feed"]: f for f in got["feeds"]}
    assert by["aws"]["months"]["2026-10"]["state"] == "received"
    assert by["aws"]["months"]["2026-11"]["state"] == "missing"
    assert by["commuting"]["months"]["2026-11"]["state"] == "received"
    assert by["office"]["months"]["2026-11"]["state"] == "received"
    assert "2026-07" not in by["aws"]["months"]  # before its first data: not expected
    table = ok("feeds", "status").stdout
    assert "2026-11 is incomplete: aws missing (no import for 2026-11)" in table

    # report monthly, JSON and table
    rep = json.loads(ok("report", "monthly", "--month", "2026-11", "--format", "json").stdout)
    assert rep["completeness"]["status"] == "incomplete"
    assert rep["completeness"]["missing"] == ["aws"]
    assert rep["completeness"]["month"] == "2026-11" and rep["completeness"]["inferred"] is False
    assert {f["feed"]: f["state"] for f in rep["completeness"]["feeds"]} == {
        "aws": "missing",
        "commuting": "received",
        "office": "received",
    }
    assert rep["teams_without_data"] == ["Video"]  # what the forgotten bill would have held
    office = next(t for t in rep["teams"] if t["team"] == "Office")
    assert office["by_category"]["infrastructure"] == pytest.approx(OFFICE_KG, abs=1e-3)  # 46.1 kg
    october = json.loads(ok("report", "monthly", "--month", "2026-10", "--format", "json").stdout)
    assert (
        october["completeness"]["status"] == "complete" and october["completeness"]["missing"] == []
    )
    video = next(t for t in october["teams"] if t["team"] == "Video")
    assert video["total"] == pytest.approx(BILL_KG, abs=1e-3)  # 0.133501 kg
    assert "2026-11 is incomplete" in ok("report", "monthly", "--month", "2026-11").stdout
    # CSV: the tidy rows as ever on stdout; the incompleteness on stderr, never silent
    csv_nov = run("report", "monthly", "--month", "2026-11", "--format", "csv")
    assert csv_nov.exit_code == 0
    assert csv_nov.stdout.lstrip("\ufeff").startswith("month,team,category,scope,co2e_kg\n")
    assert "incomplete" not in csv_nov.stdout
    assert "warning: 2026-11 is incomplete: aws missing" in csv_nov.stderr
    assert (
        "incomplete" not in run("report", "monthly", "--month", "2026-10", "--format", "csv").stderr
    )

    # budget status and check
    status = json.loads(ok("budget", "status", "--month", "2026-11", "--format", "json").stdout)
    assert status["completeness"]["missing"] == ["aws"]
    assert "2026-11 is incomplete" in ok("budget", "status", "--month", "2026-11").stdout
    res = run("budget", "check", "--month", "2026-11")
    assert res.exit_code == 3
    assert "no verdict: the month is incomplete" in res.stdout and "aws missing" in res.stdout
    assert (
        run("budget", "check", "--month", "2026-10").exit_code == 0
    )  # October is complete: a verdict
    res = run("budget", "check", "--month", "2026-11", "--allow-incomplete")
    assert res.exit_code == 0 and "note: 2026-11 is incomplete" in res.stdout

    # the pack (JSON and HTML) and the e-mail text made from it
    ok("report", "pack", "--month", "2026-11", "--out", tmp_path / "packs")
    folder = next((tmp_path / "packs").iterdir())
    report_json = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report_json["completeness"]["missing"] == ["aws"]
    assert "2026-11 is incomplete: aws missing" in (folder / "report.html").read_text(
        encoding="utf-8"
    )
    text = delivery.summary_text(report_json, "Video")
    assert "INCOMPLETE: 2026-11 is missing data: aws missing (no import for 2026-11)" in text
    assert "INCOMPLETE" in delivery.summary_html(report_json, None)

    # the year report and the donation name the month
    year = json.loads(ok("report", "year", "--year", "2026", "--format", "json").stdout)
    assert "2026-11" in [c["month"] for c in year["incomplete_months"]]
    assert next(c for c in year["incomplete_months"] if c["month"] == "2026-11")["missing"] == [
        "aws"
    ]
    # ... and so does its workbook, in the summary sheet
    import openpyxl

    book = tmp_path / "year.xlsx"
    ok("report", "year", "--year", "2026", "--format", "xlsx", "--out", book)
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(book)["summary"].iter_rows(values_only=True)}
    assert "aws missing" in rows["incomplete month 2026-11"]
    don = json.loads(
        ok(
            "donation",
            "--year",
            "2026",
            "--price",
            "80",
            "--as-of",
            "2026-12-04",
            "--format",
            "json",
        ).stdout
    )
    assert [c["month"] for c in don["incomplete_months"]] == ["2026-11"]  # December is not over
    assert (
        "2026-11 is incomplete"
        in ok("donation", "--year", "2026", "--price", "80", "--as-of", "2026-12-04").stdout
    )

    # donation close: refused, then closed with a recorded reason (in January 2027)
    from datetime import date

    from carbon.core import calendar

    monkeypatch.setattr(calendar, "today", lambda: date(2027, 1, 5))
    res = run("donation", "close", "--year", "2026", "--price", "80", "--as-of", "2027-01-05")
    assert res.exit_code == 1 and "2026-11 (aws missing" in res.stderr
    assert "--allow-incomplete --reason TEXT" in res.stderr
    res = run(
        "donation",
        "close",
        "--year",
        "2026",
        "--price",
        "80",
        "--as-of",
        "2027-01-05",
        "--allow-incomplete",
    )
    assert res.exit_code == 1 and "needs --reason" in res.stderr
    res = run(
        "donation",
        "close",
        "--year",
        "2026",
        "--price",
        "80",
        "--as-of",
        "2027-01-05",
        "--allow-incomplete",
        "--reason",
        "November bill lost",
        "--by",
        "finance",
    )
    assert res.exit_code == 0, res.stderr
    [override] = feed_service.overrides(store)
    assert (override["action"], override["reason"], override["by"]) == (
        "donation close 2026",
        "November bill lost",
        "finance",
    )
    assert override["months"].split(",")[0] == "2026-11" and "aws missing" in override["missing"]


def test_the_schedule_waits_for_an_incomplete_month_then_says_which_feed_is_late(
    company, run, write, tmp_path, monkeypatch
):
    ok, rules_file = company
    declare(ok)
    monkeypatch.chdir(tmp_path)  # no ./carbon.toml: grace_days is 10
    out = tmp_path / "reports"
    # 5 December: November is incomplete (its bill is missing): waited for, exit 0, no pack
    res = run("schedule", "run-once", "--now", "2026-12-05T06:00", "--out", out)
    assert res.exit_code == 0, res.stderr
    assert "waiting for 2026-11: incomplete (aws missing (no import for 2026-11))" in res.stdout
    assert not out.exists() or not any(out.iterdir())
    # 12 December (11.25 days after its end): overdue, exit 5, naming the late feed
    res = run("schedule", "run-once", "--now", "2026-12-12T06:00", "--out", out)
    assert res.exit_code == 5
    assert "2026-11 still incomplete more than 10 days after the month's end" in res.stderr
    assert "aws missing" in res.stderr
    # the bill arrives: November is complete and produced
    ok(
        "import",
        "cloud-billing",
        write("cur-2026-11.csv", bill("2026-11", "2026-12-01")),
        "--provider",
        "aws",
        "--rules",
        rules_file,
    )
    res = run("schedule", "run-once", "--now", "2026-12-13T06:00", "--out", out)
    assert res.exit_code == 0, res.stderr
    assert "produced 2026-11 revision 1" in res.stdout


def test_a_bill_covering_days_1_to_20_is_partial(company, run, write):
    ok, rules_file = company
    declare(ok)
    ok(
        "import",
        "cloud-billing",
        write("cur-2026-11.csv", bill("2026-11", "2026-11-21")),
        "--provider",
        "aws",
        "--rules",
        rules_file,
    )
    rep = json.loads(ok("report", "monthly", "--month", "2026-11", "--format", "json").stdout)
    aws = next(f for f in rep["completeness"]["feeds"] if f["feed"] == "aws")
    assert aws == {
        "feed": "aws",
        "kind": "cloud-billing",
        "state": "partial",
        "detail": "bill covers days 1–20 of 30",
    }
    assert rep["completeness"]["status"] == "incomplete" and rep["completeness"]["missing"] == [
        "aws"
    ]
    assert run("budget", "check", "--month", "2026-11").exit_code == 3
    # the whole month's bill replaces it: complete
    ok(
        "import",
        "cloud-billing",
        write("cur-2026-11.csv", bill("2026-11", "2026-12-01")),
        "--provider",
        "aws",
        "--rules",
        rules_file,
        "--replace",
    )
    rep = json.loads(ok("report", "monthly", "--month", "2026-11", "--format", "json").stdout)
    assert rep["completeness"]["status"] == "complete"


def test_without_declared_feeds_they_are_inferred_from_history(company, run):
    ok, _ = company
    rep = json.loads(ok("report", "monthly", "--month", "2026-11", "--format", "json").stdout)
    c = rep["completeness"]
    assert c["inferred"] is True and c["status"] == "incomplete"
    assert c["missing"] == ["cloud-billing:aws"]
    aws = next(f for f in c["feeds"] if f["feed"] == "cloud-billing:aws")
    assert (
        aws["detail"]
        == "nothing imported for 2026-11; present in each of 2026-08, 2026-09, 2026-10"
    )
    res = run("budget", "check", "--month", "2026-11")
    assert res.exit_code == 3 and "inferred from history" in res.stdout
    # October: the bill has only two months of history before it, so nothing is expected of it yet
    october = json.loads(ok("report", "monthly", "--month", "2026-10", "--format", "json").stdout)[
        "completeness"
    ]
    assert october["missing"] == [] and october["status"] == "complete"
    assert "inferred from history" in ok("feeds", "status").stdout


def test_feed_attribution_by_flag_and_refusals(company, run, write, db_dump):
    ok, _ = company
    ok("feeds", "add", "travel", "--kind", "activities", "--categories", "travel")
    before = db_dump()
    res = run(
        "import",
        "activities",
        write(
            "t.csv",
            "date,team,activity,quantity,unit,region\n"
            "2026-11-03,Office,electricity.grid,5,kWh,FR\n",
        ),
        "--feed",
        "travl",
    )
    assert (
        res.exit_code == 1 and "--feed travl: no such feed (did you mean 'travel'?)" in res.stderr
    )
    assert db_dump() == before  # nothing imported
    res = run("feeds", "add", "travel", "--kind", "activities")
    assert res.exit_code == 1 and "already declared" in res.stderr
    res = run("feeds", "add", "x", "--kind", "activities", "--teams", "Ofice")
    assert (
        res.exit_code == 1 and "team 'Ofice' is not declared (did you mean 'Office'?)" in res.stderr
    )
    # --feed attributes the import to the feed; the category the feed names is still expected
    ok(
        "import",
        "activities",
        write(
            "t.csv",
            "date,team,activity,quantity,unit,region\n"
            "2026-11-03,Office,electricity.grid,5,kWh,FR\n",
        ),
        "--feed",
        "travel",
    )
    got = json.loads(ok("feeds", "status", "--month", "2026-11", "--format", "json").stdout)
    assert got["months"] == ["2026-11"]
    assert got["feeds"] == [
        {
            "feed": "travel",
            "kind": "activities",
            "months": {"2026-11": {"state": "partial", "detail": "nothing for category travel"}},
        }
    ]
    assert "removed (1 import no longer attributed to it)" in ok("feeds", "remove", "travel").stdout
    assert "no feeds declared" in ok("feeds", "list").stdout


def test_rules_a_team_or_category_present_three_months_and_absent_now_is_partial():
    feed = Feed("activities", "activities")
    batches = [FeedBatch(i, "activities", f"a{i}.csv") for i in range(1, 5)]
    cells = []
    for i, m in enumerate(("2026-08", "2026-09", "2026-10", "2026-11"), start=1):
        cells.append(FeedCell(i, m, "Office", "infrastructure"))
        if m != "2026-11":
            cells.append(FeedCell(i, m, "Sales", "travel"))
    got = rules.matrix([feed], batches, cells, {}, rules.span(["2026-08", "2026-11"])).month(
        "2026-11"
    )
    assert got.status == "incomplete"
    assert got.feeds[0].state == "partial"
    assert got.feeds[0].detail == (
        "team Sales absent (present in each of the 3 previous months); "
        "category travel absent (present in each of the 3 previous months)"
    )
    # a feed naming its teams expects each of them every month
    named = Feed("activities", "activities", teams=("Office", "Finance"))
    got = rules.matrix([named], batches, cells, {}, rules.span(["2026-08", "2026-11"])).month(
        "2026-08"
    )
    assert got.feeds[0].detail == "nothing for team Finance"


def test_rules_a_retired_team_is_expected_of_no_feed():
    batches = [FeedBatch(i, "activities", f"a{i}.csv") for i in range(1, 5)]
    cells = []
    for i, m in enumerate(("2026-08", "2026-09", "2026-10", "2026-11"), start=1):
        cells.append(FeedCell(i, m, "Office", "infrastructure"))
        if m != "2026-11":
            cells.append(FeedCell(i, m, "Sales", "infrastructure"))
    months = rules.span(["2026-08", "2026-11"])
    # Sales retired from November: its absence then is no gap, of an inferred or declared feed.
    gone = {"Sales": "2026-11"}
    for feeds in ([], [Feed("activities", "activities")]):
        assert rules.matrix(feeds, batches, cells, {}, months).month("2026-11").incomplete
        got = rules.matrix(feeds, batches, cells, {}, months, gone).month("2026-11")
        assert got.status == "complete" and got.feeds[0].state == "received"
    # Nor its category: Sales alone had travel, which goes with it.
    travel = [
        FeedCell(c.batch_id, c.month, c.team, "travel" if c.team == "Sales" else c.category)
        for c in cells
    ]
    assert rules.matrix([], batches, travel, {}, months).month("2026-11").incomplete
    assert not rules.matrix([], batches, travel, {}, months, gone).month("2026-11").incomplete
    # A feed naming it: nothing expected of Sales from November; retired from October, an
    # October with Sales' data is still received.
    named = Feed("activities", "activities", teams=("Office", "Sales"))
    assert rules.matrix([named], batches, cells, {}, months).month("2026-11").feeds[0].detail == (
        "nothing for team Sales"
    )
    got = rules.matrix([named], batches, cells, {}, months, gone).month("2026-11")
    assert got.status == "complete"
    # A feed of Sales alone is expected no more once Sales is gone.
    alone = Feed("sales", "activities", teams=("Sales",), first_month="2026-08")
    got = rules.matrix([alone], [], [], {}, months, {"Sales": "2026-09"}).month("2026-11")
    assert not got.incomplete and got.feeds == ()
    assert rules.matrix([alone], [], [], {}, months).month("2026-11").incomplete


def _office_and_sales(run, write) -> None:
    """Office and Sales each month August to November, Sales absent in November (46.1 kg a
    month each: 1,000 kWh × ADEME 2025 FR 0.0461 kg/kWh)."""
    assert run("teams", "add", "Office", "Sales").exit_code == 0
    for m in ("2026-08", "2026-09", "2026-10", "2026-11"):
        rows = f"{m}-15,Office,electricity.grid,1000,kWh,FR\n"
        if m != "2026-11":
            rows += f"{m}-15,Sales,electricity.grid,1000,kWh,FR\n"
        path = write(f"office-{m}.csv", "date,team,activity,quantity,unit,region\n" + rows)
        assert run("import", "activities", path).exit_code == 0


def test_a_retired_team_does_not_hold_budget_check_forever(run, write):
    # Office and Sales each month August to October; Sales retired from November, the month
    # Office alone reports (46.1 kg a month each, ADEME 2025 FR 0.0461 kg/kWh).
    _office_and_sales(run, write)
    budget = 'year = 2026\nunit = "kg CO2e"\n[teams.Office]\nbudget = 1000\n'
    assert run("budget", "load", write("b.toml", budget)).exit_code == 0
    # Before the retirement: Sales absent in November is a partial month (exit 3).
    r = run("budget", "check", "--month", "2026-11")
    assert r.exit_code == 3 and "team Sales absent" in r.output, r.output
    assert run("teams", "retire", "Sales", "--from", "2026-11").exit_code == 0
    r = run("feeds", "status", "--format", "json")
    assert r.exit_code == 0, r.output
    assert "team Sales absent" not in r.stdout
    r = run("budget", "check", "--month", "2026-11")
    assert r.exit_code == 0, r.output


def test_a_feed_naming_a_team_follows_its_rename(run, write):
    # Office each month August to November; a feed of team Office; Office renamed Workplace in
    # November: November's import names Workplace, the feed still expects it.
    assert run("teams", "add", "Office").exit_code == 0
    r = run(
        "feeds", "add", "power", "--kind", "activities", "--teams", "Office", "--from", "2026-08"
    )
    assert r.exit_code == 0, r.output
    for m in ("2026-08", "2026-09", "2026-10", "2026-11"):
        if m == "2026-11":
            assert run("teams", "rename", "Office", "Workplace").exit_code == 0
        team = "Office" if m < "2026-11" else "Workplace"
        path = write(
            f"power-{m}.csv",
            f"date,team,activity,quantity,unit,region\n{m}-15,{team},electricity.grid,1000,kWh,FR\n",
        )
        assert run("import", "activities", path).exit_code == 0
    got = json.loads(run("feeds", "status", "--format", "json").stdout)
    [power] = got["feeds"]
    assert power["months"]["2026-11"]["state"] == "received", power
    # (Before: the ledger's cells name the team by its current name, the feed by the declared
    # one: every month of the feed read "missing", even those before the rename.)
    assert all(power["months"][m]["state"] == "received" for m in power["months"])


def test_a_feed_that_could_never_be_received_is_refused(run, db_url):
    from conftest import dump

    assert run("teams", "add", "Office").exit_code == 0
    before = dump(db_url)
    # A misspelt category: no factor and no entry has it, every month would read partial.
    r = run("feeds", "add", "power", "--kind", "activities", "--categories", "infrastucture")
    assert r.exit_code == 1
    assert (
        "--categories: category 'infrastucture' is no factor's and no entry's "
        "(did you mean 'infrastructure'?)"
    ) in r.stderr
    # A provider on a kind without one: no import would ever match it.
    r = run("feeds", "add", "survey", "--kind", "survey", "--provider", "aws")
    assert r.exit_code == 1
    assert "--provider 'aws': only a cloud-billing feed has a provider" in r.stderr
    assert dump(db_url) == before
    ok = run("feeds", "add", "power", "--kind", "activities", "--categories", "infrastructure")
    assert ok.exit_code == 0, ok.output


def test_closing_an_incomplete_month_is_refused_unless_allowed(company, run, db_url, store):
    from conftest import dump

    ok, _rules = company
    declare(ok)
    before = dump(db_url)
    r = run("close", "--month", "2026-11", "--reason", "sent to finance")
    assert r.exit_code == 1
    text = " ".join(r.stderr.split())
    assert "2026-11 is incomplete: aws missing (no import for 2026-11)" in text
    assert "--allow-incomplete --reason TEXT" in text
    r = run("close", "--month", "2026-11", "--allow-incomplete")
    assert r.exit_code == 1 and "--allow-incomplete needs --reason TEXT" in r.stderr
    assert dump(db_url) == before
    # October is complete: closed as before. November with the override: closed and recorded.
    assert run("close", "--month", "2026-10").exit_code == 0
    r = run(
        "close", "--month", "2026-11", "--allow-incomplete", "--reason", "bill lost", "--by", "ann"
    )
    assert r.exit_code == 0, r.output
    [override] = feed_service.overrides(store)
    assert (override["action"], override["reason"], override["by"]) == (
        "close 2026-11",
        "bill lost",
        "ann",
    )
    assert "aws missing" in override["missing"]


def test_the_facade_returns_typed_records(store):
    from carbon import Carbon

    co2 = Carbon(store)
    feed = co2.add_feed("aws", "cloud-billing", provider="aws")
    assert feed == Feed(
        "aws", "cloud-billing", "aws", (), (), None, "monthly", None, feed.declared_month
    )
    assert co2.feeds() == [feed]
    assert co2.feeds_status().months == ()
    assert co2.completeness("2026-11").status == "unknown"
    assert co2.remove_feed("aws") == 0


def test_feeds_declared_in_the_config(company, run, write, tmp_path, monkeypatch):
    ok, _ = company
    monkeypatch.chdir(tmp_path)
    write(
        "carbon.toml",
        """
        [feeds.aws]
        kind = "cloud-billing"
        provider = "aws"

        [feeds.office]
        kind = "activities"
        source = "office-*.csv"
    """,
    )
    got = json.loads(ok("feeds", "status", "--month", "2026-11", "--format", "json").stdout)
    assert [(f["feed"], f["months"]["2026-11"]["state"]) for f in got["feeds"]] == [
        ("aws", "missing"),
        ("office", "received"),
    ]
    assert "office" in ok("feeds", "list").stdout  # declared once: nothing declared again
    bad = write("bad.toml", '[feeds.video]\nkind = "vidoe"\nteam = ["Office"]\n')
    res = run("feeds", "list", "--config", bad)
    assert res.exit_code == 1
    assert "feeds.video.kind" in res.stderr and "feeds.video.team" in res.stderr
    # A misspelled team in the config named the `feeds add` option "--teams" (found by a new
    # company's test): the message names the config file and its table's key.
    typo = write("typo.toml", '[feeds.power]\nkind = "activities"\nteams = ["Ofice"]\n')
    res = run("feeds", "list", "--config", typo)
    assert res.exit_code == 1
    text = " ".join(res.stderr.split())
    assert f"{typo}: [feeds.power] teams: team 'Ofice' is not declared" in text
    assert "did you mean 'Office'?" in text and "--teams" not in text
    assert "power" not in run("feeds", "list").stdout  # nothing declared
    # the line saying a config's feed was declared shows its table (rich took "[feeds.power]"
    # for markup and printed "(config )")
    fixed = write("fixed.toml", '[feeds.power]\nkind = "activities"\nteams = ["Office"]\n')
    res = run("feeds", "list", "--config", fixed)
    assert res.exit_code == 0, res.output
    assert "feed power declared (config [feeds.power])" in res.stdout


def test_a_config_feed_edited_after_its_declaration_is_warned_about(company, run, write):
    # The config's [feeds.power] was declared with teams Office; the config then says Office and
    # Platform: the declared feed is kept (as documented), and this was silent.
    first = write("first.toml", '[feeds.power]\nkind = "activities"\nteams = ["Office"]\n')
    assert run("feeds", "list", "--config", first).exit_code == 0
    edited = write(
        "edited.toml",
        '[feeds.power]\nkind = "activities"\nteams = ["Office", "Platform"]\nfrom = "2026-09"\n',
    )
    res = run("feeds", "status", "--config", edited, "--format", "json")
    assert res.exit_code == 0, res.output
    json.loads(res.stdout)  # stdout stays JSON
    text = " ".join(res.stderr.split())
    assert f"{edited}: [feeds.power] differs from the feed declared as power" in text
    assert "teams: declared Office; config Office, Platform" in text
    assert "from: declared none; config 2026-09" in text
    assert "carbon feeds remove power" in text
    assert "Platform" not in run("feeds", "list").stdout  # kept as declared
    same = run("feeds", "list", "--config", first)
    assert same.exit_code == 0 and "differs" not in same.output


def test_a_team_over_with_the_data_received_is_over_in_an_incomplete_month(run, write):
    # November lacks Sales (a partial month): no verdict (exit 3) hid that Office, at 184.4 kg
    # against 100 × 5/12 = 41.7 kg covered from August, is over whatever the data missing.
    _office_and_sales(run, write)
    budget = 'year = 2026\nunit = "kg CO2e"\n[teams.Office]\nbudget = 100\n[teams.Sales]\nbudget = 1000\n'
    assert run("budget", "load", write("b.toml", budget)).exit_code == 0
    r = run("budget", "check", "--month", "2026-11")
    assert r.exit_code == 2, r.output
    assert "NONE 2026-11 is incomplete" in r.stdout and "team Sales absent" in r.stdout
    assert "OVER  Office: over" in r.stdout and "Sales:" not in r.stdout  # Sales not judged
    assert "1 over already with the data received -> exit 2" in " ".join(r.stdout.split())
