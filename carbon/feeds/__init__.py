"""Data feeds and completeness: whether a month has every file it needs.

- `records.py`: a declared feed, an import and what it holds, as the rules see them.
- `rules.py`: received, missing or partial per feed and month; the verdict records (pure).
- `store.py`: tables and queries of feeds and of the imports attributed to them.
- `service.py`: declare, list and remove feeds; each month's completeness, end to end.
"""
