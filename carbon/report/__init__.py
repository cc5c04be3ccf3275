"""Renderers: turn report records into JSON, CSV, terminal tables, HTML or XLSX (no I/O, no store).

- `monthly.py`: the monthly report (JSON contract, CSV, rich table).
- `budget.py`: budget views (JSON contract, the manager's terminal view, check lines).
- `year.py`: the year report (JSON, tidy CSV, rich table, XLSX).
- `donation.py`: the donation (JSON, rich tables, sign-off); `journal.py`: its journal CSV.
- `prices.py`: carbon prices (JSON, CSV, rich table).
- `scenario.py`: a scenario's result (JSON, terminal table).
- `intensity.py`: intensities (terminal table, HTML section).
- `disclosure.py`: a disclosure (JSON, CSV, rich table, XLSX).
- `html.py`: the pack's self-contained report.html; `svg.py`: its inline charts;
  `style.py`: its stylesheet and Content-Security-Policy.
- `jsonout.py`: JSON as carbon writes it (never `Infinity` or `NaN`).
"""
