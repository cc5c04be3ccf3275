"""Small inline-SVG charts for the HTML report (pure functions returning markup).

No chart library and nothing fetched: each chart is a self-contained <svg>
with a viewBox, so it scales to a phone's width and prints sharp. Every text
passes through html.escape. A missing value (None) is drawn as "no data",
never as a zero-height bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from carbon.core.figures import fixed
from carbon.core.text import html_escape as escape

PALETTE = ("#2f6f8f", "#e07b39", "#5b9a5b", "#b5524f", "#8667a8", "#c9a227", "#4f8fbf", "#8c6d4f")
STATUS_COLOURS = {"on_track": "#3d8b4f", "at_risk": "#c98a0b", "over": "#b8322f"}
INK, MUTED, GRID = "#222", "#666", "#ddd"
UNIT_LABEL_Y = 12  # baseline of a chart's unit label, above the plot


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^k) giving about `ticks` intervals over `span` (> 0)."""
    raw = span / ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag  # pragma: no cover - the loop always returns


def fmt(v: float) -> str:
    """A figure for a chart label: thousands separated, fewer decimals as it grows."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:,.1f}"
    if a >= 1:
        return f"{v:,.2f}"
    return fixed(v, 3)  # never "0.000" for a figure that is not zero


def _text(
    x: float,
    y: float,
    s: str,
    *,
    anchor: str = "start",
    size: int = 11,
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"'
        f' font-weight="{weight}">{escape(s)}</text>'
    )


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    # Fluid up to 1.25× the drawn size: text stays readable on a phone and never balloons on a desktop.
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" style="max-width:{width * 1.25:.0f}px" '
        f'role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def column_chart(
    points: Sequence[tuple[str, float | None]],
    title: str,
    unit: str,
    *,
    width: int = 560,
    height: int = 230,
    highlight_last: bool = True,
) -> str:
    """Vertical bars, one per (label, value in `unit`); None is shown as "no data".

    Used for the company trend over 12 months. The last bar (the report's month)
    is drawn darker.
    """
    # `top` leaves a line for the unit label above the highest tick label (size 10 each, so
    # 11 px of baseline-to-top plus descent): at 16 the two overlapped.
    left, right, top, bottom = 52, 8, 30, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in points if v is not None]
    top_v = max(values, default=0.0)
    step = nice_step(top_v) if top_v > 0 else 1.0
    axis_max = step * math.ceil(top_v / step) if top_v > 0 else step * 4
    body = []
    k = 0.0
    while k <= axis_max + step / 2:
        y = top + plot_h - plot_h * k / axis_max
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        tick = f"{k:,.0f}" if float(step).is_integer() else fmt(k)
        body.append(_text(left - 6, y + 4, tick, anchor="end", size=10, fill=MUTED))
        k += step
    body.append(_text(4, UNIT_LABEL_Y, unit, size=10, fill=MUTED))
    n = max(len(points), 1)
    slot = plot_w / n
    bar_w = slot * 0.68
    for i, (label, v) in enumerate(points):
        x = left + i * slot + (slot - bar_w) / 2
        cx = x + bar_w / 2
        last = highlight_last and i == len(points) - 1
        if v is None:
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - 28:.1f}" width="{bar_w:.1f}" height="28" '
                f'fill="none" stroke="{MUTED}" stroke-dasharray="3 3"/>'
            )
            body.append(
                _text(cx, top + plot_h - 11, "no data", anchor="middle", size=8, fill=MUTED)
            )
        else:
            h = plot_h * v / axis_max
            colour = PALETTE[0] if last else "#8fb3c7"
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(label)}: {escape(fmt(v))} {escape(unit)}</title></rect>'
            )
            if last:
                body.append(
                    _text(cx, top + plot_h - h - 4, fmt(v), anchor="middle", size=10, weight="bold")
                )
        body.append(
            _text(
                cx,
                height - bottom + 14,
                label,
                anchor="middle",
                size=10,
                fill=INK if last else MUTED,
                weight="bold" if last else "normal",
            )
        )
    body.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{MUTED}"/>'
    )
    return _svg(width, height, title, body)


def hbar_chart(
    items: Sequence[tuple[str, float]],
    title: str,
    unit: str,
    *,
    width: int = 460,
    row: int = 22,
    label_w: int = 120,
) -> str:
    """Horizontal bars, one per (label, value in `unit`), longest first as given; value at bar end."""
    top = 4
    height = top + row * max(len(items), 1) + 4
    right = 90
    plot_w = width - label_w - right
    vmax = max((v for _, v in items), default=0.0) or 1.0
    body = []
    for i, (label, v) in enumerate(items):
        y = top + i * row
        w = max(plot_w * v / vmax, 0.0)
        shown = label if len(label) <= 18 else label[:17] + "…"
        body.append(_text(label_w - 6, y + row * 0.68, shown, anchor="end", size=11))
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 7}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {escape(fmt(v))} '
            f"{escape(unit)}</title></rect>"
        )
        body.append(_text(label_w + w + 5, y + row * 0.68, f"{fmt(v)} {unit}", size=10, fill=MUTED))
    return _svg(width, height, title, body)


def budget_bar(
    actual: float,
    allocated: float,
    budget: float,
    status: str,
    title: str,
    unit: str,
    *,
    forecast: float | None = None,
    width: int = 480,
    height: int = 54,
) -> str:
    """One team against its annual budget (all in `unit`).

    The track is the annual budget; the filled bar the actual to date (in the
    status colour); a black tick the allocated to date; a dashed tick the
    forecast for the year (when known). Figures beyond the budget extend the scale.
    """
    left, right = 4, 4
    plot_w = width - left - right
    scale_max = max(budget, actual, forecast or 0.0, allocated) or 1.0
    sx = lambda v: left + plot_w * v / scale_max  # noqa: E731
    colour = STATUS_COLOURS.get(status, PALETTE[0])
    body = [
        f'<rect x="{left}" y="8" width="{sx(budget) - left:.1f}" height="18" fill="#eee" stroke="#bbb"/>',
        f'<rect x="{left}" y="11" width="{sx(actual) - left:.1f}" height="12" fill="{colour}">'
        f"<title>actual to date {escape(fmt(actual))} {escape(unit)}</title></rect>",
        f'<line x1="{sx(allocated):.1f}" x2="{sx(allocated):.1f}" y1="4" y2="30" stroke="{INK}" stroke-width="2">'
        f"<title>allocated to date {escape(fmt(allocated))} {escape(unit)}</title></line>",
    ]
    if forecast is not None:
        body.append(
            f'<line x1="{sx(forecast):.1f}" x2="{sx(forecast):.1f}" y1="4" y2="30" stroke="{INK}" '
            f'stroke-dasharray="3 2"><title>forecast {escape(fmt(forecast))} {escape(unit)}</title></line>'
        )
    body.append(
        _text(
            left,
            46,
            f"actual {fmt(actual)} · allocated {fmt(allocated)} · budget {fmt(budget)}"
            + (f" · forecast {fmt(forecast)}" if forecast is not None else "")
            + f" {unit}",
            size=11,
            fill=MUTED,
        )
    )
    return _svg(width, height, title, body)


def sparkline(
    values: Sequence[float | None], title: str, *, width: int = 160, height: int = 32
) -> str:
    """A small line over months; gaps where a month has no data."""
    pts = [v for v in values if v is not None]
    vmax = max(pts, default=0.0) or 1.0
    n = max(len(values) - 1, 1)
    segs, cur = [], []
    for i, v in enumerate(values):
        if v is None:
            if cur:
                segs.append(cur)
            cur = []
            continue
        cur.append(f"{2 + (width - 4) * i / n:.1f},{height - 3 - (height - 6) * v / vmax:.1f}")
    if cur:
        segs.append(cur)
    body = [
        f'<polyline points="{" ".join(s)}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.5"/>'
        for s in segs
        if len(s) > 1
    ]
    body += [
        f'<circle cx="{s[0].split(",")[0]}" cy="{s[0].split(",")[1]}" r="1.5" fill="{PALETTE[0]}"/>'
        for s in segs
        if len(s) == 1
    ]
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )
