"""The pack's report.html: one self-contained page (inline CSS, inline SVG, no script, no fetch).

Readable on a phone (fluid width, charts scale with their viewBox, wide
tables scroll sideways) and printable (print rules drop the shading and keep
each team on one page where it fits). Every text from the data — team
names, activity keys, sources — goes through html.escape, and a
Content-Security-Policy forbids scripts and any network fetch, so even a
team named <script>…</script> can only ever be shown as text.
"""

from __future__ import annotations

import calendar

from carbon.core.figures import share
from carbon.core.text import html_escape as escape
from carbon.pack.records import PackData, factor_sources
from carbon.report import intensity as intensity_view
from carbon.report import scenario as scenario_view
from carbon.report import svg
from carbon.report.monthly import display_unit
from carbon.report.style import CSP, CSS

STATUS_LABELS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "over": "over budget",
    "no_data": "no data",
}


def month_title(month: str) -> str:
    """ "2026-10" -> "October 2026"."""
    return f"{calendar.month_name[int(month[5:7])]} {month[:4]}"


def short_month(month: str) -> str:
    """ "2026-10" -> "Oct 26" (chart labels)."""
    return f"{calendar.month_abbr[int(month[5:7])]} {month[2:4]}"


class _Units:
    """Figures in t CO2e when the company's months are large, else kg (one unit for the page)."""

    def __init__(self, kg_values: list[float]):
        self.name, self.div = display_unit(kg_values)

    def __call__(self, kg: float | None) -> float | None:
        return None if kg is None else kg / self.div

    def fmt(self, kg: float | None) -> str:
        return "—" if kg is None else svg.fmt(kg / self.div)


def _change(now: float, before: float | None) -> str:
    if before is None:
        return "no data to compare"
    if before == 0:
        return "—"
    pct = 100 * (now - before) / before
    return f"{pct:+.1f}%"


def render(data: PackData) -> str:
    """The whole page for `data` (a str of HTML5)."""
    rep = data.report
    u = _Units([kg for _, kg in data.trend if kg is not None] + [rep.total])
    title = f"Carbon report · {month_title(data.month)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>",
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(_subtitle(data))}</p></header>',
    ]
    parts += _summary(data, u)
    parts += _notes(data)
    parts += _company(data, u)
    parts += intensity_view.html_section(data.intensity)
    if data.budget is not None:
        parts += _budget_table(data, u)
    parts += _teams(data, u)
    parts += scenario_view.html_section(data.levers)
    if data.donation_line:
        parts += _donation(data)
    parts += _footer(data)
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _subtitle(data: PackData) -> str:
    bits = [f"Generated {data.generated_at:%Y-%m-%d %H:%M} UTC"]
    if data.revision:
        bits.append(f"revision {data.revision}")
        if data.reissue_reason:
            bits.append(f"re-issued: {data.reissue_reason}")
    else:
        bits.append("on-demand pack")
    if data.period_status:
        bits.append("month closed" if data.closed else "month open")
    bits.append(f"carbon {data.tool_version}")
    return " · ".join(bits)


def _summary(data: PackData, u: _Units) -> list[str]:
    rep = data.report
    by_month = dict(data.trend)
    prev = by_month.get(_prev(data.month))
    last_year = data.trend[0][1] if len(data.trend) == 13 else None
    with_data = [t for t in rep.teams if t.entries]
    cards = [
        ("Company total", f"{u.fmt(rep.total)} {u.name}", month_title(data.month)),
        (
            "vs previous month",
            _change(rep.total, prev),
            f"{u.fmt(prev)} {u.name}" if prev is not None else "",
        ),
        (
            "vs same month last year",
            _change(rep.total, last_year),
            f"{u.fmt(last_year)} {u.name}" if last_year is not None else "",
        ),
        ("Teams reporting", f"{len(with_data)} of {len(rep.teams)}", ""),
    ]
    if data.budget is not None:
        counts = {s: sum(1 for t in data.budget.teams if t.status == s) for s in STATUS_LABELS}
        cards.append(
            (
                "Budgets " + str(data.budget.year),
                " · ".join(f"{n} {STATUS_LABELS[s]}" for s, n in counts.items() if n) or "none",
                f"at {month_title(data.month)}",
            )
        )
    out = ['<section class="cards">']
    for label, big, small in cards:
        out.append(
            f'<div class="card"><div class="muted">{escape(label)}</div>'
            f'<div class="big">{escape(big)}</div><div class="muted">{escape(small)}</div></div>'
        )
    out.append("</section>")
    return out


def _prev(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y - 1:04d}-12" if m == 1 else f"{y:04d}-{m - 1:02d}"


def _notes(data: PackData) -> list[str]:
    # the running month's "not over: its figures are partial" first (report.json's "partial")
    notes = list(data.report.warnings)
    notes += ([data.period_status] if data.period_status else []) + list(data.notes)
    if data.budget is not None:
        notes += list(data.budget.warnings)
    return [f'<p class="note">{escape(n)}</p>' for n in notes]


def _company(data: PackData, u: _Units) -> list[str]:
    rep = data.report
    last12 = data.trend[-12:]
    out = [
        "<section><h2>Company</h2>",
        "<h3>Trend over the last 12 months</h3>",
        svg.column_chart(
            [(short_month(m), u(kg)) for m, kg in last12],
            f"Company emissions per month, {last12[0][0]} to {last12[-1][0]}",
            u.name,
        ),
    ]
    cats: dict[str, float] = {}
    scopes: dict[str, float] = {}
    for t in rep.teams:
        for c, kg in t.by_category.items():
            cats[c] = cats.get(c, 0.0) + kg
        for s, kg in t.by_scope.items():
            scopes[s] = scopes.get(s, 0.0) + kg
    items = sorted(cats.items(), key=lambda x: -x[1])
    out.append(f"<h3>{escape(month_title(data.month))} by category</h3>")
    out.append(
        svg.hbar_chart(
            [(c, u(kg)) for c, kg in items], f"Company emissions by category, {data.month}", u.name
        )
    )
    out.append(
        '<div class="scroll"><table><thead><tr><th>Team</th><th class="num">'
        f'{escape(u.name)}</th><th class="num">Share</th><th>Last 12 months</th></tr></thead><tbody>'
    )
    for t in sorted(rep.teams, key=lambda t: -t.total):
        if not t.entries:
            continue
        pct = share(t.total, rep.total)
        spark = svg.sparkline(
            list(data.team_trend.get(t.team, ()))[-12:], f"{t.team}: last 12 months"
        )
        out.append(
            f'<tr><td>{escape(t.team)}</td><td class="num">{escape(u.fmt(t.total))}</td>'
            f'<td class="num">{escape(pct)}</td><td>{spark}</td></tr>'
        )
    out.append(
        f'<tr><th>Company</th><th class="num">{escape(u.fmt(rep.total))}</th>'
        '<th class="num">100%</th><th></th></tr></tbody></table></div>'
    )
    scope_txt = " · ".join(
        f"scope {escape(s)}: {escape(u.fmt(kg))} {escape(u.name)}"
        for s, kg in sorted(scopes.items())
    )
    out.append(f'<p class="muted">By GHG Protocol scope: {scope_txt}</p></section>')
    return out


def _budget_table(data: PackData, u: _Units) -> list[str]:
    from carbon.budgets.rules import FORECAST_RULE, NO_DATA

    b = data.budget
    through = b.counted_through or b.month
    not_over = (
        f" ({escape(b.month)} is not over: its data so far is not counted)"
        if through != b.month
        else ""
    )
    out = [
        f"<section><h2>Budgets {b.year}: actual vs budget to date</h2>",
        f'<p class="muted">Counted through {escape(through)}{not_over}.</p>',
        '<div class="scroll"><table><thead><tr><th>Team</th>'
        + "".join(
            f'<th class="num">{escape(h)} ({escape(u.name)})</th>'
            for h in ("Budget", "Allocated to date", "Actual to date", "Forecast")
        )
        + "<th>Status</th></tr></thead><tbody>",
    ]
    for t in b.teams:
        # A team counted from a later month is judged against the budget's share of its months.
        budget = escape(u.fmt(t.budget_covered if t.status != NO_DATA else t.budget))
        if t.counted_from is not None and t.budget_covered != t.budget:
            budget += (
                f'<br><span class="muted">from {escape(t.counted_from)}, of '
                f"{escape(u.fmt(t.budget))}</span>"
            )
        out.append(
            f"<tr><td>{escape(t.team)}</td>"
            f'<td class="num">{budget}</td>'
            f'<td class="num">{escape(u.fmt(t.allocated_to_date) if t.status != NO_DATA else "—")}</td>'
            f'<td class="num">{escape(u.fmt(t.actual_to_date) if t.status != NO_DATA else "no data")}</td>'
            f'<td class="num">{escape(u.fmt(t.forecast))}</td>'
            f'<td><span class="badge {escape(t.status)}">{escape(STATUS_LABELS.get(t.status, t.status))}'
            "</span></td></tr>"
        )
    for name, kg in b.teams_without_budget:
        fc = b.unbudgeted.get(name, (None, None))[0]
        out.append(
            f'<tr><td>{escape(name)}</td><td class="num" colspan="2">no budget</td>'
            f'<td class="num">{escape(u.fmt(kg))}</td><td class="num">{escape(u.fmt(fc))}</td>'
            "<td></td></tr>"
        )
    if b.company is not None:
        co = b.company
        since = (
            f'<br><span class="muted">from {escape(co.counted_from)}</span>'
            if co.counted_from and not co.counted_from.endswith("-01")
            else ""
        )
        annual = (
            f'<br><span class="muted">annual {escape(u.fmt(co.budget))}</span>'
            if co.budget is not None
            else ""
        )
        out.append(
            f'<tr><th>Company</th><td class="num">{escape(u.fmt(co.budget_covered))}{annual}{since}</td>'
            f'<td class="num">—</td><td class="num">{escape(u.fmt(co.actual_to_date))}</td>'
            f'<td class="num">{escape(u.fmt(co.forecast))}</td><td></td></tr>'
        )
    out.append("</tbody></table></div>")
    out.append(
        '<p class="muted">Allocated to date = budget × the profile’s weights of the months counted; '
        "forecast = actual to date × weights of the months from the first data to December ÷ weights "
        "of the months counted (the company: the sum of the teams, the same figure as the donation). "
        "Over: actual to date above the budget; at risk: forecast above the budget; no data: no "
        f"verdict. Unknown months: {escape(FORECAST_RULE)}.</p></section>"
    )
    return out


def _teams(data: PackData, u: _Units) -> list[str]:
    rep = data.report
    statuses = {t.team: t for t in data.budget.teams} if data.budget is not None else {}
    out = ["<section><h2>Teams</h2>"]
    for t in sorted(rep.teams, key=lambda t: -t.total):
        if not t.entries:
            continue
        of_company = f" · {share(t.total, rep.total)} of the company" if rep.total else ""
        st = statuses.get(t.team)
        badge = (
            f'<span class="badge {escape(st.status)}">{escape(STATUS_LABELS.get(st.status, st.status))}</span>'
            if st
            else ""
        )
        out.append(
            f'<article class="team"><div class="team-head"><h3>{escape(t.team)}</h3>{badge}</div>'
        )
        out.append(
            f"<p><strong>{escape(u.fmt(t.total))} {escape(u.name)}</strong> in "
            f"{escape(month_title(data.month))}{escape(of_company)}</p>"
        )
        if st is not None:
            out.append(
                svg.budget_bar(
                    u(st.actual_to_date),
                    u(st.allocated_to_date),
                    u(st.budget_covered),
                    st.status,
                    f"{t.team}: actual vs budget to date",
                    u.name,
                    forecast=u(st.forecast),
                )
            )
        elif data.budget is not None:
            out.append('<p class="muted">No budget for this team this year.</p>')
        cats = sorted(t.by_category.items(), key=lambda x: -x[1])
        out.append(
            svg.hbar_chart(
                [(c, u(kg)) for c, kg in cats], f"{t.team}: emissions by category", u.name
            )
        )
        top = data.top_sources.get(t.team, ())
        if top:
            out.append(
                '<div class="scroll"><table><thead><tr><th>Top sources</th>'
                f'<th class="num">{escape(u.name)}</th><th class="num">Share</th></tr></thead><tbody>'
            )
            for activity, kg in top:
                pct = share(kg, t.total) if t.total else "—"
                out.append(
                    f'<tr><td><code>{escape(activity)}</code></td><td class="num">{escape(u.fmt(kg))}</td>'
                    f'<td class="num">{escape(pct)}</td></tr>'
                )
            out.append("</tbody></table></div>")
        out.append("</article>")
    silent = [t.team for t in rep.teams if not t.entries]
    if silent:
        out.append(
            f'<p class="note">No emissions recorded this month for: {escape(", ".join(silent))} '
            "(missing data, not zero).</p>"
        )
    out.append("</section>")
    return out


def _donation(data: PackData) -> list[str]:
    link = (
        ' The one-page summary is <a href="donation.html">donation.html</a>, beside this report.'
        if data.donation_html is not None
        else ""
    )
    return [
        f"<section><h2>Offset donation {escape(data.month[:4])}</h2>",
        f"<p>{escape(data.donation_line)}.{link}</p></section>",
    ]


def _scope2_method(data: PackData) -> list[str]:
    """Scope 2 location- and market-based: the method, and this month's two figures (never added)."""
    from carbon.scope2 import rules as scope2

    out = [
        "<h3>Scope 2: location-based and market-based</h3>",
        "<p>The figures of this report are location-based: grid electricity times the average "
        "emission factor of its region. The GHG Protocol Scope 2 Guidance also asks for the "
        "market-based figure: the MWh covered by contractual instruments (guarantees of origin, RECs, "
        "PPAs, supplier-specific factors; <code>carbon import energy-attributes</code>) times their "
        "factor, plus the uncovered MWh times the country’s residual mix (AIB European Residual "
        "Mixes, CO2 only). The two are alternatives, never added together. Only grid electricity is "
        "scope 2: cloud electricity is the provider’s scope 2 and the customer’s scope 3 (category 1). "
        "Where a residual mix is missing, there is no market-based figure, never 0.</p>",
    ]
    found = data.report.scope2
    if found:
        loc, market = scope2.total(found)
        shown = svg.fmt(market) if market is not None else "no figure"
        loc_b, market_b = scope2.boundaries(found)
        out.append(
            f"<p>This month: location-based {escape(svg.fmt(loc))} kg CO2e "
            f"({escape(', '.join(loc_b) or scope2.UNSTATED)}); market-based "
            f"{escape(shown)}{' kg CO2e' if market is not None else ''}"
            f"{' (' + escape(', '.join(market_b)) + ')' if market_b else ''}. Part of a gap between "
            "them can be the boundary (lifecycle against direct CO2), not the market.</p>"
        )
        for n in scope2.notes_of({(s.team, s.month): s for s in found}):
            out.append(f'<p class="note">{escape(n)}</p>')
        mixes = scope2.mixes_used({(s.team, s.month): s for s in found})
        if mixes:
            out.append(
                '<p class="muted">Residual mixes used: '
                + escape(
                    "; ".join(
                        f"{m.country} {m.year}: {m.kg_per_kwh * 1000:g} g CO2e/kWh ({m.source})"
                        for m in mixes
                    )
                )
                + "</p>"
            )
    return out


def _footer(data: PackData) -> list[str]:
    out = [
        "<footer><h2>Methodology and sources</h2>",
        "<p>Each ledger entry is an activity quantity (converted with pint to the factor’s unit) "
        "times an emission factor chosen by activity key, region and vintage (the latest vintage "
        "not after the activity’s year). Figures are CO2e; scopes follow the GHG Protocol. Months "
        "without any entry are shown as “no data”, never as zero. Budget forecasts and bands use "
        "the factors’ stated uncertainty (category defaults otherwise), combined in quadrature.</p>",
        "<p>Scope-3 entries carry their GHG Protocol category: 3.1 purchased goods and services (cloud, "
        "colocation), 3.3 fuel- and energy-related activities (upstream and transmission &amp; distribution "
        "losses of electricity), 3.6 business travel, 3.7 employee commuting, 3.11 use of sold products "
        "(viewers’ streaming). A lifecycle electricity factor that states its parts is split: generation "
        "is scope 2, upstream and T&amp;D losses scope 3 category 3.3; a source that publishes no split "
        "(ADEME, Ember, Electricity Maps) is booked whole as scope 2, as its boundary says. Factors marked "
        "“CO2 only” (IEA, EEA) omit CH4 and N2O.</p>",
        *_scope2_method(data),
        "<h3>Emission-factor sources used this month</h3>",
        '<div class="scroll"><table><thead><tr><th>Source</th><th>Vintages</th><th class="num">Factors</th>'
        '<th class="num">kg CO2e</th><th>Boundary</th></tr></thead><tbody>',
    ]
    for s in factor_sources(data.factors):
        out.append(
            f"<tr><td>{escape(s['source'])}</td><td>{escape(', '.join(map(str, s['vintages'])))}</td>"
            f'<td class="num">{s["factors"]}</td><td class="num">{escape(svg.fmt(s["co2e_kg"]))}</td>'
            f"<td>{escape('; '.join(s['boundaries']))}</td></tr>"
        )
    out.append("</tbody></table></div>")
    # Only the imports behind this month's figures; those that feed the trend alone are in the manifest.
    used = [b for b in data.inputs if b["entries_in_month"]]
    trend_only = len(data.inputs) - len(used)
    out.append(f"<h3>Inputs of {escape(month_title(data.month))}</h3>")
    out.append(
        '<div class="scroll"><table><thead><tr><th>Import</th><th>Source</th><th>Content SHA-256</th>'
        '<th class="num">kg CO2e this month</th></tr></thead><tbody>'
    )
    for b in used:
        out.append(
            f'<tr><td class="num">{b["id"]}</td><td>{escape(b["source_name"])}</td>'
            f"<td><code>{escape(b['content_hash'][:16])}…</code></td>"
            f'<td class="num">{escape(svg.fmt(b["co2e_kg_in_month"]))}</td></tr>'
        )
    out.append("</tbody></table></div>")
    if trend_only:
        out.append(
            f'<p class="muted">{trend_only} other import{"s feed" if trend_only != 1 else " feeds"} '
            "only the trend of the previous months (listed in manifest.json).</p>"
        )
    out.append(
        '<p class="muted">manifest.json beside this page lists every factor (value, unit, vintage, '
        "source reference) and every input with its full content hash. Data fingerprint "
        f"<code>{escape(data.data_fingerprint[:16])}</code>.</p></footer>"
    )
    return out
