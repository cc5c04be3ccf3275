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
<div class="big" id="company-total">{{ total|kg }}</div><div class="muted">kg CO2e</div></div></div>
{% if chart %}<h2>Trend</h2>{{ chart|safe }}{% endif %}
<h2>Teams</h2>
<div class="scroll"><table><thead><tr><th>Team</th><th class="num">kg CO2e</th><th>Budget status</th></tr></thead><tbody>
{% for t in teams %}<tr><td><a href="{{ t.team|teamurl }}?month={{ month }}">{{ t.team }}</a></td>
<td class="num">{{ t.total|kg }}</td><td>{% if t.team in statuses %}<span class="badge {{ statuses[t.team] }}">{{ statuses[t.team]|replace("_", " ") }}</span>{% else %}<span class="muted">no budget</span>{% endif %}</td></tr>
{% endfor %}</tbody></table></div>
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
<pre class="scroll">{{ data|tojson(indent=2) }}</pre>
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
