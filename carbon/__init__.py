"""carbon: carbon budgeting and monthly reporting.

A ledger of monthly CO2e per team, computed from activity data and sourced,
versioned emission factors. The library never prints; `carbon/cli.py` and carbon/commands/
render. The front door for Python is `Carbon` (carbon/api.py):

    from carbon import Carbon

    with Carbon.open("sqlite:///carbon.db") as co2:
        print(co2.monthly_report("2026-10").total)

Names are imported on first use (module `__getattr__`), so `import carbon` — and
`carbon --help` — import neither pandas, pint nor Alembic.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# name -> module that defines it: the facade, the records, the errors.
_EXPORTS = {
    "Carbon": "carbon.api",
    # records
    "Factor": "carbon.model",
    "Team": "carbon.model",
    "Batch": "carbon.model",
    "ImportOutcome": "carbon.model",
    "Removal": "carbon.model",
    "TeamMonth": "carbon.model",
    "MonthlyReport": "carbon.model",
    "Feed": "carbon.feeds.records",
    "Completeness": "carbon.feeds.rules",
    "FeedState": "carbon.feeds.rules",
    "FeedMatrix": "carbon.feeds.rules",
    # errors
    "Problem": "carbon.errors",
    "CarbonError": "carbon.errors",
    "InputError": "carbon.errors",
    "UnitError": "carbon.errors",
    "FactorNotFound": "carbon.errors",
    "StoreError": "carbon.errors",
    "NotFound": "carbon.errors",
    "DeliveryError": "carbon.errors",
    "PeriodLocked": "carbon.errors",
    "DonationError": "carbon.errors",
    "DonationNoData": "carbon.errors",
    "PackExists": "carbon.errors",
    "DataChanged": "carbon.errors",
    "Incomplete": "carbon.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'carbon' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
