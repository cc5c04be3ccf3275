"""Scope 2 both ways: location-based (the ledger) and market-based (contractual instruments and
the residual mix).

- `records.py`: a contractual instrument.
- `rules.py`: the two methods side by side (pure).
- `file.py`: energy-attribute files (guarantees of origin, PPAs) parsed (pure).
- `residual_mix.py`: the shipped residual-mix factors.
- `store.py`: tables and queries of instruments and the metered electricity they cover.
- `service.py`: energy-attribute files become imports; market-based scope 2 gathered.
- `view.py`: scope 2 both ways for reports, read from the store.
"""
