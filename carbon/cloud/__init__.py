"""Cloud billing exports (AWS CUR, GCP billing export, Azure cost details) to ledger entries.

Pipeline: exports.py reads a bill in chunks into one normalised frame per chunk
-> classify.py sorts each distinct usage line into a CCF usage class
-> ccf_method.py turns usage into kWh (pure) -> allocation.py names the team of
each line -> aggregate.py sums per month, team, service, region, class and method
-> importer.py writes one batch through carbon's store (atomic, idempotent).
"""
