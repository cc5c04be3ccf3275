"""Reading and validating input files (pure: no database, no terminal).

- `csvfile.py`: reading a CSV safely: encoding, delimiter, header, line numbers, chunks.
- `checks.py`: the checks every importer applies to numbers, dates and months.
- `problems.py`: problems found in bulk, kept column-wise.
- `activities.py`: activity rows -> ledger rows (vectorised).
- `coded.py`: a text column as codes into its distinct values (each test runs once per value).
- `page_weight.py`: the `page_weight` column of web page views.
- `survey.py`: a commuting survey -> monthly commuting activity.
- `flights.py`: flights by airport code -> business-travel activity rows.
- `retired.py`: activity of a retired team refused.
"""
