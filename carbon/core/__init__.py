"""Shared primitives every feature uses: units, the calendar, money, figures for people.

Nothing here imports a feature, the store or a renderer (tests/test_layers.py).

- `units.py`: the one pint registry (with `units.txt`) and vectorised conversion factors.
- `calendar.py`: months, pro-rata spreading of periods, the counted-through month (pure).
- `money.py`: amounts in integer cents, one rounding rule, exact allocation of cents (pure).
- `figures.py`: the one way a number or a share is written in a table or a page.
- `uncertainty.py`: uncertainty bands from the factors' `uncertainty_pct` (pure).
- `text.py`: text from users made safe to show.
- `files.py`: writing an output file whole or not at all.
- `lazy.py`: a module imported on first use (keeps start-up light).
- `limits.py`: the longest text the store keeps per bounded column.
- `suggest.py`: did-you-mean suggestions.
- `spreadsheet.py`: CSV cells safe to open in a spreadsheet.
- `resources.py`: where the shipped data (factors/, budgets/, the demo) lives.
"""
