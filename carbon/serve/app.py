"""The ASGI application of `carbon serve`: server-rendered pages and a JSON API, read-only.

Every JSON answer is the text the command line prints with `--format json` (carbon/answers.py).
Access: bound to 127.0.0.1 with no token stored, everything is served; otherwise every request
needs a token (`Authorization: Bearer TOKEN`, or the cookie the login form sets). A team's token
sees that team and the company total, and is refused (403) anything naming another team.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote

from jinja2 import DictLoader, Environment, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from carbon import answers
from carbon.core.calendar import MONTH_RE, counted_through
from carbon.core.suggest import did_you_mean
from carbon.errors import CarbonError, InputError, NotFound
from carbon.feeds.rules import INCOMPLETE
from carbon.report import svg
from carbon.report.intensity import html_section
from carbon.report.style import CSS
from carbon.serve.templates import TEMPLATES

if TYPE_CHECKING:
    from carbon.api import Carbon

COOKIE = "carbon_token"
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidate with the ETag every time
}
EXTRA_CSS = """
nav { display:flex; flex-wrap:wrap; gap:12px; padding:8px 16px; background:#2f6f8f; }
nav a { color:#fff; } form.inline { display:flex; flex-wrap:wrap; gap:6px; align-items:center; }
td, th { overflow-wrap:anywhere; }
"""
API_PATHS = (
    "/api/v1/report/monthly",
    "/api/v1/budget/status",
    "/api/v1/report/year",
    "/api/v1/donation",
    "/api/v1/teams",
    "/api/v1/feeds",
)


class Refused(Exception):
    """A request answered with an error status (401, 403, 404, 400) and a message."""

    def __init__(self, status: int, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.status, self.message, self.problems = status, message, problems or []


@dataclass(frozen=True)
class Viewer:
    """Who is asking: `team` None sees every team."""

    token: str | None
    team: str | None

    def may_see(self, team: str | None) -> bool:
        return self.team is None or team == self.team


def _month(value: str | None, months: list[str]) -> str:
    if value is None or value == "":
        if not months:
            raise Refused(404, "no data yet: the ledger has no month")
        return months[-1]
    if not MONTH_RE.match(value):
        raise Refused(400, f"month {value!r}: expected YYYY-MM, e.g. 2026-10")
    return value


def _required_month(request: Request) -> str:
    value = request.query_params.get("month")
    if not value:
        raise Refused(400, "month: expected ?month=YYYY-MM, e.g. 2026-10")
    return _month(value, [])


def _team_in_path(request: Request) -> str:
    """The team of /teams/{team}, percent-decoded exactly once from the raw path, so a name holding
    "%2F" or "/" comes back as written."""
    raw = request.scope.get("raw_path")
    if raw is None:
        return request.path_params["team"]
    return unquote(
        raw.decode("latin-1").split("?", 1)[0][len("/teams/") :], encoding="utf-8", errors="strict"
    )


def _flag(value: str | None, name: str) -> bool:
    if value in (None, "", "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise Refused(400, f"{name} {value!r}: expected true or false")


def _year(value: str | None) -> int:
    if value is None or not value.isdigit() or len(value) != 4:
        raise Refused(400, f"year {value!r}: expected YYYY, e.g. 2026")
    return int(value)


ANSWERS_KEPT = 256  # answers kept in memory, each under its ETag (Server._remember)


class Server:
    def __init__(self, carbon: Carbon, local: bool, scenarios: tuple = ()):
        self.carbon = carbon
        self.local = local
        self.scenarios = scenarios
        self.env = Environment(
            loader=DictLoader(TEMPLATES), autoescape=select_autoescape(default=True)
        )
        self.answers: dict[tuple[str, str], str] = {}  # (kind, ETag) -> the text answered
        self.env.filters["kg"] = lambda v: "no data" if v is None else f"{v:,.1f}"
        self.env.filters["teamurl"] = lambda t: "/teams/" + quote(t, safe="")

    # ---- access ------------------------------------------------------------------------------
    def viewer(self, request: Request) -> Viewer:
        auth = request.headers.get("authorization", "")
        token = (
            auth[7:].strip() if auth.lower().startswith("bearer ") else request.cookies.get(COOKIE)
        )
        if token:
            found = self.carbon.check_token(token)
            if found is None:
                raise Refused(401, "unknown or revoked token")
            return Viewer(token, found.team)
        if self.local and not self.carbon.tokens():
            return Viewer(None, None)
        raise Refused(
            401, "a token is needed: 'Authorization: Bearer TOKEN' (carbon tokens add NAME)"
        )

    def _team_allowed(self, viewer: Viewer, team: str | None) -> None:
        if not viewer.may_see(team):
            raise Refused(403, f"this token sees team {viewer.team!r} only")

    # ---- conditional answers -----------------------------------------------------------------
    def _who_and_tag(self, request: Request) -> tuple[Viewer, str]:
        viewer = self.viewer(request)
        return viewer, self.etag(request, viewer)

    def _remember(self, key: tuple[str, str], body: str) -> None:
        """Keep an answer under its ETag: the same question on the same data (and day, for the
        same viewer) has the same answer, so a dashboard polling it costs one query, not a report.
        Any write changes the database's counter, hence every ETag: a stale answer is never
        served. The oldest answers go first beyond ANSWERS_KEPT."""
        self.answers[key] = body
        while len(self.answers) > ANSWERS_KEPT:
            self.answers.pop(next(iter(self.answers)))

    def etag(self, request: Request, viewer: Viewer) -> str:
        """The database's change counter, the day (donations count to today), who asks and what."""
        key = "\n".join(
            [
                str(self.carbon.data_version()),
                date.today().isoformat(),
                viewer.team or "",
                str(viewer.token is not None),
                request.url.path,
                request.url.query,
            ]
        )
        return '"' + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + '"'

    async def handle(
        self, request: Request, produce, kind: str, params: tuple[str, ...] | None = None
    ) -> Response:
        """Run `produce(viewer)` (returns text) as `kind` ("json" or "html"), with access checks,
        the ETag, security headers, and errors as JSON (API) or escaped HTML (pages). `params`:
        the only query parameters taken (each once), None: any."""
        try:
            # the database is read in a worker thread: a slow query never blocks the event loop
            viewer, tag = await run_in_threadpool(self._who_and_tag, request)
            refused = None if params is None else _unknown_params(request, params)
            if refused is not None:
                raise Refused(400, refused)
            if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
                return Response(status_code=304, headers={"ETag": tag, **SECURITY_HEADERS})
            body = self.answers.get((kind, tag))
            if body is None:
                body = await run_in_threadpool(produce, viewer, request)
                # scenario files are read from disk on each request: not kept
                if isinstance(body, str) and produce != self.page_scenarios:
                    self._remember((kind, tag), body)
        except Refused as exc:
            return self.error(exc.status, exc.message, exc.problems, kind)
        except InputError as exc:
            return self.error(400, str(exc), [str(p) for p in exc.problems], kind)
        except NotFound as exc:
            return self.error(404, str(exc), [], kind)
        except CarbonError as exc:
            return self.error(400, str(exc), [], kind)
        if isinstance(body, Response):
            body.headers["ETag"] = tag
            body.headers.update(SECURITY_HEADERS)
            return body
        media = "application/json" if kind == "json" else "text/html; charset=utf-8"
        return Response(body, media_type=media, headers={"ETag": tag, **SECURITY_HEADERS})

    def error(self, status: int, message: str, problems: list[str], kind: str) -> Response:
        headers = dict(SECURITY_HEADERS)
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="carbon"'
        if kind == "json":
            return JSONResponse(
                {"error": message, "problems": problems}, status_code=status, headers=headers
            )
        page = "login.html" if status == 401 else "error.html"
        html = self.env.get_template(page).render(
            status=status, message=message, problems=problems, css=None
        )
        return HTMLResponse(html, status_code=status, headers=headers)

    # ---- API ---------------------------------------------------------------------------------
    def _scoped_team(self, viewer: Viewer, request: Request) -> str | None:
        team = request.query_params.get("team")
        if viewer.team is not None and team is None:
            raise Refused(403, f"this token sees team {viewer.team!r} only: add team={viewer.team}")
        self._team_allowed(viewer, team)
        return team

    def api_monthly(self, viewer: Viewer, request: Request) -> str:
        team = self._scoped_team(viewer, request)
        return answers.monthly(self.carbon, _required_month(request), team)

    def api_budget(self, viewer: Viewer, request: Request) -> str:
        team = self._scoped_team(viewer, request)
        return answers.budget_status(self.carbon, _required_month(request), team)

    def api_year(self, viewer: Viewer, request: Request) -> str:
        self._team_allowed(viewer, None)
        return answers.year(self.carbon, _year(request.query_params.get("year")))

    def api_donation(self, viewer: Viewer, request: Request) -> str:
        self._team_allowed(viewer, None)
        q = request.query_params
        options = {
            "price": q.get("price"),
            "currency": q.get("currency"),
            "basis": q.get("basis"),
            "price_year": _year(q["price_year"]) if "price_year" in q else None,
            "allow_missing_months": _flag(q.get("allow_missing_months"), "allow_missing_months"),
        }
        as_of = None
        if "as_of" in q:
            try:
                as_of = date.fromisoformat(q["as_of"])
            except ValueError:
                raise Refused(400, f"as_of {q['as_of']!r}: expected YYYY-MM-DD") from None
        if options["currency"] is not None and options["currency"].upper() not in (
            "EUR",
            "USD",
            "GBP",
        ):
            raise Refused(400, f"currency {options['currency']!r}: expected EUR, USD or GBP")
        return answers.donation(self.carbon, _year(q.get("year")), as_of=as_of, **options)

    def api_feeds(self, viewer: Viewer, request: Request) -> str:
        # Feeds name teams and sources of every team: a company-wide view only.
        self._team_allowed(viewer, None)
        value = request.query_params.get("month")
        return answers.feeds(self.carbon, _month(value, []) if value else None)

    def page_feeds(self, viewer: Viewer, request: Request) -> str:
        self._team_allowed(viewer, None)
        value = request.query_params.get("month")
        matrix = self.carbon.feeds_status(_month(value, []) if value else None)
        return self.render("feeds.html", viewer, data=matrix.to_dict())

    def api_teams(self, viewer: Viewer, request: Request) -> str:
        found = [t for t in self.carbon.teams() if viewer.may_see(t.name)]
        return answers.teams_text(found)

    # ---- pages -------------------------------------------------------------------------------
    def render(self, name: str, viewer: Viewer, **values) -> str:
        return self.env.get_template(name).render(viewer=viewer, **values)

    def _page_month(self, request: Request, months: list[str]):
        """(the month a page shows, its completeness if it was computed to choose it, else None):
        `?month=`, else the latest complete month — over and with no data feed missing or
        partial — among the last twelve with data, else the latest."""
        asked = request.query_params.get("month")
        if asked or not months:
            return _month(asked, months), None
        last_over = counted_through(date.today())
        for m in reversed(months[-12:]):
            if m <= last_over and (done := self.carbon.completeness(m)).status != INCOMPLETE:
                return m, done
        return months[-1], None

    def page_company(self, viewer: Viewer, request: Request) -> str:
        months = self.carbon.months()
        month, done = self._page_month(request, months)
        rep = self.carbon.monthly_report(month)
        shown = months[-12:]
        series = self.carbon.month_series(shown[0], shown[-1]) if shown else {}
        trend = [(m, series[m] / 1000 if m in series else None) for m in shown]
        teams = [t for t in rep.teams if viewer.may_see(t.team)]
        status = self._status(month)
        statuses = {} if status is None else {t.team: t.status for t in status.teams}
        chart = None
        if viewer.team is None:
            chart = svg.column_chart(
                [(m[2:], v) for m, v in trend], "Company total per month", "t CO2e"
            )
        done = done or self.carbon.completeness(month)  # computed once on a cold request
        # feed names and intensities are company-wide: a team token sees only the verdict
        company = viewer.team is None
        intensity = html_section(self.carbon.intensity_for_month(rep)) if company else []
        return self.render(
            "company.html",
            viewer,
            month=month,
            months=months,
            total=rep.total,
            teams=teams,
            statuses=statuses,
            chart=chart,
            completeness=done,
            feeds=done.feeds if company else (),
            headline=done.headline() if company else "",
            intensity="".join(intensity),
        )

    def _status(self, month: str):
        try:
            return self.carbon.budget_status(month)
        except CarbonError:
            return None  # no budgets for the year: the page says so

    def page_team(self, viewer: Viewer, request: Request) -> str:
        team = _team_in_path(request)
        self._team_allowed(viewer, team)
        known = {t.name for t in self.carbon.teams()}
        if team not in known:
            raise Refused(404, f"unknown team {team!r}")
        months = self.carbon.months()
        month, _ = self._page_month(request, months)
        try:
            rep = self.carbon.monthly_report(month, team)
            row = rep.teams[0] if rep.teams and rep.teams[0].entries else None
        except NotFound:  # the team has no data this month: the page says "no data"
            row = None
        status = None
        try:
            full = self.carbon.budget_status(month, team)
            status = next((t for t in full.teams if t.team == team), None)
            unit, per = full.unit, full.kg_per_unit
        except CarbonError:
            unit, per = "kg CO2e", 1.0
        shown = months[-12:]
        series = self.carbon.month_series(shown[0], shown[-1], team) if shown else {}
        history = [
            (m, series.get(m)) for m in shown
        ]  # a month without the team's data: unknown, never 0
        # The entries behind the figures read the ledger itself: on demand (?entries=1), as
        # `carbon report sources`; the biggest sources come from the monthly rollup.
        entries = request.query_params.get("entries") == "1" and row is not None
        sources = (
            sorted(self.carbon.month_sources(month, team), key=lambda s: -s["co2e_kg"])
            if entries
            else None
        )
        top = self.carbon.month_activities(month, team)[:10] if row is not None else []
        bar = None
        if status is not None:
            bar = svg.budget_bar(
                status.actual_to_date / per,
                status.allocated_to_date / per,
                status.budget / per,
                status.status,
                f"{team}: budget burn-down",
                unit,
                forecast=None if status.forecast is None else status.forecast / per,
            )
        chart = svg.column_chart(
            [(m[2:], None if v is None else v / 1000) for m, v in history],
            f"{team} per month",
            "t CO2e",
        )
        return self.render(
            "team.html",
            viewer,
            team=team,
            month=month,
            months=months,
            row=row,
            status=status,
            unit=unit,
            per=per,
            bar=bar,
            chart=chart,
            history=history,
            top=top,
            sources=sources,
        )

    def page_year(self, viewer: Viewer, request: Request) -> str | Response:
        self._team_allowed(viewer, None)
        year = _year(request.path_params["year"])
        rep = self.carbon.year_report(year)
        if request.query_params.get("format") == "xlsx":
            return self._xlsx(rep, year)
        data = json.loads(answers.year_text(rep))
        return self.render("year.html", viewer, year=year, d=data)

    def _xlsx(self, rep, year: int) -> Response:
        from carbon.errors import CarbonError
        from carbon.report import year as render

        try:
            body = render.to_xlsx(rep)
        except (ImportError, CarbonError):
            raise Refused(
                404, "the XLSX needs openpyxl (pip install 'carbon-ledger[xlsx]')"
            ) from None
        return Response(
            body,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="inventory-{year}.xlsx"'},
        )

    def page_scenarios(self, viewer: Viewer, request: Request) -> str:
        self._team_allowed(viewer, None)
        from carbon.report import scenario as scenario_view

        months = self.carbon.months()
        month = months[-1] if months else None
        section = ""
        if self.scenarios and month is not None:
            section = "".join(
                scenario_view.html_section(self.carbon.scenarios_at(self.scenarios, month))
            )
        return self.render(
            "scenarios.html", viewer, month=month, section=section, configured=bool(self.scenarios)
        )

    # ---- login ---------------------------------------------------------------------------------
    async def login(self, request: Request) -> Response:
        if request.method != "POST":
            html = self.env.get_template("login.html").render(status=200, message="", problems=[])
            return HTMLResponse(html, headers=SECURITY_HEADERS)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = (form.get("token") or [""])[0].strip()
        if not token or self.carbon.check_token(token) is None:
            return self.error(401, "unknown or revoked token", [], "html")
        response = Response(status_code=303, headers={"Location": "/", **SECURITY_HEADERS})
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response


def build_app(carbon: Carbon, local: bool, scenarios: tuple = ()) -> Starlette:
    """The application; off 127.0.0.1 it refuses to start while no token exists."""
    if not local and not carbon.tokens():
        raise InputError(
            "carbon serve on an address other than 127.0.0.1 needs access tokens: "
            "carbon tokens add NAME [--team T] (or bind to 127.0.0.1)"
        )
    server = Server(carbon, local, scenarios)

    def route(path: str, produce, kind: str) -> Route:
        # An API answer takes only its documented parameters, each once (OPENAPI): "tem=Video"
        # answering for the company, or "month" given twice, would be a right-looking wrong answer.
        known = API_PARAMS.get(path)

        async def endpoint(request: Request) -> Response:
            return await server.handle(request, produce, kind, known)

        return Route(path, endpoint, methods=["GET", "HEAD"])

    async def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI, headers=SECURITY_HEADERS)

    async def css(request: Request) -> Response:
        return Response(CSS + EXTRA_CSS, media_type="text/css", headers=SECURITY_HEADERS)

    routes = [
        route("/api/v1/report/monthly", server.api_monthly, "json"),
        route("/api/v1/budget/status", server.api_budget, "json"),
        route("/api/v1/report/year", server.api_year, "json"),
        route("/api/v1/donation", server.api_donation, "json"),
        route("/api/v1/teams", server.api_teams, "json"),
        route("/api/v1/feeds", server.api_feeds, "json"),
        Route("/openapi.json", openapi, methods=["GET", "HEAD"]),
        Route("/static/style.css", css, methods=["GET", "HEAD"]),
        Route("/login", server.login, methods=["GET", "HEAD", "POST"]),
        route("/", server.page_company, "html"),
        route("/teams/{team:path}", server.page_team, "html"),
        route("/year/{year}", server.page_year, "html"),
        route("/scenarios", server.page_scenarios, "html"),
        route("/feeds", server.page_feeds, "html"),
    ]
    app = Starlette(routes=routes)

    async def fallback(request: Request, exc) -> Response:
        status = getattr(exc, "status_code", 500)
        message = {404: "no such page", 405: "read-only: only GET and HEAD"}.get(
            status, "internal error"
        )
        kind = "json" if request.url.path.startswith("/api/") or status == 405 else "html"
        response = server.error(status if status in (404, 405) else 500, message, [], kind)
        if status == 405:
            response.headers["Allow"] = "GET, HEAD"
        return response

    app.add_exception_handler(404, fallback)
    app.add_exception_handler(405, fallback)
    app.add_exception_handler(Exception, fallback)
    return app


def _unknown_params(request: Request, known: tuple[str, ...]) -> str | None:
    """The 400 message for a parameter the API does not take, or one given twice; else None."""
    names = [k for k, _v in request.query_params.multi_items()]
    for name in names:
        if name not in known:
            hint = did_you_mean(name, known)
            return (
                f"unknown parameter {name!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; expected {', '.join(known) if known else 'none'}"
            )
    for name in names:
        if names.count(name) > 1:
            return f"parameter {name!r} given {names.count(name)} times: give it once"
    return None


def _param(name: str, example: str, required: bool = True) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": {"type": "string"},
        "example": example,
    }


_ERR = {
    "description": "error",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "error": {"type": "string"},
                    "problems": {"type": "array", "items": {"type": "string"}},
                },
            }
        }
    },
}


def _op(summary: str, params: list[dict]) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": params,
            "responses": {
                "200": {
                    "description": "the CLI's --format json answer",
                    "content": {"application/json": {}},
                },
                "304": {"description": "not modified (ETag)"},
                "400": _ERR,
                "401": _ERR,
                "403": _ERR,
                "404": _ERR,
            },
        }
    }


OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "carbon",
        "version": "1",
        "description": "Read-only. Each answer is what `carbon … --format json` prints.",
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/report/monthly": _op(
            "carbon report monthly --month M [--team T] --format json",
            [_param("month", "2026-10"), _param("team", "Video", False)],
        ),
        "/api/v1/budget/status": _op(
            "carbon budget status --month M [--team T] --format json",
            [_param("month", "2026-10"), _param("team", "Video", False)],
        ),
        "/api/v1/report/year": _op(
            "carbon report year --year Y --format json", [_param("year", "2026")]
        ),
        "/api/v1/donation": _op(
            "carbon donation --year Y [--price P --currency C --basis B --price-year Y "
            "--as-of D --allow-missing-months] --format json",
            [
                _param("year", "2026"),
                _param("price", "80", False),
                _param("currency", "EUR", False),
                _param("basis", "eu_ets.auction.eu", False),
                _param("price_year", "2022", False),
                _param("as_of", "2026-12-04", False),
                _param("allow_missing_months", "true", False),
            ],
        ),
        "/api/v1/teams": _op("carbon teams list --format json", []),
        "/api/v1/feeds": _op(
            "carbon feeds status [--month M] --format json", [_param("month", "2026-10", False)]
        ),
    },
}

# Each API path's parameters (as OPENAPI states them).
API_PARAMS = {
    path: tuple(p["name"] for p in op["get"]["parameters"]) for path, op in OPENAPI["paths"].items()
}
