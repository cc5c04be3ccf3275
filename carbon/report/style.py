"""The report pack's look: one stylesheet and one Content-Security-Policy for every page of a
pack (report.html, donation.html), so the pages read as one document."""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { --ink:#222; --muted:#666; --line:#ddd; --accent:#2f6f8f; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
       color:var(--ink); background:#f6f7f8; }
main { max-width:980px; margin:0 auto; padding:16px; background:#fff; }
h1 { font-size:1.6em; margin:.2em 0; }
h2 { font-size:1.25em; margin:1.6em 0 .5em; border-bottom:2px solid var(--accent); }
h3 { font-size:1.1em; margin:0 0 .4em; }
.sub, .muted { color:var(--muted); font-size:.9em; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(170px,1fr)); gap:10px; margin:12px 0; }
.card { border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
.card .big { font-size:1.5em; font-weight:600; }
.team { border:1px solid var(--line); border-radius:6px; padding:12px; margin:12px 0; break-inside:avoid; }
.team-head { display:flex; flex-wrap:wrap; justify-content:space-between; align-items:center; gap:8px; }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:.92em; }
th, td { padding:4px 8px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; color:#fff; font-size:.85em; white-space:nowrap; }
.on_track { background:#3d8b4f; } .at_risk { background:#c98a0b; } .over { background:#b8322f; }
.no_data { background:#6b6b6b; }
.complete, .received { background:#3d8b4f; } .incomplete, .missing { background:#b8322f; }
.partial { background:#c98a0b; } .unknown { background:#6b6b6b; }
.note { background:#fff7e0; border-left:4px solid #c98a0b; padding:6px 10px; margin:8px 0; }
.flag { color:#b8322f; font-weight:600; }
.signoff { background:#eef5f0; border-left:4px solid #3d8b4f; padding:6px 10px; margin:8px 0; }
svg.chart { display:block; max-width:100%; height:auto; }
footer { margin-top:2em; font-size:.88em; color:#333; }
code { font-size:.9em; word-break:break-all; }
@media (max-width:600px) { main { padding:10px; } body { font-size:14px; } }
@media print {
  body { background:#fff; } main { max-width:none; padding:0; }
  .team, .card { border-color:#999; } h2 { break-after:avoid; } .scroll { overflow:visible; }
  .badge { color:#000; border:1px solid #000; background:none !important; }
}
"""
