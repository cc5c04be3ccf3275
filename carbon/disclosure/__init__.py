"""Disclosures reconciled from one ledger: ESRS E1, the GHG Protocol table, the BEGES posts.

- `rules.py`: a year's figures shaped into each framework (pure).
- `service.py`: gather a year's figures from the ledger and shape a framework, end to end.
"""
