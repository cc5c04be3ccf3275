"""Intensities rendered: a terminal table and an HTML section, each with the 12-month trend.

A month without the metric (or with a metric of 0) shows "no data", never 0 or infinity.
"""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from carbon.core.text import html_escape
from carbon.metrics.intensity import COMPANY, IntensityView
from carbon.metrics.rules import Intensity

SPARKS = "▁▂▃▄▅▆▇█"
GAP = "·"


def fmt_kg(v: float) -> str:
    """kg CO2e per unit with 3 significant digits at least: 0.354, 12.4, 1,234."""
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 1:
        return f"{v:,.2f}"
    return f"{v:.3g}"


def spark_text(values: list[float | None]) -> str:
    """A text sparkline: one block per month, "·" for a month with no data."""
    pts = [v for v in values if v is not None]
    hi = max(pts, default=0.0) or 1.0
    return "".join(
        GAP if v is None else SPARKS[min(len(SPARKS) - 1, int(v / hi * (len(SPARKS) - 1) + 0.5))]
        for v in values
    )


def _rows(view: IntensityView):
    for who, items in [(COMPANY, view.company), *sorted(view.teams.items())]:
        for i in items:
            yield who, i


def _cell(i: Intensity) -> str:
    return fmt_kg(i.kg_per_unit) if i.kg_per_unit is not None else i.note


def to_table(view: IntensityView, team: str | None = None) -> Table | None:
    """Intensity per metric: this month's value, kg CO2e per unit, and the last 12 months."""
    rows = list(_rows(view))
    if not rows:
        return None
    table = Table(
        title=f"Intensity {view.month} (kg CO2e per unit)",
        title_justify="left",
        caption=f"Trend: 12 months to {view.month}, {GAP} = no data",
        caption_justify="left",
    )
    table.add_column("Who")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    table.add_column("kg CO2e per unit", justify="right")
    table.add_column("12 months", no_wrap=True)
    for who, i in rows:
        trend = [v for _m, v in view.trend.get((i.metric, who or (team or COMPANY)), ())]
        label = escape(who or team or "Company")
        value = (
            f"{i.value:,.0f}"
            if i.value is not None and i.value >= 100
            else (f"{i.value:g}" if i.value is not None else "no data")
        )
        kg = _cell(i) if i.kg_per_unit is not None else f"[dim]{escape(i.note)}[/dim]"
        table.add_row(label, escape(i.label), value, kg, spark_text(trend))
    return table


def html_section(view: IntensityView | None) -> list[str]:
    """The pack's "Intensity" section: one row per metric with an SVG trend; nothing without metrics."""
    if view is None:
        return []
    rows = list(_rows(view))
    if not rows:
        return []
    out = [
        "<section><h2>Intensity</h2>",
        '<div class="scroll"><table><thead><tr><th>Who</th><th>Metric</th><th class="num">Value</th>'
        '<th class="num">kg CO2e per unit</th><th>Last 12 months</th></tr></thead><tbody>',
    ]
    from carbon.report import svg  # the HTML section only: the terminal table draws no SVG

    for who, i in rows:
        trend = [v for _m, v in view.trend.get((i.metric, who), ())]
        name = who or "Company"
        spark = svg.sparkline(trend, f"{name}: kg CO2e per {i.label}, last 12 months")
        value = f"{i.value:,.0f}" if i.value is not None else "no data"
        out.append(
            f"<tr><td>{html_escape(name)}</td><td>{html_escape(i.label)}</td>"
            f'<td class="num">{html_escape(value)}</td><td class="num">{html_escape(_cell(i))}</td>'
            f"<td>{spark}</td></tr>"
        )
    out.append(
        "</tbody></table></div>"
        '<p class="muted">Intensity = the month’s emissions ÷ the metric’s value that month; a month '
        "without the metric shows “no data” (a gap in the trend), never 0.</p></section>"
    )
    return out
