"""A scenario's result in its forms: the JSON contract and the manager's terminal table."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from carbon.budgets.rules import NO_DATA
from carbon.core.figures import kept
from carbon.core.money import cents_float, format_amount
from carbon.report import jsonout

if TYPE_CHECKING:  # annotations only: the pack's HTML imports this module without running a what-if
    from carbon.scenarios.service import Result

LABELS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "over": "over",
    "no_data": "no data",
    None: "no budget",
}
COLOURS = {"on_track": "green", "at_risk": "yellow", "over": "red", "no_data": "dim", None: "dim"}


def _conv(per: float):
    digits = max(0, 3 + round(math.log10(per)))  # to the gram, whatever the unit

    def conv(kg: float | None) -> float | None:
        return None if kg is None else kept(kg / per, digits)

    return conv


def method(r: Result) -> str:
    o = r.outcome
    fc = (
        f"months {o.forecast_months[0]}..{o.forecast_months[-1]} are the year-end forecast of "
        f"'carbon budget status --month {o.last_recorded}' (months before a team's first data unknown, "
        "not zero), split by the profile and by activity, with the levers applied"
        if o.forecast_months
        else "every month of the year is recorded"
    )
    if o.hole_months:
        fc += (
            f"; {', '.join(o.hole_months)}, without any data, "
            f"{'is' if len(o.hole_months) == 1 else 'are'} estimated the same way (unknown, not zero)"
        )
    cap = (
        f"counted through {r.counted_through} (a month not over is never counted as a whole month); "
        if r.counted_through
        else ""
    )
    return (
        f"{cap}recorded months (to {o.last_recorded}) recomputed from the ledger's entries with the levers "
        f"applied (same factors, vintages and regions; a shifted quantity priced with the target's factor); "
        f"{fc}. Nothing in the ledger changes."
    )


def unknown(t) -> bool:
    """A budgeted team with no data in the year yet: its figures are unknown, never 0."""
    return t.baseline_status == NO_DATA and t.baseline == 0 and t.scenario == 0


def to_dict(r: Result) -> dict:
    """The JSON contract: {"year", "name", "unit", "teams": [{"team", "baseline", "scenario", "delta",
    "budget", "baseline_status", "status", "donation_delta"}], "company": {...}, ...}; a team
    without data has null figures (unknown, not zero)."""
    o, c = r.outcome, _conv(r.kg_per_unit)
    teams = []
    for t in o.teams:
        known = (lambda v: None) if unknown(t) else c  # noqa: E731
        teams.append(
            {
                "team": t.team,
                "baseline": known(t.baseline),
                "scenario": known(t.scenario),
                "delta": known(t.delta),
                "baseline_actual_to_date": known(t.baseline_actual),
                "scenario_actual_to_date": known(t.scenario_actual),
                "budget": c(t.budget),
                "budget_covered": c(t.budget_covered),
                "baseline_status": t.baseline_status,
                "status": t.status,
                "donation_delta": None
                if unknown(t)
                else cents_float(r.team_donation_delta_cents[t.team]),
            }
        )
    return {
        "year": o.scenario.year,
        "name": o.scenario.name,
        "unit": r.unit,
        "recorded_through": o.last_recorded,
        "counted_through": r.counted_through or o.last_recorded,
        "forecast_months": list(o.forecast_months),
        "estimated_months": sorted([*o.hole_months, *o.forecast_months]),
        "levers": [lv.describe() for lv in o.scenario.levers],
        "teams": teams,
        "company": {
            "baseline": c(o.baseline),
            "scenario": c(o.scenario_total),
            "delta": c(o.scenario_total - o.baseline),
            "budget": c(o.company_budget),
            "donation_delta": cents_float(r.donation_delta_cents),
        },
        "currency": r.price.currency,
        "price": {
            "value": float(r.price.value),
            "unit": r.price.per_tonne_unit,
            "basis": r.price.key,
            "year": r.price.year,
            "source": r.price.source,
        },
        "notes": list(o.notes) + list(r.price_notes),
        "method": method(r),
    }


def to_json(r: Result) -> str:
    return jsonout.dumps(to_dict(r), indent=2)


def _budget(t, f, sep: str = " ") -> str:
    """The budget the status is judged against: its share of the months covered "of" the annual
    budget when the team's data starts after January, else the budget."""
    if t.budget is None or t.budget_covered is None or math.isclose(t.budget_covered, t.budget):
        return f(t.budget)
    return f"{f(t.budget_covered)}{sep}of {f(t.budget)}"


def _status(s: str | None) -> str:
    return f"[{COLOURS[s]}]{LABELS[s]}[/{COLOURS[s]}]"


def to_table(r: Result) -> Group:
    """Per team: baseline and scenario year end, the change, the budget, the status before → after,
    and the donation's change; then the company."""
    o, c = r.outcome, _conv(r.kg_per_unit)
    f = lambda kg: "-" if kg is None else f"{c(kg):,.1f}" if abs(c(kg)) >= 10 else f"{c(kg):,.2f}"  # noqa: E731
    table = Table(
        title=f"Scenario {escape(o.scenario.name)}, {o.scenario.year} ({escape(r.unit)}, year end)",
        title_justify="left",
    )
    table.add_column("Team", no_wrap=True)
    for col in (
        "Baseline",
        "Scenario",
        "Change",
        "Budget",
        "Status",
        f"Donation {r.price.currency}",
    ):
        table.add_column(
            col, justify="left" if col == "Status" else "right", no_wrap=col != "Status"
        )
    for t in o.teams:
        status = (
            _status(t.status)
            if t.status == t.baseline_status
            else f"{_status(t.baseline_status)} → {_status(t.status)}"
        )
        if unknown(t):  # no data yet: unknown, never 0.00
            table.add_row(escape(t.team), "-", "-", "-", _budget(t, f, "\n"), status, "-")
            continue
        table.add_row(
            escape(t.team),
            f(t.baseline),
            f(t.scenario),
            f"{'+' if t.delta > 0 else ''}{f(t.delta)}",
            _budget(t, f, "\n"),
            status,
            format_amount(r.team_donation_delta_cents[t.team]),
        )
    table.add_section()
    delta = o.scenario_total - o.baseline
    table.add_row(
        "Company",
        f(o.baseline),
        f(o.scenario_total),
        f"{'+' if delta > 0 else ''}{f(delta)}",
        f(o.company_budget),
        "",
        format_amount(r.donation_delta_cents),
        style="bold",
    )
    lines = [Text("Levers: " + "; ".join(lv.describe() for lv in o.scenario.levers))]
    lines.append(
        Text(
            f"Donation change at {r.price.value} {r.price.per_tonne_unit} ({r.price.key}, "
            f"{r.price.year})"
        )
    )
    for n in (*o.notes, *r.price_notes):
        lines.append(Text(f"note: {n}", style="yellow"))
    lines.append(Text("Method: " + method(r), style="dim"))
    return Group(table, *lines)


def html_section(scenarios) -> list[str]:
    """The pack's "Levers" section: per scenario (carbon.scenarios.service.PackScenario), per team the
    year end without and with the levers, the change, the budget, the status before → after and
    the donation's change; a scenario that could not be computed says why. Nothing when None."""
    if scenarios is None:
        return []
    from carbon.core.text import html_escape as escape

    def badge(s: str | None) -> str:
        return (
            '<span class="muted">no budget</span>'
            if s is None
            else f'<span class="badge {escape(s)}">{escape(LABELS.get(s, s))}</span>'
        )

    out = ["<section><h2>Levers: what if?</h2>"]
    for p in scenarios:
        out.append(
            f'<h3>{escape(p.name)} <span class="muted">({escape(p.source.rsplit("/", 1)[-1])})</span></h3>'
        )
        if p.result is None:
            out.append(f'<p class="note">Not shown: {escape(p.problem)}</p>')
            continue
        r = p.result
        o, c = r.outcome, _conv(r.kg_per_unit)

        def f(kg, c=c):
            if kg is None:
                return "—"
            return f"{c(kg):,.1f}" if abs(c(kg)) >= 10 else f"{c(kg):,.2f}"

        def sign(kg, c=c):
            return ("+" if c(kg) > 0 else "") + f(kg)

        out.append(
            '<div class="scroll"><table><thead><tr><th>Team</th>'
            + "".join(
                f'<th class="num">{escape(h)} ({escape(r.unit)})</th>'
                for h in ("Baseline", "Scenario", "Change", "Budget")
            )
            + f'<th>Status</th><th class="num">Donation ({escape(r.price.currency)})</th></tr></thead><tbody>'
        )
        for t in o.teams:
            status = (
                badge(t.status)
                if t.status == t.baseline_status
                else f"{badge(t.baseline_status)} → {badge(t.status)}"
            )
            if unknown(t):  # no data yet: unknown, never 0.00
                out.append(
                    f'<tr><td>{escape(t.team)}</td><td class="num">-</td><td class="num">-</td>'
                    f'<td class="num">-</td><td class="num">{_budget(t, f)}</td><td>{status}</td>'
                    '<td class="num">-</td></tr>'
                )
                continue
            out.append(
                f'<tr><td>{escape(t.team)}</td><td class="num">{f(t.baseline)}</td>'
                f'<td class="num">{f(t.scenario)}</td><td class="num">{sign(t.delta)}</td>'
                f'<td class="num">{_budget(t, f)}</td><td>{status}</td>'
                f'<td class="num">{escape(format_amount(r.team_donation_delta_cents[t.team]))}</td></tr>'
            )
        delta = o.scenario_total - o.baseline
        out.append(
            f'<tr><th>Company</th><td class="num">{f(o.baseline)}</td><td class="num">{f(o.scenario_total)}</td>'
            f'<td class="num">{sign(delta)}</td><td class="num">{f(o.company_budget)}</td><td></td>'
            f'<td class="num">{escape(format_amount(r.donation_delta_cents))}</td></tr>'
        )
        out.append("</tbody></table></div>")
        out.append(
            "<p>Levers: " + escape("; ".join(lv.describe() for lv in o.scenario.levers)) + ". "
            f"Donation change at {escape(str(r.price.value))} {escape(r.price.per_tonne_unit)} "
            f"({escape(r.price.key)}, {r.price.year}).</p>"
        )
        for n in (*o.notes, *r.price_notes):
            out.append(f'<p class="note">{escape(n)}</p>')
        out.append(f'<p class="muted">Method: {escape(method(r))}</p>')
    out.append("</section>")
    return out
