"""Team carbon budgets: a year's budget per team, actual vs budget, the forecast to year end.

- `records.py`: the plan, each team's budget, a stored plan, a load's outcome.
- `rules.py`: the budget records and rules (allocation to date, verdicts) (pure).
- `file.py`: budget files (TOML) parsed and validated into a plan (pure).
- `target.py`: budgets from a reduction target: pathway and split across teams (pure).
- `forecast.py`: the one year-end forecast, with its band (pure).
- `status.py`: a year's budget status at a month, every team and the company (pure).
- `store.py`: tables and queries of budget plans and budgeted teams.
- `service.py`: load a budget file, and the status of a month, end to end.
"""
