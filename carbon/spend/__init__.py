"""Purchases by spend: amounts in money turned into CO2e by spend-based factors.

- `rules.py`: the spend tables (factors/spend/) and the conversion rules (currency, inflation).
- `service.py`: spend files imported as purchases, through the activity import's own path.
"""
