"""The monthly report in its three forms: JSON (the contract), CSV, rich table."""

from __future__ import annotations

import csv
import io

from rich.markup import escape
from rich.table import Table

from carbon.core.figures import fixed, kept
from carbon.core.figures import share as share_of
from carbon.core.spreadsheet import BOM, inert
from carbon.model import MonthlyReport
from carbon.report import jsonout


def _r(x: float) -> float:
    # Figures are kept to the gram in machine outputs (and to their significant digits below
    # it: never a 0 that is not one); sums are made before rounding.
    return kept(x, 3)


def to_dict(report: MonthlyReport, intensity=None, completeness=None) -> dict:
    """The JSON contract (README "Monthly report"): kg CO2e throughout.

    `intensity` (carbon.metrics.intensity.IntensityView) adds "intensity" lists: at the top
    (the company's, or the one team's) and on each team with metrics of its own.
    `completeness` (carbon.feeds.rules.Completeness) adds "completeness" (docs/feeds.md).
    """
    d = {
        "month": report.month,
        "unit": "kg CO2e",
        "total": _r(report.total),
        "teams": [
            {
                "team": t.team,
                "total": _r(t.total),
                "by_category": {k: _r(v) for k, v in t.by_category.items()},
                "by_scope": {k: _r(v) for k, v in t.by_scope.items()},
                "entries": t.entries,
            }
            for t in report.teams
            if t.entries
        ],
        "teams_without_data": [t.team for t in report.teams if not t.entries],
        # Scope 3 by GHG Protocol category ("unclassified": a report category carbon does not map)
        "by_scope3_category": {
            k or "unclassified": _r(v) for k, v in report.by_scope3_category.items()
        },
        "partial": report.partial,
        "warnings": list(report.warnings),
    }
    _add_scope2(d, report)
    if intensity is not None:
        from carbon.metrics.intensity import to_list

        d["intensity"] = to_list(intensity.company)
        for t in d["teams"]:
            if t["team"] in intensity.teams:
                t["intensity"] = to_list(intensity.teams[t["team"]])
    if completeness is not None:
        d["completeness"] = completeness.to_dict()
    return d


def _scope2(location: float, market: float | None, notes: list[str], items) -> dict:
    from carbon.scope2 import rules as scope2

    loc_b, market_b = scope2.boundaries(items)
    return {
        "location_kg": _r(location),
        "location_boundary": list(loc_b),
        "market_kg": None if market is None else _r(market),
        "market_boundary": list(market_b),
        "market_notes": notes,
    }


def _add_scope2(d: dict, report: MonthlyReport) -> None:
    """ "scope2": both ways (docs/scope2.md), only where there is scope 2 (entries or instruments).
    Location- and market-based are alternatives, never added together; a market-based figure
    that cannot be computed is null, with its reasons in "market_notes". "location_boundary" and
    "market_boundary" give the boundary classes of each figure (carbon.scope2.rules.boundary_label): the
    two are often not on the same boundary (lifecycle CO2e grid factors, CO2-only residual mixes)."""
    if not report.scope2:
        return
    from carbon.scope2 import rules as scope2

    teams = sorted({s.team for s in report.scope2})
    d["scope2"] = {
        **_scope2(
            *scope2.total(report.scope2),
            [f"{s.team}: {n}" for s in report.scope2 for n in s.notes],
            report.scope2,
        ),
        "teams": [
            {
                "team": t,
                **_scope2(
                    *scope2.total(x for x in report.scope2 if x.team == t),
                    [n for x in report.scope2 if x.team == t for n in x.notes],
                    [x for x in report.scope2 if x.team == t],
                ),
            }
            for t in teams
        ],
        "residual_mixes": [
            {"country": m.country, "year": m.year, "kg_per_kwh": m.kg_per_kwh, "source": m.source}
            for m in scope2.mixes_used({(s.team, s.month): s for s in report.scope2})
        ],
    }


def scope2_caption(report: MonthlyReport, fmt) -> str:
    """The table's scope-2 line: both figures side by side, never summed ("" without scope 2)."""
    if not report.scope2:
        return ""
    from carbon.scope2 import rules as scope2

    loc, market = scope2.total(report.scope2)
    if market is None:
        from rich.markup import escape

        missing = sorted({s.team for s in report.scope2 if s.market_kg is None})
        shown = f"none for {escape(', '.join(missing))} (why: --format json, scope2.market_notes)"
    else:
        shown = fmt(market)
    return f"Scope 2: {scope2.both_ways(report.scope2, fmt(loc), shown)} (not added)\n"


def to_json(report: MonthlyReport, intensity=None, completeness=None) -> str:
    return jsonout.dumps(to_dict(report, intensity, completeness), indent=2)


def to_csv(report: MonthlyReport) -> str:
    """The tidy CSV: one row per team × category × scope (kg CO2e), and nothing else.

    No subtotal or total row, so a spreadsheet's SUM of `co2e_kg` is the company
    total (of the team asked for, with --team) and a pivot table can regroup the
    rows by any column. UTF-8 with a BOM, like every CSV carbon writes for a spreadsheet.
    """
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["month", "team", "category", "scope", "co2e_kg"])
    for t in report.teams:
        for (cat, scope), kg in t.by_category_scope.items():
            w.writerow([report.month, inert(t.team), inert(cat), scope, _r(kg)])
    return BOM + out.getvalue()


def display_unit(kg_values: list[float]) -> tuple[str, float]:
    """("t CO2e", 1000) when figures are large, else ("kg CO2e", 1)."""
    return ("t CO2e", 1000.0) if max(kg_values, default=0.0) >= 10_000 else ("kg CO2e", 1.0)


def to_table(report: MonthlyReport) -> Table:
    """A readable terminal table: teams × categories, in t or kg as fits, scopes in the caption."""
    cats = sorted({c for t in report.teams for c in t.by_category})
    unit, div = display_unit([report.total])
    fmt = (lambda v: fixed(v / div, 2)) if div > 1 else (lambda v: fixed(v, 1))
    # A scope (like a category) with no entry at all shows "-", not a 0 that was never measured.
    present = {s for t in report.teams for s in t.by_scope}
    caption = (
        scope2_caption(report, fmt)
        + "By GHG scope: "
        + " · ".join(
            f"scope {s} "
            + (fmt(sum(t.by_scope.get(s, 0.0) for t in report.teams)) if s in present else "-")
            for s in ("1", "2", "3")
        )
    )
    whole = report.team is None  # --team: that team only, no company row or shares
    title = (
        f"Emissions {report.month}" + ("" if whole else f", {escape(report.team)}") + f" ({unit})"
    )
    table = Table(
        title=title,
        title_justify="left",
        caption=caption,
        caption_justify="left",
        min_width=len(title),
    )  # the title on one line, however narrow the table
    table.add_column("Team")
    for c in cats:
        table.add_column(c.capitalize(), justify="right")
    table.add_column("Total", justify="right", style="bold")
    if whole:
        table.add_column("Share", justify="right")
    for t in report.teams:
        share = ([share_of(t.total, report.total)] if t.entries else [""]) if whole else []
        if not t.entries:
            table.add_row(escape(t.team), *["" for _ in cats], "[dim]no data[/dim]", *share)
            continue
        table.add_row(
            escape(t.team),
            *[fmt(t.by_category[c]) if c in t.by_category else "-" for c in cats],
            fmt(t.total),
            *share,
        )
    if whole:
        table.add_section()
        col_tot = [fmt(sum(t.by_category.get(c, 0.0) for t in report.teams)) for c in cats]
        table.add_row(
            "Company", *col_tot, fmt(report.total), "100%" if report.total else "-", style="bold"
        )
    return table
