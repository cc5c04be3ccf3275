"""`carbon serve`: the JSON API equals the CLI's `--format json`, access by token and team,
errors, ETags, escaping. A small company's own data, figures worked out by hand."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from markupsafe import escape  # the escaping Jinja2 applies

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from carbon.api import Carbon  # noqa: E402
from carbon.errors import CarbonError  # noqa: E402

FACTORS = """\
activity,region,year,value,unit,category,scope,source,uncertainty_pct
test.power,,2026,1,kg CO2e / kWh,infrastructure,2,test table,10
test.travel,,2026,1,kg CO2e / km,commuting,3,test table,20
"""

# Every character a URL, an HTML page or a shell might trip on; Hebrew is written right to left.
HOSTILE = "<script>alert('x')</script> \"Ops\" ../a%2Fb צוות"

# The company starts in September 2026 and forgets nothing but Sales's November.
#   Platform: 100 kWh (Sep), 110 kWh (Oct), 120 kWh (Nov) -> 100, 110, 120 kg
#   HOSTILE:  2929 km in September and October            -> 2929 kg each month
#   Sales:    3737 kWh in September and October, none in November
# October: 110 + 2929 + 3737 = 6776 kg for the company.
ACTIVITIES = (
    "date,team,activity,quantity,unit\n"
    "2026-09,Platform,test.power,100,kWh\n2026-10,Platform,test.power,110,kWh\n"
    "2026-11,Platform,test.power,120,kWh\n"
    f'2026-09,"{HOSTILE.replace(chr(34), chr(34) * 2)}",test.travel,2929,km\n'
    f'2026-10,"{HOSTILE.replace(chr(34), chr(34) * 2)}",test.travel,2929,km\n'
    "2026-09,Sales,test.power,3737,kWh\n2026-10,Sales,test.power,3737,kWh\n"
)

BUDGETS = f"""
year = 2026
unit = "kg CO2e"
[teams.Platform]
budget = 1200
[teams.Sales]
budget = 40000
[teams.{json.dumps(HOSTILE)}]
budget = 30000
"""


@pytest.fixture
def company(run, write):
    r = run("teams", "add", "Platform", "Sales", HOSTILE)
    assert r.exit_code == 0, r.output
    for args in (
        ("factors", "import", write("f.csv", FACTORS)),
        ("import", "activities", write("a.csv", ACTIVITIES)),
        ("budget", "load", write("b.toml", BUDGETS)),
    ):
        r = run(*args)
        assert r.exit_code == 0, r.output
    return run


@pytest.fixture
def client(company, db_url):
    carbon = Carbon.open(db_url)
    yield TestClient(carbon.web_app(local=True), base_url="http://127.0.0.1")
    carbon.close()


def cli_json(run, *args) -> str:
    r = run(*args)
    assert r.exit_code == 0, r.output
    return r.stdout


def test_each_endpoint_is_the_cli_json_byte_for_byte(client, company):
    cases = [
        (
            "/api/v1/report/monthly?month=2026-10",
            ("report", "monthly", "--month", "2026-10", "--format", "json"),
        ),
        (
            f"/api/v1/report/monthly?month=2026-10&team={quote(HOSTILE, safe='')}",
            ("report", "monthly", "--month", "2026-10", "--team", HOSTILE, "--format", "json"),
        ),
        (
            "/api/v1/budget/status?month=2026-10",
            ("budget", "status", "--month", "2026-10", "--format", "json"),
        ),
        (
            "/api/v1/budget/status?month=2026-10&team=Platform",
            ("budget", "status", "--month", "2026-10", "--team", "Platform", "--format", "json"),
        ),
        ("/api/v1/report/year?year=2026", ("report", "year", "--year", "2026", "--format", "json")),
        (
            "/api/v1/donation?year=2026&price=80&allow_missing_months=true",
            (
                "donation",
                "--year",
                "2026",
                "--price",
                "80",
                "--allow-missing-months",
                "--format",
                "json",
            ),
        ),
        (
            "/api/v1/donation?year=2026&price=80&currency=USD&as_of=2026-11-15&allow_missing_months=1",
            (
                "donation",
                "--year",
                "2026",
                "--price",
                "80",
                "--currency",
                "USD",
                "--as-of",
                "2026-11-15",
                "--allow-missing-months",
                "--format",
                "json",
            ),
        ),
        ("/api/v1/teams", ("teams", "list", "--format", "json")),
        ("/api/v1/feeds", ("feeds", "status", "--format", "json")),
        (
            "/api/v1/feeds?month=2026-10",
            ("feeds", "status", "--month", "2026-10", "--format", "json"),
        ),
    ]
    for path, args in cases:
        got = client.get(path)
        assert (path, got.status_code) == (path, 200), got.text
        assert got.headers["content-type"] == "application/json"
        assert got.content.decode("utf-8") == cli_json(company, *args), path
    october = json.loads(client.get("/api/v1/report/monthly?month=2026-10").content)
    assert october["total"] == pytest.approx(110 + 2929 + 3737)  # 6776
    platform = json.loads(client.get("/api/v1/budget/status?month=2026-10&team=Platform").content)
    # counted from September: actual 100 + 110 = 210 kg
    assert platform["teams"][0]["actual_to_date"] == pytest.approx(210)


def test_bad_parameters_are_400_and_missing_data_404_as_json(client):
    for path in (
        "/api/v1/report/monthly?month=2026-13",
        "/api/v1/report/monthly?month=oct",
        "/api/v1/report/monthly",
        "/api/v1/report/year?year=26",
        "/api/v1/donation?year=x",
        # a bad price is a bad parameter (it answered 404, "not found")
        "/api/v1/donation?year=2026&price=-5",
        "/api/v1/donation?year=2026&price=abc",
        "/api/v1/donation?year=2026&price=nan",
        # a parameter the endpoint does not take, or given twice, is refused: "tem=Video"
        # answered for the whole company
        "/api/v1/report/monthly?month=2026-10&tem=Video",
        "/api/v1/report/monthly?month=2026-10&month=2026-09",
        "/api/v1/teams?team=Video",
    ):
        got = client.get(path)
        assert (path, got.status_code) == (path, 400)
        body = got.json()
        assert set(body) == {"error", "problems"} and body["error"], path
    for path in (
        "/api/v1/report/monthly?month=2025-01",
        "/api/v1/report/monthly?month=2026-10&team=Nobody",
        "/api/v1/nothing",
        "/api/v1/donation?year=2019&price=80",  # a year without data (it answered 400)
    ):
        got = client.get(path)
        assert (path, got.status_code) == (path, 404)
        assert set(got.json()) == {"error", "problems"}
    assert "Traceback" not in client.get("/api/v1/report/monthly?month=2025-01").text
    tem = client.get("/api/v1/report/monthly?month=2026-10&tem=Video").json()["error"]
    assert "unknown parameter 'tem' (did you mean 'team'?); expected month, team" == tem
    assert client.get("/teams/Nobody").status_code == 404


def test_only_get_and_head(client):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        got = client.request(method, "/api/v1/teams")
        assert (method, got.status_code) == (method, 405)
        assert got.json()["error"] and got.headers["allow"] == "GET, HEAD"
    assert client.request("POST", "/").status_code == 405
    assert client.head("/api/v1/teams").status_code == 200


def test_etag_answers_304_until_the_data_changes(client, company, write):
    first = client.get("/api/v1/report/monthly?month=2026-10")
    tag = first.headers["etag"]
    again = client.get("/api/v1/report/monthly?month=2026-10", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    page = client.get("/", headers={"If-None-Match": tag})
    assert page.status_code == 200  # another resource, another tag
    r = company(
        "import",
        "activities",
        write("more.csv", "date,team,activity,quantity,unit\n2026-10,Platform,test.power,5,kWh\n"),
    )
    assert r.exit_code == 0, r.output
    changed = client.get("/api/v1/report/monthly?month=2026-10", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert changed.json()["total"] == pytest.approx(6776 + 5)


def test_security_headers(client):
    got = client.get("/")
    csp = got.headers["content-security-policy"]
    assert (
        "frame-ancestors 'none'" in csp and "script-src" not in csp and "default-src 'none'" in csp
    )
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in got.text.replace("&lt;script", "")


def test_hostile_team_names_round_trip_and_are_escaped(client):
    page = client.get("/teams/" + quote(HOSTILE, safe="") + "?month=2026-10")
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert "2,929.0" in page.text  # the team's October figure
    home = client.get("/?month=2026-10").text
    assert "<script>" not in home
    assert 'href="/teams/' + quote(HOSTILE, safe="") + '?month=2026-10"' in home.replace(
        "&amp;", "&"
    )
    api = client.get("/api/v1/report/monthly?month=2026-10&team=" + quote(HOSTILE, safe=""))
    assert api.json()["teams"][0]["team"] == HOSTILE


def test_tokens_are_printed_once_stored_hashed_listed_and_revoked(company, db_url, db_dump):
    r = company("tokens", "add", "alice", "--team", "Platform")
    assert r.exit_code == 0, r.output
    token = r.stdout.splitlines()[0]
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token)
    assert token not in "\n".join(map(str, db_dump()))
    listed = company("tokens", "list")
    assert "alice" in listed.stdout and "Platform" in listed.stdout and token not in listed.stdout
    assert company("tokens", "add", "alice").exit_code == 1  # a name is used once
    assert company("tokens", "add", "bob", "--team", "Nobody").exit_code == 1
    carbon = Carbon.open(db_url)
    client = TestClient(carbon.web_app(local=True))
    assert (
        client.get("/api/v1/teams", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    assert company("tokens", "revoke", "alice").exit_code == 0
    assert (
        client.get("/api/v1/teams", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    assert company("tokens", "revoke", "alice").exit_code == 1
    carbon.close()


def test_off_localhost_the_server_refuses_to_start_without_tokens(company):
    r = company("serve", "--host", "0.0.0.0")
    assert r.exit_code == 1 and "needs access tokens" in r.stderr


def test_no_or_wrong_token_is_401_once_tokens_exist(company, db_url):
    company("tokens", "add", "admin")
    carbon = Carbon.open(db_url)
    client = TestClient(carbon.web_app(local=False))
    for path in ("/api/v1/teams", "/api/v1/report/monthly?month=2026-10"):
        assert client.get(path).status_code == 401
        got = client.get(path, headers={"Authorization": "Bearer wrong"})
        assert got.status_code == 401 and set(got.json()) == {"error", "problems"}
    page = client.get("/")
    assert page.status_code == 401 and '<form method="post" action="/login">' in page.text
    carbon.close()


def test_login_form_sets_an_httponly_strict_cookie(company, db_url):
    token = company("tokens", "add", "alice", "--team", "Platform").stdout.splitlines()[0]
    carbon = Carbon.open(db_url)
    client = TestClient(carbon.web_app(local=False), base_url="https://carbon.example")
    assert client.post("/login", data={"token": "wrong"}).status_code == 401
    got = client.post("/login", data={"token": token}, follow_redirects=False)
    assert got.status_code == 303
    cookie = got.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert client.get("/teams/Platform?month=2026-10").status_code == 200
    carbon.close()


def test_a_team_token_sees_its_team_and_the_company_total_and_nothing_of_the_others(
    company, db_url
):
    token = company("tokens", "add", "alice", "--team", "Platform").stdout.splitlines()[0]
    carbon = Carbon.open(db_url)
    client = TestClient(carbon.web_app(local=False), headers={"Authorization": f"Bearer {token}"})
    forbidden = [
        "/teams/Sales",
        "/teams/" + quote(HOSTILE, safe=""),
        "/year/2026",
        "/year/2026?format=xlsx",
        "/scenarios",
        "/api/v1/report/monthly?month=2026-10",
        "/api/v1/report/monthly?month=2026-10&team=Sales",
        "/api/v1/budget/status?month=2026-10",
        "/api/v1/budget/status?month=2026-10&team=Sales",
        "/api/v1/report/year?year=2026",
        "/api/v1/donation?year=2026",
        "/feeds",
        "/api/v1/feeds",
    ]
    for path in forbidden:
        assert (path, client.get(path).status_code) == (path, 403)
    allowed = [
        "/",
        "/?month=2026-09",
        "/?month=2026-10",
        "/?month=2026-11",
        "/teams/Platform",
        "/teams/Platform?month=2026-09",
        "/teams/Platform?month=2026-10",
        "/teams/Platform?month=2026-10&entries=1",
        "/api/v1/teams",
        "/api/v1/report/monthly?month=2026-10&team=Platform",
        "/api/v1/budget/status?month=2026-10&team=Platform",
        "/openapi.json",
        "/login",
    ]
    served = {}
    for path in allowed + forbidden:
        got = client.get(path)
        assert got.status_code in (200, 403), (path, got.status_code)
        served[path] = got.text
    others = [
        "Sales",
        "<script",
        "alert(",
        "&lt;script",
        "Ops",
        "a%2Fb",
        "a%252Fb",
        "צוות",
        "3737",
        "3,737",
        "2929",
        "2,929",
        "7474",
        "7,474",
        "5858",
        "5,858",
    ]
    for path, text in served.items():
        for word in others:
            assert (path, word, word in text) == (path, word, False)
    # the company total of October: 110 + 2929 + 3737 = 6776 kg; Platform 110 kg
    home = served["/?month=2026-10"]
    assert 'id="company-total">6,776.0<' in home and "110.0" in home
    assert json.loads(served["/api/v1/teams"])["teams"] == [
        {
            "team": "Platform",
            "status": "active",
            "retired_from": None,
            "former_names": [],
            "declared": json.loads(served["/api/v1/teams"])["teams"][0]["declared"],
        }
    ]
    carbon.close()


def test_team_page_figures_and_drill_down(client):
    first = client.get("/teams/Platform?month=2026-10").text
    assert 'id="team-total">110.0<' in first and "<td>test.power</td>" in first  # biggest source
    assert "entries=1" in first and "a.csv" not in first  # the drill-down is a link away
    page = client.get("/teams/Platform?month=2026-10&entries=1").text
    assert 'id="team-total">110.0<' in page
    # the entry behind it: 110 kWh × 1 kg CO2e / kWh = 110 kg, from the test table, import #2
    assert (
        "110.000 kWh" in page
        and "1 kg CO2e / kWh" in page
        and "test table" in page
        and "a.csv" in page
    )
    # burn-down: actual 100 + 110 = 210 kg, counted from September
    assert "210.00 kg CO2e" in page


def test_year_page_and_workbook(client):
    page = client.get("/year/2026")
    assert page.status_code == 200
    html = page.text
    # a table, not raw JSON: every team's and month's figure as the JSON gives it, both scope-2
    # methods side by side
    data = client.get("/api/v1/report/year?year=2026").json()
    assert "<pre" not in html and "<table>" in html
    assert f'id="year-total">{data["total"]:,.1f}<' in html
    for team, kg in data["by_team"].items():
        assert f'<td>{escape(team)}</td><td class="num">{kg:,.1f}</td>' in html  # escaped
    for month, kg in data["by_month"].items():  # a month without data says so, never 0
        shown = "no data" if kg is None else f"{kg:,.1f}"
        assert f'<td>{month}</td><td class="num">{shown}</td>' in html
    assert "<td>location-based</td>" in html and "<td>market-based</td>" in html
    pytest.importorskip("openpyxl")
    got = client.get("/year/2026?format=xlsx")
    assert got.status_code == 200 and got.content[:2] == b"PK"
    assert client.get("/year/26").status_code == 400


def test_openapi_describes_the_endpoints(client):
    spec = client.get("/openapi.json").json()
    assert {
        "/api/v1/report/monthly",
        "/api/v1/budget/status",
        "/api/v1/report/year",
        "/api/v1/donation",
        "/api/v1/teams",
    } <= set(spec["paths"])


def test_donation_without_a_price_for_the_year_is_the_cli_error(client, company):
    got = client.get("/api/v1/donation?year=2026&allow_missing_months=true")
    r = company("donation", "--year", "2026", "--allow-missing-months", "--format", "json")
    assert r.exit_code == 1 and got.status_code == 404
    assert (
        "no carbon price for 2026" in got.json()["error"] and "no carbon price for 2026" in r.stderr
    )
    assert client.get("/api/v1/donation?year=2026&allow_missing_months=maybe").status_code == 400


def test_scenarios_page_runs_the_config_scenarios_through_the_latest_month(
    company, db_url, write, tmp_path
):
    from carbon import config

    (tmp_path / "conf").mkdir()
    write(
        "conf/levers.toml",
        """
        year = 2026
        name = "Half the power of Platform"
        [[lever]]
        kind = "scale"
        activity = "test.power"
        by = 0.5
        start = "2026-12"
        teams = ["Platform"]
        """,
    )
    cfg = config.load(write("conf/carbon.toml", '[pack]\nscenarios = ["levers.toml"]\n'))
    carbon = Carbon.open(db_url)
    page = TestClient(carbon.web_app(local=True, scenarios=cfg.scenarios)).get("/scenarios")
    assert page.status_code == 200
    assert "Half the power of Platform" in page.text and "through 2026-11" in page.text
    bare = TestClient(carbon.web_app(local=True)).get("/scenarios").text
    assert "No scenario files" in bare
    carbon.close()


def test_home_defaults_to_the_latest_complete_month_and_badges_an_incomplete_one(company, db_url):
    # a feed expecting Sales every month: November has no Sales row, so it is incomplete
    r = company("feeds", "add", "sales-meter", "--kind", "activities", "--teams", "Sales")
    assert r.exit_code == 0, r.output
    carbon = Carbon.open(db_url)
    try:
        client = TestClient(carbon.web_app(local=True), base_url="http://127.0.0.1")
        home = client.get("/").text
        # the default month is October (November is the latest with data, but incomplete):
        # 110 + 2929 + 3737 = 6,776.0 kg
        assert "<h1>Company, 2026-10</h1>" in home
        assert 'id="company-total">6,776.0<' in home
        assert 'id="completeness">complete<' in home
        november = client.get("/?month=2026-11").text
        assert 'id="completeness">incomplete<' in november
        assert "sales-meter: missing" in november  # the feed named, for the company
        assert "2026-11 is incomplete" in november
        token = company("tokens", "add", "bob", "--team", "Platform").stdout.splitlines()[0]
        team_client = TestClient(
            carbon.web_app(local=False), headers={"Authorization": f"Bearer {token}"}
        )
        seen = team_client.get("/?month=2026-11").text
        assert 'id="completeness">incomplete<' in seen  # the verdict, never a low month
        assert "sales-meter" not in seen and "Sales" not in seen  # no other team's name
    finally:
        carbon.close()


def test_without_the_serve_extra_the_error_says_what_to_install(company, db_url, monkeypatch):
    import sys

    # as if jinja2 were not installed: its import fails, and the application module is not cached
    monkeypatch.setitem(sys.modules, "jinja2", None)
    monkeypatch.delitem(sys.modules, "carbon.serve.app", raising=False)
    monkeypatch.delitem(sys.modules, "carbon.serve.templates", raising=False)
    carbon = Carbon.open(db_url)
    try:
        with pytest.raises(CarbonError, match=r"jinja2 is missing.*carbon-ledger\[serve\]"):
            carbon.web_app(local=True)
    finally:
        carbon.close()
    r = company("serve", "--port", "8799")
    assert r.exit_code == 1 and "pip install 'carbon-ledger[serve]'" in r.output
    assert "internal error" not in r.output and "Traceback" not in r.output
