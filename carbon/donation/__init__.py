"""The annual offset donation: the year's emissions x a carbon price, with its method stated.

- `records.py`: a signed-off donation.
- `rules.py`: the donation per team and its method (pure).
- `store.py`: tables and queries of donation sign-offs.
- `service.py`: compute, sign off (closing the year) and list sign-offs, end to end.
"""
