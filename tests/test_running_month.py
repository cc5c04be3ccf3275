"""One rule for the running month: every command counts the same months, and says through which.

A small company of its own (Kestrel, two teams, started in September 2026), seen on
4 December 2026: December has some data already (an early export), but it is not over.
"""

import json
from datetime import date

import pytest

from carbon.budgets import service as budget_service
from carbon.core.calendar import counted_through
from carbon.donation import service as donation_service
from carbon.errors import NotFound
from carbon.ledger import service as importer
from carbon.ledger import views as ledger
from carbon.ledger import year as year_rules
from carbon.pack import service as pack
from carbon.report import budget as budget_view
from carbon.report import donation as donation_view
from carbon.report import scenario as scenario_view
from carbon.report import year as year_view
from carbon.scenarios import file as scenario_file
from carbon.scenarios import service as scenario_run

TODAY = date(2026, 12, 4)

# Factors of value 1: kg CO2e = quantity.
FACTORS = """\
activity,region,year,value,unit,category,scope,source,uncertainty_pct
test.power,,2026,1,kg CO2e / kWh,infrastructure,2,test table,10
"""

# Kestrel's own months (kWh = kg):       Sep  Oct  Nov | Dec (4 days in, not over)
#   Web                                  100  100  100 |  20
#   Video                                200  300  400 |  50
ACTIVITIES = "date,team,activity,quantity,unit\n" + "".join(
    f"2026-{m},Web,test.power,{w},kWh\n2026-{m},Video,test.power,{v},kWh\n"
    for m, w, v in (("09", 100, 200), ("10", 100, 300), ("11", 100, 400), ("12", 20, 50))
)

# Flat budgets; each team is counted from September: the budget's share of Sep..Dec is 4/12.
#   Web   1,200 -> 400 for Sep..Dec;  Video 3,000 -> 1,000 for Sep..Dec.
BUDGETS = (
    'year = 2026\nunit = "kg CO2e"\n[company]\nbudget = 5000\n[teams.Web]\nbudget = 1200\n'
    "[teams.Video]\nbudget = 3000\n"
)

# Counted through November (the last month over on 4 December):
#   Web   actual 300 over 3 known months -> year end 300 x 4/3 = 400  (= 400: on track)
#   Video actual 900                     -> year end 900 x 4/3 = 1,200 (> 1,000: at risk)
#   Company forecast 400 + 1,200 = 1,600 kg; budget of the months counted 400 + 1,000 = 1,400 kg.
# Counting December's 4 days as a month would give Video 950 over 4 months = 950: "on track".
LEVERS = (
    'year = 2026\nname = "half the video power"\n[[lever]]\nkind = "scale"\nactivity = "test.power"\n'
    'by = 0.5\nstart = "2026-01"\nteams = ["Video"]\n'
)


@pytest.fixture
def kestrel(store, write):
    for team in ("Web", "Video"):
        importer.add_team(store, team)
    importer.import_factors(store, write("f.csv", FACTORS))
    importer.import_activities(store, write("a.csv", ACTIVITIES))
    budget_service.load_file(store, write("b.toml", BUDGETS))
    return store


def test_the_rule():
    assert counted_through(TODAY) == "2026-11"
    assert counted_through(TODAY, "2026-12") == "2026-11"  # the running month: the one before it
    assert counted_through(TODAY, "2026-10") == "2026-10"  # a month over: itself
    assert counted_through(date(2027, 1, 1), "2026-12") == "2026-12"
    assert counted_through(date(2026, 1, 15)) == "2025-12"


def test_budget_status_of_the_running_month_is_that_of_the_last_month_over(kestrel):
    dec = budget_service.status_at(kestrel, "2026-12", today=TODAY)
    nov = budget_service.status_at(kestrel, "2026-11", today=TODAY)
    for rep in (dec, nov):
        teams = {t.team: t for t in rep.teams}
        assert rep.counted_through == "2026-11"
        assert (teams["Web"].actual_to_date, teams["Web"].forecast, teams["Web"].status) == (
            300,
            400,
            "on_track",
        )
        assert (teams["Video"].actual_to_date, teams["Video"].forecast, teams["Video"].status) == (
            900,
            pytest.approx(1200),
            "at_risk",
        )
        assert rep.company.forecast == pytest.approx(1600)
        # The company's budget of the months counted, not the 5,000 of the year: 400 + 1,000.
        assert rep.company.budget_covered == pytest.approx(1400) and rep.company.budget == 5000
    d = budget_view.to_dict(dec)
    assert (d["month"], d["counted_through"]) == ("2026-12", "2026-11")
    assert d["company"]["budget_covered"] == 1400.0
    assert "counted through 2026-11" in dec.warnings[0] and "2026-12 is not over" in dec.warnings[0]
    assert not any("not over" in w for w in nov.warnings)
    assert budget_view.to_dict(nov)["counted_through"] == "2026-11"


def test_scenario_run_and_the_pack_levers_count_the_same_months(kestrel, write, tmp_path):
    path = write("levers.toml", LEVERS)
    sc = scenario_file.read(path, ["Web", "Video"])
    alone = scenario_run.run(kestrel, sc, today=TODAY, price="100")
    as_pack = scenario_run.run(kestrel, sc, through="2026-12", today=TODAY, price="100")
    for r in (alone, as_pack):
        d = scenario_view.to_dict(r)
        assert d["counted_through"] == "2026-11" and d["recorded_through"] == "2026-11"
        # With no lever a team's baseline is its budget-status forecast: 400 + 1,200 = 1,600 kg.
        assert d["company"]["baseline"] == pytest.approx(1600)
        video = next(t for t in d["teams"] if t["team"] == "Video")
        # Video halved: 450 recorded Sep..Nov, year end 450 x 4/3 = 600 kg.
        assert (video["baseline"], video["scenario"]) == (pytest.approx(1200), pytest.approx(600))
        assert "counted through 2026-11" in d["method"]
    # --month of a month over counts through that month: October, Video 500 x 4/2 = 1,000.
    octo = scenario_view.to_dict(
        scenario_run.run(kestrel, sc, through="2026-10", today=TODAY, price="100")
    )
    assert octo["counted_through"] == "2026-10"
    assert next(t for t in octo["teams"] if t["team"] == "Video")["baseline"] == pytest.approx(1000)

    # The on-demand December pack: its budget status, its levers and its donation summary
    # all count through November, so its company forecast is the donation's figure.
    built = pack.build(kestrel, "2026-12", tmp_path / "packs", scenarios=(sc,), today=TODAY)
    report = json.loads((built.path / "report.json").read_text(encoding="utf-8"))
    assert report["budget_status"]["counted_through"] == "2026-11"
    assert report["budget_status"]["company"]["forecast"] == 1600.0
    assert report["levers"][0]["scenario"]["company"]["baseline"] == 1600.0
    assert report["levers"][0]["scenario"]["counted_through"] == "2026-11"
    assert report["partial"] is True and "2026-12 is not over" in report["warnings"][0]
    html = (built.path / "report.html").read_text(encoding="utf-8")
    assert "Counted through 2026-11 (2026-12 is not over" in html
    # ... and the page says its month's figures are partial (only report.json did)
    assert "2026-12 is not over (today is 2026-12-04): its figures are partial" in html
    # Donation as of 4 December at 100 EUR/t: 1.6 t (the same 1,600 kg) -> 160.00 EUR.
    view = donation_service.donation_view(
        kestrel, 2026, as_of=TODAY, price="100", allow_missing_months=True
    )  # Kestrel started in September
    dd = donation_view.to_dict(view)
    assert dd["counted_through"] == "2026-11" and dd["emissions_t"] == 1.6 and dd["amount"] == 160.0


def test_year_report_of_a_year_in_progress_is_marked(kestrel, tmp_path):
    rep = year_rules.year_report(kestrel, 2026, today=TODAY)
    # Sep..Nov: Web 300 + Video 900 = 1,200 kg; December's 70 kg are not counted (not over).
    assert rep.total == pytest.approx(1200) and rep.in_progress and rep.counted_through == "2026-11"
    d = year_view.to_dict(rep)
    assert (d["in_progress"], d["counted_through"], d["progress"]) == (
        True,
        "2026-11",
        "in progress, through 2026-11",
    )
    assert d["months_not_over"] == ["2026-12"] and d["not_counted"] == ["2026-12"]
    assert "2026-12" not in d["months_without_data"] and "2026-08" in d["months_without_data"]
    months, _teams = year_view.to_tables(rep)
    assert "in progress, through 2026-11" in str(months.title)
    path = tmp_path / "y.xlsx"
    path.write_bytes(year_view.to_xlsx(rep))
    import openpyxl

    wb = openpyxl.load_workbook(path)
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True)}
    assert (
        summary["status"] == "in progress, through 2026-11" and summary["total (kg CO2e)"] == 1200
    )
    by_month = {r[0]: r[1] for r in wb["by month"].iter_rows(values_only=True)}
    assert by_month["2026-12"] == "not over" and by_month["2026-08"] == "no data"
    # Once the year is over: all of it, 1,270 kg, not in progress.
    over = year_rules.year_report(kestrel, 2026, today=date(2027, 1, 2))
    assert over.total == pytest.approx(1270) and not over.in_progress
    assert year_view.to_dict(over)["in_progress"] is False


def test_monthly_report_of_the_running_month_says_it_is_partial(kestrel):
    rep = ledger.monthly_report(kestrel, "2026-12", today=TODAY)
    assert rep.partial and rep.total == pytest.approx(70)  # what was received: 20 + 50
    assert "2026-12 is not over (today is 2026-12-04): its figures are partial" in rep.warnings[0]
    assert not ledger.monthly_report(kestrel, "2026-11", today=TODAY).partial


def test_no_month_of_the_year_over_yet(kestrel):
    with pytest.raises(NotFound, match="no month of 2026 is over yet"):
        budget_service.status_at(kestrel, "2026-01", today=date(2026, 1, 10))


def test_the_running_month_with_the_last_month_over_missing_is_said(store, write):
    importer.add_team(store, "Web")
    importer.import_factors(store, write("f.csv", FACTORS))
    # September and December only: November (the last month over on 4 December) is missing.
    importer.import_activities(
        store,
        write(
            "a.csv",
            "date,team,activity,quantity,unit\n"
            "2026-09,Web,test.power,100,kWh\n2026-12,Web,test.power,20,kWh\n",
        ),
    )
    budget_service.load_file(
        store, write("b.toml", 'year = 2026\nunit = "kg CO2e"\n[teams.Web]\nbudget = 1200\n')
    )
    with pytest.raises(
        NotFound,
        match=r"no emissions recorded for 2026-11, the last month over \(2026-12 is not over\)",
    ):
        budget_service.status_at(store, "2026-12", today=TODAY)


def test_budget_check_of_the_running_month_judges_the_month_it_counts(run, write):
    # Today's month is not over: budget check counts through the month before, but judged the
    # completeness of today's month, where Ops has no row yet ("partial"): exit 3 until the
    # month's files arrive. It gives the month before's verdict, as budget status does.
    today = date.today()
    if today.month < 5:
        pytest.skip("needs three months of the year over before the running one")
    y, m = today.year, today.month
    run("teams", "add", "Web", "Ops")
    rows = "".join(
        f"{y}-{k:02d},{t},electricity.grid,1000,kWh,FR\n"
        for k in range(m - 3, m)
        for t in ("Web", "Ops")
    )
    rows += f"{y}-{m:02d},Web,electricity.grid,10,kWh,FR\n"  # the running month, so far
    header = "date,team,activity,quantity,unit,region\n"
    assert run("import", "activities", write("a.csv", header + rows)).exit_code == 0
    budget = f'year = {y}\nunit = "t CO2e"\n[teams.Web]\nbudget = 10\n[teams.Ops]\nbudget = 10\n'
    assert run("budget", "load", write("b.toml", budget)).exit_code == 0
    before = run("budget", "check", "--month", f"{y}-{m - 1:02d}")
    now = run("budget", "check", "--month", f"{y}-{m:02d}")
    assert before.exit_code == 0, before.output
    assert now.exit_code == 0, now.output
    status = json.loads(
        run("budget", "status", "--month", f"{y}-{m:02d}", "--format", "json").stdout
    )
    assert status["completeness"]["month"] == f"{y}-{m - 1:02d}"
