"""Cloud billing exports (AWS CUR, GCP billing export, Azure cost details) to ledger entries, at
Cloud Carbon Footprint parity.

Pipeline: `exports.py` reads a bill in chunks -> `classify.py` (with `classify_gcp.py`,
`classify_azure.py`) sorts each distinct usage line into a CCF usage class -> `ccf_method.py`
turns usage into kWh and embodied emissions (pure) -> `allocation.py` names each line's team ->
`importer.py` writes one batch (atomic, idempotent).

- `exports.py`: readers of billing exports, in normalised chunks (bounded memory).
- `classify.py`: usage lines sorted into CCF usage classes, and how each is estimated.
- `classify_gcp.py`, `classify_azure.py`: the same for GCP and Azure lines.
- `ccf_method.py`: CCF's energy formulas, vectorised (pure).
- `tables.py`: CCF's constant tables, as data (`data/*.csv`).
- `allocation.py`: allocation rules (RULES.toml): each bill line's team.
- `overlap.py`: a bill whose usage lines are already in the ledger from another import.
- `importer.py`: `carbon import cloud-billing`, end to end.
- `ccf_estimates.py`: `carbon import ccf-estimates`: CCF's own results, allocated to teams.
"""
