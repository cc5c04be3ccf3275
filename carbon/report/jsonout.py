"""JSON as carbon writes it: valid JSON only, never `Infinity` or `NaN`.

Python's `json.dumps` writes a non-finite float as `Infinity` or `NaN`, which no JSON reader
accepts. Every JSON carbon prints or writes goes through `dumps`, which refuses such a figure
with a message naming where it is (the database's CHECK constraints keep it from being stored).
"""

from __future__ import annotations

import json
import math

from carbon.errors import CarbonError


def _first_non_finite(obj, path: str = "") -> tuple[str, float] | None:
    if isinstance(obj, float) and not math.isfinite(obj):
        return path or "(the value)", obj
    items = (
        obj.items()
        if isinstance(obj, dict)
        else enumerate(obj)
        if isinstance(obj, (list, tuple))
        else ()
    )
    for k, v in items:
        found = _first_non_finite(
            v, f"{path}[{k!r}]" if isinstance(k, int) else f"{path}.{k}".lstrip(".")
        )
        if found:
            return found
    return None


def dumps(obj, **options) -> str:
    """`json.dumps(obj, ensure_ascii=False, **options)`, refusing a non-finite figure: CarbonError
    (exit 1) naming the key holding it, instead of writing `Infinity` or `NaN`."""
    try:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False, **options)
    except ValueError:
        where, value = _first_non_finite(obj) or ("a figure", math.nan)
        raise CarbonError(
            f"cannot write JSON: {where} is {value}, not a finite number; JSON has no "
            "infinity or NaN, and a report never shows one (check the data imported for "
            "that figure)"
        ) from None
