"""Closed periods: a month sent to finance stays as sent, unless restated on purpose.

- `records.py`: a closed period (month or year) (restatements are shared: carbon/model.py).
- `rules.py`: which months a lock covers, restatements, the words of a refusal (pure).
- `store.py`: tables and queries of locks and restatements.
- `service.py`: close and reopen months, lock a signed-off year; the guard every write passes.
"""
