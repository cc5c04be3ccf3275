"""The fuzz profiles shared by tests/test_fuzz.py and tests/test_fuzz_importers.py (docs/integrity.md).

CARBON_FUZZ_PROFILE=ci (the default) runs a few hundred cases in all, under a minute per
backend; CARBON_FUZZ_PROFILE=nightly more than 10,000 per backend. CARBON_FUZZ_CASES=N sets the
cases per importer (a cloud bill layout runs CLOUD_SCALE of it, a bill case costing several
times another).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("CARBON_FUZZ_PROFILE", "ci")
CASES = int(os.environ.get("CARBON_FUZZ_CASES", 0)) or {"ci": 20, "nightly": 800}[PROFILE]
CLOUD_SCALE = 2 / 3


def fuzz_settings(scale: float = 1.0, *, at_least: int = 1):
    """Hypothesis settings of one fuzz test: CASES x `scale` examples (never fewer than
    `at_least`), no deadline, no example database (each run draws afresh)."""
    return settings(
        max_examples=max(at_least, int(CASES * scale)),
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
