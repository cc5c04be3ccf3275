"""What-if scenarios: levers (soft mobility, lighter pages, lower video resolution) applied to
the ledger and the forecast, writing nothing.

- `records.py`: the summed ledger entry a what-if computes on.
- `rules.py`: levers applied to entries and to the forecast (pure).
- `file.py`: scenario files (TOML) validated into records (pure).
- `service.py`: run a scenario file against the store, end to end.
"""
