"""The ledger: files become batches of entries, and the views read back from it.

- `service.py`: an import, end to end — a file becomes one batch of entries, written atomically.
- `views.py`: views of the ledger (monthly report, sources), aggregated in SQL.
- `year.py`: the year report (team x category x scope x month, with its totals).
- `duplicates.py`: double counting across imports — row identities and warnings (pure).
- `pools.py`: shared-cost pools split over teams by a key (`--allocation`).
- `workdays.py`: working days of a month for commuting (holidays, closures).
"""
