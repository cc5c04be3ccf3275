"""The monthly report pack: produced on schedule, e-mailed, and verifiable later.

- `records.py`: the pack's records, shared by the builder and the HTML renderer (pure).
- `service.py`: a month's pack — gather the figures, render them, write the files atomically.
- `schedule.py`: the month close: each month's pack exactly once, catching up missed months.
- `delivery.py`: e-mail of a produced pack.
- `verify.py`: replay a pack against the database.
- `store.py`: tables and queries of scheduler runs, packs and deliveries.
"""
