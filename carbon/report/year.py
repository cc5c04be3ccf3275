"""The year report in its forms: JSON (the contract), tidy CSV, rich table, XLSX workbook.

Every figure is kg CO2e (the table switches to t when large). A month without data is
"no data" (null in JSON), never 0.
"""

from __future__ import annotations

import csv
import io

from rich.markup import escape
from rich.table import Table

from carbon.core.figures import fixed, kept
from carbon.core.spreadsheet import BOM, inert
from carbon.errors import CarbonError
from carbon.factors import scope3
from carbon.ledger.year import Change, YearReport
from carbon.metrics import intensity
from carbon.report import jsonout
from carbon.report.monthly import display_unit

NO_DATA = "no data"
NO_FIGURE = "no figure"  # a market-based scope 2 that cannot be computed (never 0)

METHOD = (
    ("What", "Emissions of the calendar year per team, category, GHG scope and month, in kg CO2e."),
    (
        "Source of the figures",
        (
            "The carbon ledger: each entry is an activity quantity x the emission factor "
            "resolved for its key, region and year (the latest vintage not after the "
            "activity's year)."
        ),
    ),
    ("Months without data", "Shown as 'no data', never as 0: nothing was imported for that month."),
    (
        "Year in progress",
        'A year not over is counted through its last month over ("in progress, through '
        'YYYY-MM"): the running month is never counted as a whole month, and is shown '
        "as 'not over'.",
    ),
    (
        "Scope 2",
        (
            "Both ways, never added together (docs/scope2.md). Location-based: the grid average of the "
            "region (the ledger; every total of this report). Market-based: MWh covered by contractual "
            "instruments (carbon import energy-attributes) x their factor, plus the uncovered MWh x the "
            "country's residual mix (AIB European Residual Mixes, CO2 only). Grid electricity only; cloud "
            "electricity is the provider's scope 2 and the customer's scope 3.1. A month or team whose "
            "market-based figure cannot be computed (no residual mix for its country, instruments over "
            "the metered MWh) has none ('no figure'), never the location-based figure or 0. The two are "
            "often on different boundaries (a lifecycle grid factor against a direct CO2-only residual "
            "mix): the 'scope 2' sheet gives each figure's boundary beside it."
        ),
    ),
    (
        "Scope 3 categories",
        (
            "GHG Protocol Scope 3 Standard categories, kept on each entry: 3.1 purchased goods and "
            "services (cloud, colocation), 3.3 fuel- and energy-related activities (upstream and "
            "T&D losses of electricity), 3.6 business travel, 3.7 employee commuting, 3.11 use of "
            "sold products (viewers' streaming). Scope 1 and 2 entries have none."
        ),
    ),
    (
        "Lifecycle split",
        (
            "A lifecycle electricity factor that states its parts is booked in two: generation as "
            "scope 2, upstream and T&D losses as scope 3 category 3.3. A factor whose source publishes "
            "no split is booked whole as scope 2 (see the sources sheet's boundary)."
        ),
    ),
    (
        "Gas coverage",
        (
            "Factors marked 'CO2 only' in the sources sheet (IEA, EEA) omit CH4 and N2O; they are "
            "carried as CO2e."
        ),
    ),
    (
        "Gas split",
        (
            "Scopes 1 and 2 per gas ('by gas' sheet) from the gas parts a factor row states, as its "
            "source publishes them (kg CO2e of CO2, CH4, N2O; a refrigerant's HFC or other gas). The kg of "
            "rows whose source publishes no split are shown as 'not split', never apportioned by a guess; "
            "scope 2 is location-based."
        ),
    ),
    (
        "Year-on-year",
        (
            "The whole year against the whole previous year, and like-for-like over the months "
            "both years have data for (a year that started in September is not compared in full)."
        ),
    ),
    (
        "Intensity",
        "kg CO2e per unit of each business metric's yearly value, over the months with a value.",
    ),
    (
        "Restatements",
        "Writes into closed months of the year, with who, when, why and the change per team.",
    ),
)


GAS_LABELS = {
    "co2": "CO2",
    "ch4": "CH4",
    "n2o": "N2O",
    "hfcs": "HFCs",
    "other": "other (non-Kyoto, e.g. HFOs)",
    "not_split": "not split",
}


def _r(x: float | None) -> float | None:
    return kept(x, 6)


def _change(c: Change | None) -> dict | None:
    if c is None:
        return None
    return {
        "months": list(c.months),
        "kg": _r(c.kg),
        "previous_kg": _r(c.previous_kg),
        "change_kg": _r(c.change_kg),
        "change_pct": kept(c.change_pct, 2, digits=2),
    }


def _restatement(x) -> dict:
    return {
        "id": x.id,
        "at": x.at.isoformat() if x.at else None,
        "by": x.by,
        "reason": x.reason,
        "action": x.action,
        "periods": list(x.periods),
        "changes": [
            {
                "month": c.month,
                "team": c.team,
                "before_kg": _r(c.before_kg),
                "after_kg": _r(c.after_kg),
            }
            for c in x.changes
        ],
        "figures": [
            {
                "month": f.month,
                "team": f.team or None,
                "figure": f.figure,
                "before": f.before,
                "after": f.after,
            }
            for f in x.figures
        ],
    }


def _source(s) -> dict:
    return {k: (_r(v) if k == "co2e_kg" else v) for k, v in s.items()}


def scope2_dict(rep: YearReport) -> dict:
    """Scope 2 both ways (docs/scope2.md): location- and market-based per month and team, totals;
    market-based is null where it cannot be computed, with the reasons in "market_notes"; the
    boundary classes of each figure in "location_boundary" and "market_boundary"."""
    from carbon.scope2 import rules as scope2

    found = {(s.team, s.month): s for s in rep.scope2}
    loc, market = scope2.total(rep.scope2)

    def pair(lm: tuple[float, float]) -> dict[str, float]:
        return {"location_kg": _r(lm[0]), "market_kg": _r(lm[1])}

    loc_b, market_b = scope2.boundaries(rep.scope2)
    return {
        "location_kg": _r(loc),
        "location_boundary": list(loc_b),
        "market_kg": _r(market),
        "market_boundary": list(market_b),
        "by_month": {m: pair(v) for m, v in scope2.by_month(found).items()},
        "by_team": {t: pair(v) for t, v in scope2.by_team(found).items()},
        "market_notes": scope2.notes_of(found),
        "residual_mixes": [
            {
                "country": m.country,
                "year": m.year,
                "kg_per_kwh": m.kg_per_kwh,
                "source": m.source,
                "source_ref": m.source_ref,
            }
            for m in scope2.mixes_used(found)
        ],
    }


NOT_OVER = "not over"


def progress(rep: YearReport) -> str:
    """ "in progress, through YYYY-MM" for a year not over, "" for a year over."""
    return f"in progress, through {rep.counted_through}" if rep.in_progress else ""


def _not_over(rep: YearReport, month: str) -> bool:
    return rep.in_progress and month > rep.counted_through


def to_dict(rep: YearReport) -> dict:
    """The JSON contract (kg CO2e; null = no data, or a month not over)."""
    return {
        "year": rep.year,
        "unit": "kg CO2e",
        "total": _r(rep.total),
        "counted_through": rep.counted_through or None,
        "in_progress": rep.in_progress,
        "progress": progress(rep) or None,
        "months_not_over": [m for m in rep.months if _not_over(rep, m)],
        "not_counted": list(rep.not_counted),
        "by_month": {m: _r(v) for m, v in rep.by_month.items()},
        "months_without_data": [
            m for m, v in rep.by_month.items() if v is None and not _not_over(rep, m)
        ],
        "by_team": {k: _r(v) for k, v in rep.by_team.items()},
        "by_category": {k: _r(v) for k, v in rep.by_category.items()},
        "by_scope": {k: _r(v) for k, v in rep.by_scope.items()},
        "rows": [
            {"team": t, "category": c, "scope": s, "month": m, "co2e_kg": _r(kg)}
            for t, c, s, m, kg in rep.cells
        ],
        "previous_year": {"year": rep.year - 1, "months_with_data": list(rep.previous_months)},
        "year_on_year": _change(rep.year_on_year),
        "like_for_like": _change(rep.like_for_like),
        "intensity": intensity.to_list(rep.intensities),
        "sources": [_source(s) for s in rep.sources],
        "restatements": [_restatement(x) for x in rep.restatements],
        "method_switches": [s.describe() for s in rep.method_switches],
        "by_scope3_category": {
            k or "unclassified": _r(v) for k, v in rep.by_scope3_category.items()
        },
        "scope3_rows": [
            {"team": t, "category": c, "scope3_category": n or None, "month": m, "co2e_kg": _r(kg)}
            for t, c, n, m, kg in rep.scope3_cells
        ],
        "scope2": scope2_dict(rep),
        "by_gas": {sc: {g: _r(v) for g, v in parts.items()} for sc, parts in rep.by_gas.items()},
    }


def to_json(rep: YearReport) -> str:
    return jsonout.dumps(to_dict(rep), indent=2)


def to_csv(rep: YearReport) -> str:
    """Tidy CSV: one row per team x category x scope x month with data (kg CO2e), no subtotals,
    so a spreadsheet's SUM of `co2e_kg` is the year total. A month without data has no row.
    Scope 2 rows are location-based (the ledger); the market-based alternative is in the JSON
    ("scope2") and the XLSX ("scope 2" sheet), never a row here, so the SUM stays the total."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["year", "month", "team", "category", "scope", "co2e_kg"])
    for t, c, s, m, kg in rep.cells:
        w.writerow([rep.year, m, inert(t), inert(c), s, _r(kg)])
    return BOM + out.getvalue()


def tidy_rows(rep: YearReport) -> list[tuple[str, str, int, str, float, str]]:
    """(team, category, scope, month, kg, scope-3 category) rows: scope-3 cells split by their
    GHG Protocol category ("" for scope 1 and 2), so the kg still sum to the year total."""
    if not rep.scope3_cells:
        return [(t, c, s, m, kg, "") for t, c, s, m, kg in rep.cells]
    rows = [(t, c, s, m, kg, "") for t, c, s, m, kg in rep.cells if s != 3]
    rows += [(t, c, 3, m, kg, n) for t, c, n, m, kg in rep.scope3_cells]
    return sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3], r[5]))


def _pct(c: Change | None, fmt, unit: str) -> str:
    if c is None:
        return "no data for the previous year"
    if c.change_pct is None:
        return "previous figure is 0"
    return (
        f"{c.change_pct:+.1f}% ({fmt(c.previous_kg)} -> {fmt(c.kg)} {unit}, {len(c.months)} months)"
    )


def _scope2_caption(rep: YearReport, fmt) -> list[str]:
    if not rep.scope2:
        return []
    from carbon.scope2 import rules as scope2

    loc, market = scope2.total(rep.scope2)
    shown = (
        fmt(market)
        if market is not None
        else f"{NO_FIGURE} (why: --format json, scope2.market_notes)"
    )
    return [f"Scope 2: {scope2.both_ways(rep.scope2, fmt(loc), shown)} (alternatives, not added)"]


def to_tables(rep: YearReport) -> tuple[Table, Table]:
    """Two terminal tables that fit 80 columns: months x scopes (with the company total and the
    change against the previous year in the caption), and teams x categories."""
    unit, div = display_unit([rep.total])
    fmt = (lambda v: fixed(v / div, 2)) if div > 1 else (lambda v: fixed(v, 1))
    per_month: dict[tuple[str, str], float] = {}
    per_team: dict[tuple[str, str], float] = {}
    for t, c, s, m, kg in rep.cells:
        per_month[(m, str(s))] = per_month.get((m, str(s)), 0.0) + kg
        per_team[(t, c)] = per_team.get((t, c), 0.0) + kg
    scopes = [s for s in ("1", "2", "3") if s in rep.by_scope]
    short = unit.split()[0]
    caption = "\n".join(
        [
            f"Year on year: {_pct(rep.year_on_year, fmt, short)}",
            f"Like-for-like: {_pct(rep.like_for_like, fmt, short)}",
            f"Factors used: {len(rep.sources)}; restatements in the year: {len(rep.restatements)}",
            *[
                f"[yellow]Method change:[/yellow] {escape(s.describe())}"
                for s in rep.method_switches
            ],
            *(
                [
                    "Scope 3 by category: "
                    + "; ".join(
                        f"{n or 'unclassified'} {fmt(v)}" for n, v in rep.by_scope3_category.items()
                    )
                ]
                if rep.by_scope3_category
                else []
            ),
            *_scope2_caption(rep, fmt),
        ]
    )
    title = f"Emissions {rep.year} by month ({unit})" + (
        f", {progress(rep)}" if rep.in_progress else ""
    )
    months = Table(
        title=title, title_justify="left", caption=caption, caption_justify="left", min_width=72
    )  # the caption on few lines
    months.add_column("Month")
    for s in scopes:
        months.add_column(f"Scope {s}", justify="right")
    months.add_column("Total", justify="right", style="bold")
    for m, v in rep.by_month.items():
        if v is None:
            months.add_row(
                m,
                *["" for _ in scopes],
                f"[dim]{NOT_OVER if _not_over(rep, m) else 'no data'}[/dim]",
            )
        else:
            months.add_row(
                m, *[fmt(per_month[(m, s)]) if (m, s) in per_month else "-" for s in scopes], fmt(v)
            )
    months.add_section()
    months.add_row("Year", *[fmt(rep.by_scope[s]) for s in scopes], fmt(rep.total), style="bold")
    cats = list(rep.by_category)
    teams = Table(
        title=f"Emissions {rep.year} by team ({unit})"
        + (f", {progress(rep)}" if rep.in_progress else ""),
        title_justify="left",
    )
    teams.add_column("Team")
    for c in cats:
        teams.add_column(c.capitalize(), justify="right")
    teams.add_column("Total", justify="right", style="bold")
    for team, kg in rep.by_team.items():
        teams.add_row(
            escape(team),
            *[fmt(per_team[(team, c)]) if (team, c) in per_team else "-" for c in cats],
            fmt(kg),
        )
    teams.add_section()
    teams.add_row("Company", *[fmt(rep.by_category[c]) for c in cats], fmt(rep.total), style="bold")
    return months, teams


# ---- XLSX ------------------------------------------------------------------------------------------


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise CarbonError(
            "--format xlsx needs openpyxl: pip install 'carbon-ledger[xlsx]'"
        ) from None
    return openpyxl


def _sheet(wb, title: str, header: list[str], rows) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        # Text that a spreadsheet would run as a formula (a team named "=...") stays text.
        ws.append([inert(v) if isinstance(v, str) else v for v in row])
    ws.freeze_panes = "A2"  # the header row stays on screen
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(
            12, min(40, len(h) + 2)
        )


def to_xlsx(rep: YearReport, incomplete=()) -> bytes:
    """The workbook: one sheet per view, numbers as numbers, units in the headers, header rows
    frozen, and a "method" sheet; `incomplete` (the year's incomplete months, carbon.feeds.rules)
    are named in the summary, one row each. Raises CarbonError when openpyxl is not installed."""
    openpyxl = _openpyxl()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    d = to_dict(rep)
    summary = [
        ("year", rep.year),
        ("status", progress(rep) or "complete year"),
        ("counted through", rep.counted_through),
        ("total (kg CO2e)", d["total"]),
    ]
    summary += [(f"scope {s} (kg CO2e)", v) for s, v in d["by_scope"].items()]
    summary += [(f"incomplete month {c.month}", c.headline()) for c in incomplete]
    for label, c in (("year on year", d["year_on_year"]), ("like for like", d["like_for_like"])):
        if c is None:
            summary.append((f"{label}: change (%)", "no data for the previous year"))
        else:
            summary += [
                (f"{label}: previous (kg CO2e)", c["previous_kg"]),
                (f"{label}: change (kg CO2e)", c["change_kg"]),
                (f"{label}: change (%)", c["change_pct"] if c["change_pct"] is not None else "n/a"),
                (f"{label}: months compared", len(c["months"])),
            ]
    _sheet(wb, "summary", ["item", "value"], summary)
    _sheet(
        wb,
        "by month",
        ["month", "total (kg CO2e)"],
        [
            (m, (NOT_OVER if _not_over(rep, m) else NO_DATA) if v is None else v)
            for m, v in d["by_month"].items()
        ],
    )
    per: dict[tuple, dict[str, float]] = {}
    for t, c, s, m, kg in rep.cells:
        per.setdefault((t, c, s), {})[m] = _r(kg)
    _sheet(
        wb,
        "team x month",
        ["team", "category", "scope"]
        + [f"{m} (kg CO2e)" for m in rep.months]
        + ["total (kg CO2e)"],
        [
            (
                t,
                c,
                s,
                *[
                    (NOT_OVER if _not_over(rep, m) else NO_DATA)
                    if rep.by_month[m] is None
                    else v.get(m)
                    for m in rep.months
                ],
                _r(sum(v.values())),
            )
            for (t, c, s), v in per.items()
        ],
    )
    _sheet(
        wb,
        "rows",
        ["year", "month", "team", "category", "scope", "co2e (kg CO2e)", "scope-3 category"],
        [(rep.year, m, t, c, s, _r(kg), n) for t, c, s, m, kg, n in tidy_rows(rep)],
    )
    _sheet(
        wb,
        "scope 3 categories",
        ["scope-3 category", "name", "co2e (kg CO2e)"],
        [
            (n or "unclassified", scope3.NAMES.get(int(n[2:]), "") if n else "", _r(v))
            for n, v in rep.by_scope3_category.items()
        ],
    )
    _sheet(wb, "by team", ["team", "total (kg CO2e)"], d["by_team"].items())
    _sheet(
        wb,
        "intensity",
        ["metric", "label", "yearly value (metric unit)", "kg CO2e per unit", "note"],
        [
            (i["metric"], i["label"], i["value"], i["kg_per_unit"], i.get("note", ""))
            for i in d["intensity"]
        ],
    )
    _sheet(
        wb,
        "sources",
        [
            "activity",
            "region",
            "vintage",
            "factor value",
            "factor unit",
            "scope",
            "source",
            "source_ref",
            "boundary",
            "origin",
            "co2e (kg CO2e)",
        ],
        [
            (
                s["activity"],
                s["region"],
                s["year"],
                s["value"],
                s["unit"],
                s["scope"],
                s["source"],
                s["source_ref"],
                s["boundary"],
                s["origin"],
                s["co2e_kg"],
            )
            for s in d["sources"]
        ],
    )
    _sheet(
        wb,
        "restatements",
        [
            "id",
            "at (UTC)",
            "by",
            "reason",
            "action",
            "month",
            "team",
            "before (kg CO2e)",
            "after (kg CO2e)",
        ],
        [
            (
                x["id"],
                x["at"],
                x["by"],
                x["reason"],
                x["action"],
                c.get("month"),
                c.get("team"),
                c.get("before_kg"),
                c.get("after_kg"),
            )
            for x in d["restatements"]
            for c in (x["changes"] or [{}])
        ]
        if d["restatements"]
        else [],
    )
    _sheet(
        wb,
        "by gas",
        ["scope", "gas", "co2e (kg CO2e)"],
        [
            (f"scope {sc}", GAS_LABELS.get(g, g), v)
            for sc, parts in d["by_gas"].items()
            for g, v in parts.items()
            if v or g == "not_split"
        ],
    )
    s2 = d["scope2"]
    # each figure with its boundary beside it: location- and market-based are often not on the same one
    _sheet(
        wb,
        "scope 2",
        [
            "month",
            "team",
            "location-based (kg CO2e)",
            "location-based boundary",
            "market-based (kg CO2e)",
            "market-based boundary",
            "note",
        ],
        [
            *[
                (
                    x.month,
                    x.team,
                    _r(x.location_kg),
                    "; ".join(x.location_boundaries),
                    NO_FIGURE if x.market_kg is None else _r(x.market_kg),
                    "; ".join(x.market_boundaries),
                    "; ".join(x.notes),
                )
                for x in sorted(rep.scope2, key=lambda x: (x.month, x.team))
            ],
            (
                "year",
                "all teams",
                s2["location_kg"],
                "; ".join(s2["location_boundary"]),
                NO_FIGURE if s2["market_kg"] is None else s2["market_kg"],
                "; ".join(s2["market_boundary"]),
                "alternatives: never added together",
            ),
        ],
    )
    _sheet(
        wb,
        "method",
        ["topic", "method"],
        [*METHOD, *[("Method change in a factor series", s) for s in d["method_switches"]]],
    )
    buffer = (
        io.BytesIO()
    )  # in memory: the caller writes it whole (a failed write leaves no half zip)
    wb.save(buffer)
    return buffer.getvalue()
