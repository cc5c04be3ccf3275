"""Closed periods: a month sent to finance stays as sent, unless restated on purpose.

- `rules.py`: which months a lock covers, restatements, the words of a refusal (pure).
- `store.py`: tables and queries of locks and restatements.
- `service.py`: close and reopen months, lock a signed-off year; the guard every write passes.
"""
