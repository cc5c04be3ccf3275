"""carbon: carbon budgeting and monthly reporting.

A ledger of monthly CO2e per team, computed from activity data and sourced,
versioned emission factors. The library never prints; `cli.py` renders.
"""

__version__ = "0.1.0"
