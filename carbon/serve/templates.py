"""The pages' Jinja2 templates (autoescaped: every value is escaped; charts are the pack's SVG,
built from escaped text, and marked safe)."""

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}carbon{% endblock %}</title>
<link rel="stylesheet" href="/static/style.css"></head>
<body><nav><a href="/">Company</a>{% if viewer and viewer.team %}<a href="{{ viewer.team|teamurl }}">{{ viewer.team }}</a>
{% elif viewer %}<a href="/scenarios">Scenarios</a>{% endif %}<a href="/login">Log in</a></nav>
<main>{% block main %}{% endblock %}</main></body></html>
"""

PICKER = """<form class="inline" method="get"><label for="month">Month</label>
<select id="month" name="month">{% for m in months|reverse %}<option{% if m == month %} selected{% endif %}>{{ m }}</option>{% endfor %}</select>
<button type="submit">Show</button></form>"""

COMPANY = """{% extends "base.html" %}{% block title %}carbon · {{ month }}{% endblock %}{% block main %}
<h1>Company, {{ month }}</h1>
{% include "picker.html" %}
<div class="cards"><div class="card"><div class="muted">Company total</div>
<div class="big" id="company-total">{{ total|kg }}</div><div class="muted">kg CO2e</div></div>
<div class="card"><div class="muted">Data</div><div><span class="badge {{ completeness.status }}" id="completeness">{{ completeness.status }}</span></div>
<div class="muted">{% if completeness.status == "incomplete" %}not the whole month{% elif completeness.status == "unknown" %}no feed to check{% else %}every feed received{% endif %}</div></div></div>
{% if completeness.status == "incomplete" %}<p class="note">{{ headline or (month ~ " is incomplete: a data feed is missing or partial; its figures are not the whole month.") }}</p>{% endif %}
{% if feeds %}<p class="muted">Feeds: {% for f in feeds %}<span class="badge {{ f.state }}" title="{{ f.detail }}">{{ f.feed }}: {{ f.state }}</span> {% endfor %}<a href="/feeds">matrix</a></p>{% endif %}
{% if chart %}<h2>Trend</h2>{{ chart|safe }}{% endif %}
<h2>Teams</h2>
<div class="scroll"><table><thead><tr><th>Team</th><th class="num">kg CO2e</th><th>Budget status</th></tr></thead><tbody>
{% for t in teams %}<tr><td><a href="{{ t.team|teamurl }}?month={{ month }}">{{ t.team }}</a></td>
<td class="num">{{ t.total|kg }}</td><td>{% if t.team in statuses %}<span class="badge {{ statuses[t.team] }}">{{ statuses[t.team]|replace("_", " ") }}</span>{% else %}<span class="muted">no budget</span>{% endif %}</td></tr>
{% endfor %}</tbody></table></div>
{{ intensity|safe }}
{% endblock %}"""

TEAM = """{% extends "base.html" %}{% block title %}carbon · {{ team }}{% endblock %}{% block main %}
<h1>{{ team }}, {{ month }}</h1>
{% include "picker.html" %}
<div class="cards"><div class="card"><div class="muted">This month</div>
<div class="big" id="team-total">{{ (row.total if row else None)|kg }}</div><div class="muted">kg CO2e</div></div>
{% if status %}<div class="card"><div class="muted">Budget status</div><div class="big"><span class="badge {{ status.status }}">{{ status.status|replace("_", " ") }}</span></div>
<div class="muted">actual {{ "%.1f"|format(status.actual_to_date / per) }} of {{ "%.1f"|format(status.budget / per) }} {{ unit }}</div></div>{% endif %}</div>
<h2>Budget burn-down</h2>
{% if status %}{{ bar|safe }}
<table><tbody><tr><th>Actual to date</th><td class="num">{{ "%.2f"|format(status.actual_to_date / per) }} {{ unit }}</td></tr>
<tr><th>Allocated to date</th><td class="num">{{ "%.2f"|format(status.allocated_to_date / per) }} {{ unit }}</td></tr>
<tr><th>Budget covered</th><td class="num">{{ "%.2f"|format(status.budget_covered / per) }} {{ unit }}</td></tr>
<tr><th>Forecast (band)</th><td class="num">{% if status.forecast is none %}none{% else %}{{ "%.2f"|format(status.forecast / per) }}{% if status.forecast_low is not none %} ({{ "%.2f"|format(status.forecast_low / per) }}–{{ "%.2f"|format(status.forecast_high / per) }}){% endif %} {{ unit }}{% endif %}</td></tr>
</tbody></table>{% else %}<p class="muted">No budget for this team and year.</p>{% endif %}
<h2>Months</h2>{{ chart|safe }}
<div class="scroll"><table><thead><tr><th>Month</th><th class="num">kg CO2e</th></tr></thead><tbody>
{% for m, v in history %}<tr><td>{{ m }}</td><td class="num">{{ v|kg }}</td></tr>{% endfor %}</tbody></table></div>
{% if row %}<h2>By category and scope</h2>
<div class="scroll"><table><thead><tr><th>Category</th><th>Scope</th><th class="num">kg CO2e</th></tr></thead><tbody>
{% for (cat, scope), kg in row.by_category_scope|dictsort %}<tr><td>{{ cat }}</td><td>{{ scope }}</td><td class="num">{{ kg|kg }}</td></tr>{% endfor %}
</tbody></table></div>{% endif %}
<h2>Biggest sources</h2>
<div class="scroll"><table><thead><tr><th>Activity</th><th class="num">kg CO2e</th></tr></thead><tbody>
{% for activity, kg in top %}<tr><td>{{ activity }}</td><td class="num">{{ kg|kg }}</td></tr>{% endfor %}</tbody></table></div>
<h2>Entries behind the figures</h2>
<p class="muted">Quantity × factor = kg CO2e, as <code>carbon report sources</code>.</p>
{% if sources is none %}{% if row %}<p><a href="{{ team|teamurl }}?month={{ month }}&amp;entries=1#sources">Show the entries behind {{ month }}</a></p>{% endif %}{% else %}
<div class="scroll"><table id="sources"><thead><tr><th>Activity</th><th class="num">Quantity</th><th>× Factor</th><th class="num">= kg</th><th>Source</th><th>Import</th></tr></thead><tbody>
{% for s in sources %}<tr><td>{{ s.activity }}</td><td class="num">{{ "%.3f"|format(s.quantity) }} {{ s.quantity_unit }}</td>
<td>{{ "%.4g"|format(s.value) }} {{ s.unit }}</td><td class="num">{{ s.co2e_kg|kg }}</td>
<td>{{ s.region or "any" }} {{ s.year }} · {{ s.source }}</td><td>#{{ s.import_id }} {{ s.import_source }}</td></tr>{% endfor %}
</tbody></table></div>{% endif %}
{% endblock %}"""

YEAR = """{% extends "base.html" %}{% block title %}carbon · {{ year }}{% endblock %}{% block main %}
<h1>Inventory {{ year }}</h1>
<p><a href="?format=xlsx">Download the workbook (XLSX)</a> · <a href="/api/v1/report/year?year={{ year }}">JSON</a></p>
<div class="cards"><div class="card"><div class="muted">Total, location-based</div>
<div class="big" id="year-total">{{ d.total|kg }}</div><div class="muted">kg CO2e{% if d.progress %} · {{ d.progress }}{% endif %}</div></div></div>
{% if d.incomplete_months %}<p class="note">Incomplete months: {% for c in d.incomplete_months %}{{ c.month }} ({{ c.missing|join(", ") }} missing){% if not loop.last %}; {% endif %}{% endfor %}. Their figures are not the whole month.</p>{% endif %}
{% if d.months_without_data %}<p class="note">Months without data (unknown, not zero): {{ d.months_without_data|join(", ") }}</p>{% endif %}
{% if d.months_not_over %}<p class="muted">Not counted yet (not over): {{ d.months_not_over|join(", ") }}</p>{% endif %}
<h2>By month</h2>
<div class="scroll"><table><thead><tr><th>Month</th><th class="num">kg CO2e</th><th class="num">scope 2 location-based</th><th class="num">scope 2 market-based</th></tr></thead><tbody>
{% for m, kg in d.by_month.items() %}{% set s2 = d.scope2.by_month.get(m, {}) %}<tr><td>{{ m }}</td><td class="num">{{ kg|kg }}</td>
<td class="num">{{ s2.get("location_kg")|kg }}</td><td class="num">{{ s2.get("market_kg")|kg }}</td></tr>{% endfor %}
</tbody></table></div>
<h2>By team</h2>
<div class="scroll"><table><thead><tr><th>Team</th><th class="num">kg CO2e</th></tr></thead><tbody>
{% for t, kg in d.by_team.items() %}<tr><td>{{ t }}</td><td class="num">{{ kg|kg }}</td></tr>{% endfor %}
</tbody></table></div>
<h2>By category and GHG scope</h2>
<div class="scroll"><table><thead><tr><th>Category</th><th class="num">kg CO2e</th></tr></thead><tbody>
{% for c, kg in d.by_category.items() %}<tr><td>{{ c }}</td><td class="num">{{ kg|kg }}</td></tr>{% endfor %}
{% for sc, kg in d.by_scope.items() %}<tr><td>scope {{ sc }}</td><td class="num">{{ kg|kg }}</td></tr>{% endfor %}
</tbody></table></div>
<h2>Scope 2, both methods (never added together)</h2>
<div class="scroll"><table><thead><tr><th>Method</th><th class="num">kg CO2e</th><th>Boundary</th></tr></thead><tbody>
<tr><td>location-based</td><td class="num">{{ d.scope2.location_kg|kg }}</td><td>{{ d.scope2.location_boundary|join("; ") }}</td></tr>
<tr><td>market-based</td><td class="num">{{ d.scope2.market_kg|kg }}</td><td>{{ d.scope2.market_boundary|join("; ") }}</td></tr>
</tbody></table></div>
{% if d.by_scope3_category %}<h2>Scope 3 by category</h2>
<div class="scroll"><table><thead><tr><th>GHG Protocol category</th><th class="num">kg CO2e</th></tr></thead><tbody>
{% for c, kg in d.by_scope3_category.items() %}<tr><td>{{ c or "not classified" }}</td><td class="num">{{ kg|kg }}</td></tr>{% endfor %}
</tbody></table></div>{% endif %}
{% if d.by_gas %}<h2>Scopes 1 and 2 by gas</h2>
<div class="scroll"><table><thead><tr><th>Scope</th><th class="num">CO2</th><th class="num">CH4</th><th class="num">N2O</th><th class="num">HFCs</th><th class="num">other</th><th class="num">not split</th></tr></thead><tbody>
{% for sc, g in d.by_gas.items() %}<tr><td>scope {{ sc }}</td><td class="num">{{ g.co2|kg }}</td><td class="num">{{ g.ch4|kg }}</td><td class="num">{{ g.n2o|kg }}</td><td class="num">{{ g.hfcs|kg }}</td><td class="num">{{ g.other|kg }}</td><td class="num">{{ g.not_split|kg }}</td></tr>{% endfor %}
</tbody></table></div>{% endif %}
{% if d.intensity %}<h2>Intensity</h2>
<div class="scroll"><table><thead><tr><th>Metric</th><th class="num">value</th><th class="num">kg CO2e per unit</th></tr></thead><tbody>
{% for i in d.intensity %}<tr><td>{{ i.label }}</td><td class="num">{{ i.value|kg }}</td><td class="num">{% if i.kg_per_unit is none %}{{ i.note }}{% else %}{{ "%.4f"|format(i.kg_per_unit) }}{% endif %}</td></tr>{% endfor %}
</tbody></table></div>{% endif %}
{% if d.year_on_year %}<p class="muted">Against {{ d.year - 1 }}: {{ d.year_on_year.previous_kg|kg }} kg{% if d.year_on_year.change_pct is not none %} ({{ "%+.1f"|format(d.year_on_year.change_pct) }} %){% endif %}{% if d.like_for_like %}; like for like over {{ d.like_for_like.months|length }} months: {% if d.like_for_like.change_pct is not none %}{{ "%+.1f"|format(d.like_for_like.change_pct) }} %{% else %}no change figure{% endif %}{% endif %}.</p>{% endif %}
{% endblock %}"""

FEEDS = """{% extends "base.html" %}{% block title %}carbon · data feeds{% endblock %}{% block main %}
<h1>Data feeds</h1>
<p class="muted">What a complete month needs, month by month ('carbon feeds status').{% if data.inferred %}
No feed is declared: inferred from history (a source present in each of the three previous months).{% endif %}
<a href="/api/v1/feeds">JSON</a></p>
{% if not data.months %}<p class="note">No data yet.</p>{% else %}
<div class="scroll"><table><thead><tr><th>feed</th><th>kind</th>{% for m in data.months %}<th>{{ m }}</th>{% endfor %}</tr></thead>
<tbody>{% for f in data.feeds %}<tr><td>{{ f.feed }}</td><td>{{ f.kind }}</td>
{% for m in data.months %}{% set c = f.months.get(m) %}<td title="{{ c.detail if c else '' }}">{{ c.state if c else "" }}</td>{% endfor %}
</tr>{% endfor %}</tbody></table></div>{% endif %}
{% endblock %}"""

SCENARIOS = """{% extends "base.html" %}{% block title %}carbon · scenarios{% endblock %}{% block main %}
<h1>Scenarios</h1>
{% if not configured %}<p class="note">No scenario files: name them in the config's <code>[pack] scenarios</code>
and start <code>carbon serve --config FILE</code>.</p>
{% elif month is none %}<p class="note">No data yet.</p>
{% else %}<p class="muted">Each scenario run with the months recorded through {{ month }}; nothing is written.</p>
{{ section|safe }}{% endif %}
{% endblock %}"""

ERROR = """{% extends "base.html" %}{% block main %}<h1>{{ status }}</h1><p>{{ message }}</p>
{% for p in problems %}<p class="muted">{{ p }}</p>{% endfor %}{% endblock %}"""

LOGIN = """{% extends "base.html" %}{% block title %}carbon · log in{% endblock %}{% block main %}
<h1>Log in</h1>{% if message %}<p class="note">{{ message }}</p>{% endif %}
<form method="post" action="/login"><label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Log in</button></form>
<p class="muted">A token comes from whoever runs carbon: <code>carbon tokens add NAME --team TEAM</code>.</p>
{% endblock %}"""

TEMPLATES = {
    "base.html": BASE,
    "picker.html": PICKER,
    "company.html": COMPANY,
    "team.html": TEAM,
    "year.html": YEAR,
    "scenarios.html": SCENARIOS,
    "feeds.html": FEEDS,
    "error.html": ERROR,
    "login.html": LOGIN,
}
