"""Carbon prices: the shipped, sourced price tables plus the user's own.

- `records.py`: a carbon price.
- `rules.py`: read, validate and merge price tables; choose the price in force (pure).
- `store.py`: tables and queries of imported prices.
- `service.py`: import a price table; the prices in force, end to end.
"""
