"""Budget views in their forms: the JSON contract, the manager's terminal view, the check lines.

Figures are given in the budget file's unit (e.g. t CO2e), computed in kg and
converted once here.
"""

from __future__ import annotations

import math

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from carbon.budgets.records import StoredPlan
from carbon.budgets.rules import (
    FORECAST_RULE,
    NO_DATA,
    OVER,
    Alert,
    BudgetPlan,
    StatusReport,
    TeamStatus,
    monthly_allocations,
)
from carbon.core.figures import fixed, kept
from carbon.report import jsonout

COLOURS = {"on_track": "green", "at_risk": "yellow", "over": "red", "no_data": "magenta"}
LABELS = {"on_track": "on track", "at_risk": "at risk", "over": "over", "no_data": "no data"}
BAR_WIDTH = 16
SPARKS = "▁▂▃▄▅▆▇█"
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BAND_METHOD = (
    "actual to date ± the factors' uncertainty_pct (category default when a factor "
    "states none), same-factor entries summed, different factors combined in quadrature; "
    "scaled like the forecast"
)


def _digits(kg_per_unit: float) -> int:
    # Machine outputs keep figures to the gram, whatever the unit.
    return max(0, 3 + round(math.log10(kg_per_unit)))


def _conv(kg_per_unit: float):
    d = _digits(kg_per_unit)

    def conv(kg: float | None) -> float | None:
        return None if kg is None else kept(kg / kg_per_unit, d)

    return conv


def team_dict(t: TeamStatus, kg_per_unit: float) -> dict:
    """One budgeted team in the JSON contract (figures in the plan's unit)."""
    c = _conv(kg_per_unit)
    return {
        "team": t.team,
        "budget": c(t.budget),
        "allocated_to_date": c(t.allocated_to_date),
        "actual_to_date": c(t.actual_to_date),
        "forecast": c(t.forecast),
        "status": t.status,
        "reason": t.reason,
        "forecast_low": c(t.forecast_low),
        "forecast_high": c(t.forecast_high),
        "forecast_band_includes_budget": t.band_includes_budget,
        "remaining": c(t.remaining),
        "share_used": kept(t.share_used, 6),
        "month_actual": c(t.month_actual),
        "month_allocated": c(t.month_allocated),
        "profile": "flat" if t.flat else "seasonal",
        "top_sources": [
            {"activity": a, "actual_to_date": c(kg), "share": kept(s, 6)}
            for a, kg, s in t.top_sources
        ],
        "monthly": [{"month": m, "actual": c(a), "allocated": c(al)} for m, a, al in t.monthly],
        "counted_from": t.counted_from,
        "unknown_months": list(t.unknown_months),
        "budget_covered": c(t.budget_covered),
    }


def to_dict(rep: StatusReport, completeness=None) -> dict:
    """The JSON contract of `carbon budget status` (README "Status and alerts"), plus additive fields."""
    c = _conv(rep.kg_per_unit)
    company = None
    if rep.company is not None:
        company = {
            "budget": c(rep.company.budget),
            "team_budgets_total": c(rep.company.team_budgets_total),
            "team_budgets_exceed_company": rep.company.team_budgets_exceed,
            "actual_to_date": c(rep.company.actual_to_date),
            "forecast": c(rep.company.forecast),
            "counted_from": rep.company.counted_from,
            "budget_covered": c(rep.company.budget_covered),
        }
    d = {
        "month": rep.month,
        "counted_through": rep.counted_through or rep.month,
        "unit": rep.unit,
        "teams": [team_dict(t, rep.kg_per_unit) for t in rep.teams],
        "year": rep.year,
        "teams_without_budget": [
            {
                "team": n,
                "actual_to_date": c(kg),
                "forecast": c(rep.unbudgeted.get(n, (None, None))[0]),
                "counted_from": rep.unbudgeted.get(n, (None, None))[1],
            }
            for n, kg in rep.teams_without_budget
        ],
        "company": company,
        "warnings": list(rep.warnings),
        "band_method": BAND_METHOD,
        "forecast_method": FORECAST_RULE,
    }
    if completeness is not None:  # carbon.feeds.rules.Completeness (docs/feeds.md)
        d["completeness"] = completeness.to_dict()
    return d


def to_json(rep: StatusReport, completeness=None) -> str:
    return jsonout.dumps(to_dict(rep, completeness), indent=2)


# ---- the manager's view -------------------------------------------------------------


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    return fixed(v, 1 if abs(v) >= 10 else 2)


def _pct(share: float) -> str:
    return f"{share:.0%}" if share >= 0.005 else "<1%"


def bar(t: TeamStatus, width: int = BAR_WIDTH) -> Text:
    """Burn-down bar: █ actual to date (status colour; red past the budget), ┃ allocated to
    date, ░ the rest of the budget. The bar spans max(budget, actual), the budget being the
    budget covered (its share of the months from the team's first data to December)."""
    scale = max(t.budget_covered, t.actual_to_date)
    out = Text()
    if scale <= 0 or t.status == NO_DATA:
        return Text("·" * width, style="dim")
    cells = lambda kg: round(kg / scale * width)  # noqa: E731
    a, b, al = cells(t.actual_to_date), cells(t.budget_covered), cells(t.allocated_to_date)
    colour = COLOURS[t.status]
    for i in range(width):
        if al > 0 and i == al - 1:
            out.append("┃", style="bold cyan")
        elif i < a:
            out.append("█", style=colour if i < b else "red")
        elif i < b:
            out.append("░", style="dim")
        else:
            out.append(" ")
    used = f" {t.share_used:.0%}" if t.share_used is not None else ""
    out.append(used, style=colour)
    return out


def sparkline(t: TeamStatus) -> Text:
    """One character per month (height = that month's actual); red where the month
    emitted more than its allocation, green otherwise."""
    peak = max((a for _m, a, _al in t.monthly if a is not None), default=0.0)
    out = Text()
    for _m, a, al in t.monthly:
        if a is None:
            out.append("?", style="dim")  # unknown: before the team's first data, or no data at all
            continue
        if peak <= 0 or a <= 0:
            out.append("·", style="dim")
            continue
        ch = SPARKS[min(len(SPARKS) - 1, int(a / peak * (len(SPARKS) - 1) + 0.5))]
        out.append(ch, style="red" if a > al else "green")
    return out


def company_budget(co, u: float) -> str:
    """The company row's budget: that of the months counted (the sum of the team budgets, each
    scaled to its months), with the annual company budget beside it when the file gives one."""
    covered = _fmt(None if co.budget_covered is None else co.budget_covered / u)
    return covered if co.budget is None else f"{covered}\n[dim]annual {_fmt(co.budget / u)}[/dim]"


def to_table(rep: StatusReport) -> Group:
    """The manager's view: one row per team, then the biggest sources (and, for one team,
    the month-by-month table). Fits an 80-column terminal."""
    u = rep.kg_per_unit
    firsts = [t.counted_from for t in rep.teams if t.counted_from]
    first = rep.company.counted_from if rep.company is not None else min(firsts, default=None)
    span = "January" if not first or first.endswith("-01") else f"{first} (earlier months unknown)"
    through = rep.counted_through or rep.month
    main = Table(
        title=f"Carbon budgets {rep.year}, {span} to {through} ({escape(rep.unit)})"
        + (
            f", counted through {through} ({rep.month} is not over)" if through != rep.month else ""
        ),
        title_justify="left",
        caption_justify="left",
        caption="bar: █ actual to date · ┃ allocated to date · ░ rest of the budget; "
        "% = share of the budget used (its share of the months from the team's "
        "first data, when later than January)\n"
        "forecast = actual ÷ share allocated so far; band from the factors' "
        "uncertainty; * = the band includes the budget (marginal)\n"
        "months: one mark per month, red when above that month's allocation, "
        "? unknown\n"
        "unknown months: " + escape(FORECAST_RULE),
    )
    names = [t.team for t in rep.teams] + [n for n, _ in rep.teams_without_budget] + ["Company"]
    main.add_column("Team", min_width=min(20, max(len(n) for n in names)))
    main.add_column("Status", no_wrap=True)
    main.add_column("Actual/allocated/budget", no_wrap=True)
    main.add_column("Forecast", justify="right", no_wrap=True)
    main.add_column("Months", no_wrap=True)
    for t in rep.teams:
        colour = COLOURS[t.status]
        mark = "*" if t.status != OVER and t.band_includes_budget else ""
        figures = Text(
            "\n"
            + " / ".join(
                _fmt(v / u) for v in (t.actual_to_date, t.allocated_to_date, t.budget_covered)
            )
        )
        if t.counted_from is not None and t.budget_covered != t.budget:
            figures.append(f"\nfrom {t.counted_from} (of {_fmt(t.budget / u)})", style="dim")
        if t.status == NO_DATA:
            figures = Text(f"\nno data / — / {_fmt(t.budget / u)}", style="dim")
            fc = "—\n[dim]no data[/dim]"
        elif t.forecast is None:
            fc = "—\n[dim]nothing allocated yet[/dim]"
        else:
            fc = f"{_fmt(t.forecast / u)}\n[dim]{_fmt(t.forecast_low / u)}–{_fmt(t.forecast_high / u)}[/dim]"
        main.add_row(
            escape(t.team),
            f"[{colour}]{LABELS[t.status]}{mark}[/{colour}]",
            bar(t) + figures,
            fc,
            sparkline(t),
        )
    for name, kg in rep.teams_without_budget:
        ufc = rep.unbudgeted.get(name, (None, None))[0]
        main.add_row(
            escape(name),
            "[dim]no budget[/dim]",
            f"[dim]no budget[/dim]\n{_fmt(kg / u)} / — / —",
            "—" if ufc is None else f"{_fmt(ufc / u)}\n[dim]flat[/dim]",
            "",
        )
    if rep.company is not None:
        co = rep.company
        main.add_section()
        flag = "\n[yellow]team budgets exceed it[/yellow]" if co.team_budgets_exceed else ""
        late = co.counted_from and not co.counted_from.endswith("-01")
        since = f"\n[dim]from {co.counted_from}[/dim]" if late else ""
        cfc = (
            "—" if co.forecast is None else f"{_fmt(co.forecast / u)}\n[dim]sum of the teams[/dim]"
        )
        main.add_row(
            "Company",
            "",
            f"{_fmt(co.actual_to_date / u)} / — / {company_budget(co, u)}{flag}{since}",
            cfc,
            "",
            style="bold",
        )
    parts: list = [main]
    start = "January"  # the actual to date's first month: later for a company that began later
    if rep.company is not None and rep.company.counted_from:
        if not rep.company.counted_from.endswith("-01"):
            start = rep.company.counted_from
    src = Table(title=f"Biggest sources, {start} to {through}", title_justify="left")
    src.add_column("Team")
    src.add_column("Top activities (share of the team's actual to date)")
    for t in rep.teams:
        text = (
            " · ".join(f"{escape(a)} {_pct(s)}" for a, _kg, s in t.top_sources)
            or "[dim]no emissions[/dim]"
        )
        src.add_row(escape(t.team), text)
    if rep.teams:
        parts.append(src)
    if len(rep.teams) == 1:
        parts.append(month_table(rep.teams[0], u))
    for w in rep.warnings:
        parts.append(Text(f"warning: {w}", style="yellow"))
    return Group(*parts)


def month_table(t: TeamStatus, u: float) -> Table:
    """Month by month for one team: allocation and actual, each month and cumulated."""
    table = Table(title=f"{escape(t.team)} month by month", title_justify="left")
    for name in ("Month", "Allocated", "Actual", "Allocated to date", "Actual to date"):
        table.add_column(name, justify="right" if name != "Month" else "left")
    cum_al = cum_a = 0.0
    for m, a, al in t.monthly:
        if a is None or al is None:
            table.add_row(m, Text("unknown", style="dim"), Text("unknown", style="dim"), "", "")
            continue
        cum_al += al
        cum_a += a
        style = "red" if a > al else ""
        table.add_row(
            m, _fmt(al / u), Text(_fmt(a / u), style=style), _fmt(cum_al / u), _fmt(cum_a / u)
        )
    return table


# ---- budget show --------------------------------------------------------------------


def plan_dict(stored: StoredPlan) -> dict:
    """A loaded plan as JSON: budgets in its unit, the profile, the monthly allocation."""
    plan: BudgetPlan = stored.plan
    c = _conv(plan.kg_per_unit)
    return {
        "year": plan.year,
        "unit": plan.unit,
        "source": plan.source,
        "loaded_at": stored.loaded_at.isoformat() if stored.loaded_at else None,
        "company_budget": c(plan.company_budget_kg),
        "team_budgets_total": c(plan.team_total_kg),
        "teams": [
            {
                "team": t.team,
                "budget": c(t.budget_kg),
                "profile": "flat" if t.flat else list(t.weights),
                "monthly_allocation": [c(x) for x in monthly_allocations(t.budget_kg, t.weights)],
            }
            for t in plan.teams
        ],
    }


def plan_table(stored: StoredPlan, without: list[str]) -> Group:
    """A loaded plan for people: budget, profile and allocation per quarter."""
    plan = stored.plan
    u = plan.kg_per_unit
    when = f", loaded {stored.loaded_at:%Y-%m-%d %H:%M} UTC" if stored.loaded_at else ""
    table = Table(
        title=f"Carbon budgets {plan.year} ({escape(plan.unit)}) from {escape(plan.source)}{when}",
        title_justify="left",
    )
    table.add_column("Team")
    table.add_column("Budget", justify="right", style="bold")
    table.add_column("Profile")
    for q in ("Q1", "Q2", "Q3", "Q4"):
        table.add_column(q, justify="right")
    for t in plan.teams:
        alloc = monthly_allocations(t.budget_kg, t.weights)
        quarters = [_fmt(sum(alloc[i : i + 3]) / u) for i in (0, 3, 6, 9)]
        profile = Text("flat") if t.flat else _weights_spark(t.weights)
        table.add_row(escape(t.team), _fmt(t.budget_kg / u), profile, *quarters)
    for name in without:
        table.add_row(escape(name), "[dim]no budget[/dim]", "", "", "", "", "")
    table.add_section()
    table.add_row("Teams", _fmt(plan.team_total_kg / u), "", "", "", "", "", style="bold")
    parts: list = [table]
    if plan.company_budget_kg is not None:
        line = f"Company budget: {_fmt(plan.company_budget_kg / u)} {plan.unit}"
        if plan.team_total_kg > plan.company_budget_kg:
            parts.append(Text(line + " — exceeded by the team budgets", style="yellow"))
        else:
            parts.append(Text(line))
    return Group(*parts)


def _weights_spark(weights) -> Text:
    peak = max(weights)
    out = Text()
    for w in weights:
        out.append(
            "·" if w <= 0 else SPARKS[min(len(SPARKS) - 1, int(w / peak * (len(SPARKS) - 1) + 0.5))]
        )
    return out


# ---- budget check -------------------------------------------------------------------

CHECK_LABEL = {0: "ok", 1: "WARN", 2: "OVER", 3: "NONE"}


def check_lines(rep: StatusReport, code: int, found: tuple[Alert, ...]) -> list[str]:
    """Plain lines for `carbon budget check` (cron mail, CI logs): worst first, then a summary."""
    order = {2: 0, 3: 1, 1: 2, 0: 3}  # over, no verdict, warning, ok: as the exit code ranks them
    lines = [
        f"{CHECK_LABEL[a.level]:<4}  {a.team}: {a.message}"
        for a in sorted(found, key=lambda a: (order[a.level], a.team))
    ]
    if rep.teams_without_budget:
        lines.append(
            "note  no budget (not checked): " + ", ".join(n for n, _ in rep.teams_without_budget)
        )
    n_over = sum(1 for a in found if a.level == 2)
    n_warn = sum(1 for a in found if a.level == 1)
    n_none = sum(1 for a in found if a.level == 3)
    unknown = f"{n_none} no verdict (no data), " if n_none else ""
    lines.append(
        f"budget check {rep.month}: {n_over} over, {unknown}{n_warn} warning, "
        f"{len(found) - n_over - n_warn - n_none} on track -> exit {code}"
    )
    return lines
