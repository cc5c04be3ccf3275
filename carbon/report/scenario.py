"""A scenario's result in its forms: the JSON contract and the manager's terminal table."""

from __future__ import annotations

import json
import math

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from carbon.money import cents_float, format_amount
from carbon.scenario_run import Result

LABELS = {"on_track": "on track", "at_risk": "at risk", "over": "over", "no_data": "no data",
          None: "no budget"}
COLOURS = {"on_track": "green", "at_risk": "yellow", "over": "red", "no_data": "dim", None: "dim"}


def _conv(per: float):
    digits = max(0, 3 + round(math.log10(per)))  # to the gram, whatever the unit

    def conv(kg: float | None) -> float | None:
        return None if kg is None else round(kg / per, digits)

    return conv


def method(r: Result) -> str:
    o = r.outcome
    fc = (f"months {o.forecast_months[0]}..{o.forecast_months[-1]} are the year-end forecast of "
          f"'carbon budget status --month {o.last_recorded}' (months before a team's first data unknown, "
          "not zero), split by the profile and by activity, with the levers applied"
          if o.forecast_months else "every month of the year is recorded")
    return (f"recorded months (to {o.last_recorded}) recomputed from the ledger's entries with the levers "
            f"applied (same factors, vintages and regions; a shifted quantity priced with the target's factor); "
            f"{fc}. Nothing in the ledger changes.")


def to_dict(r: Result) -> dict:
    """The JSON contract: {"year", "name", "unit", "teams": [{"team", "baseline", "scenario", "delta",
    "budget", "baseline_status", "status", "donation_delta"}], "company": {...}, ...}."""
    o, c = r.outcome, _conv(r.kg_per_unit)
    teams = []
    for t in o.teams:
        teams.append({"team": t.team, "baseline": c(t.baseline), "scenario": c(t.scenario), "delta": c(t.delta),
                      "baseline_actual_to_date": c(t.baseline_actual),
                      "scenario_actual_to_date": c(t.scenario_actual),
                      "budget": c(t.budget), "baseline_status": t.baseline_status, "status": t.status,
                      "donation_delta": cents_float(r.team_donation_delta_cents[t.team])})
    return {
        "year": o.scenario.year,
        "name": o.scenario.name,
        "unit": r.unit,
        "recorded_through": o.last_recorded,
        "forecast_months": list(o.forecast_months),
        "levers": [lv.describe() for lv in o.scenario.levers],
        "teams": teams,
        "company": {"baseline": c(o.baseline), "scenario": c(o.scenario_total),
                    "delta": c(o.scenario_total - o.baseline), "budget": c(o.company_budget),
                    "donation_delta": cents_float(r.donation_delta_cents)},
        "currency": r.price.currency,
        "price": {"value": float(r.price.value), "unit": r.price.per_tonne_unit, "basis": r.price.key,
                  "year": r.price.year, "source": r.price.source},
        "notes": list(o.notes) + list(r.price_notes),
        "method": method(r),
    }


def to_json(r: Result) -> str:
    return json.dumps(to_dict(r), indent=2, ensure_ascii=False)


def _status(s: str | None) -> str:
    return f"[{COLOURS[s]}]{LABELS[s]}[/{COLOURS[s]}]"


def to_table(r: Result) -> Group:
    """Per team: baseline and scenario year end, the change, the budget, the status before → after,
    and the donation's change; then the company."""
    o, c = r.outcome, _conv(r.kg_per_unit)
    f = lambda kg: "-" if kg is None else f"{c(kg):,.1f}" if abs(c(kg)) >= 10 else f"{c(kg):,.2f}"  # noqa: E731
    table = Table(title=f"Scenario {escape(o.scenario.name)}, {o.scenario.year} ({escape(r.unit)}, year end)",
                  title_justify="left")
    table.add_column("Team", no_wrap=True)
    for col in ("Baseline", "Scenario", "Change", "Budget", "Status", f"Donation {r.price.currency}"):
        table.add_column(col, justify="left" if col == "Status" else "right", no_wrap=col != "Status")
    for t in o.teams:
        status = (_status(t.status) if t.status == t.baseline_status
                  else f"{_status(t.baseline_status)} → {_status(t.status)}")
        table.add_row(escape(t.team), f(t.baseline), f(t.scenario), f"{'+' if t.delta > 0 else ''}{f(t.delta)}",
                      f(t.budget), status,
                      format_amount(r.team_donation_delta_cents[t.team]))
    table.add_section()
    delta = o.scenario_total - o.baseline
    table.add_row("Company", f(o.baseline), f(o.scenario_total), f"{'+' if delta > 0 else ''}{f(delta)}",
                  f(o.company_budget), "", format_amount(r.donation_delta_cents), style="bold")
    lines = [Text("Levers: " + "; ".join(lv.describe() for lv in o.scenario.levers))]
    lines.append(Text(f"Donation change at {r.price.value} {r.price.per_tonne_unit} ({r.price.key}, "
                      f"{r.price.year})"))
    for n in (*o.notes, *r.price_notes):
        lines.append(Text(f"note: {n}", style="yellow"))
    lines.append(Text("Method: " + method(r), style="dim"))
    return Group(table, *lines)
