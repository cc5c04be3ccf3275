"""Business metrics (active users, paid students) and intensities (kg CO2e per unit).

- `records.py`: a metric's definition and its monthly values.
- `rules.py`: metric records and intensity rules (pure).
- `store.py`: tables and queries of metric definitions and monthly values.
- `service.py`: metrics files become imports.
- `intensity.py`: intensities for a month and for a year.
"""
