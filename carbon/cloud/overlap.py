"""Cloud bills deduplicated: a bill whose usage lines are already in the ledger from another import.

A usage line's identity is its account (AWS account, GCP project, Azure subscription), usage
period (start, and end where the export has one), service, usage type or SKU, region and
resource (where the export names one), hashed to 64 bits (`line_keys`, vectorised). Each cloud
import stores its distinct identities per month (carbon.store.cloud_lines); a new bill is
compared with those of the months it touches only. Any overlap refuses the bill, naming the
count, the first lines and the earlier import, unless `--replace` of that import (its keys are
then not compared) or `--allow-overlap` (imported, the overlap said in a warning). A re-export
of the same bill with one timestamp changed has a new content hash, but every other line still
overlaps: refused.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from carbon.core.limits import FIRST_LINES
from carbon.errors import InputError, Problem
from carbon.store import cloud_lines

SEP = "\x1f"


def line_keys(parts: Sequence[pd.Series]) -> np.ndarray:
    """64-bit identity of each line from its text columns (stripped; vectorised)."""
    text = parts[0].astype(str).str.strip()
    for p in parts[1:]:
        text = text + SEP + p.astype(str).str.strip()
    return (
        pd.util.hash_pandas_object(text.reset_index(drop=True), index=False)
        .to_numpy()
        .view(np.int64)
    )


def distinct(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The (month "YYYY-MM", line_key, first line) of a bill's line identities."""
    if not frames:
        return pd.DataFrame(columns=["month", "line_key", "line"])
    keys = pd.concat(frames, ignore_index=True)
    return keys.groupby(["month", "line_key"], sort=True, as_index=False)["line"].min()


def check(conn, name: str, keys: pd.DataFrame, replaced: Sequence[int], allow: bool) -> str:
    """Refuse (InputError) a bill whose line identities are already held by another import in the
    same months; with `allow`, return the warning instead ("" when nothing overlaps)."""
    if keys.empty:
        return ""
    earlier = cloud_lines.keys_of_months(conn, sorted(keys["month"].unique()), replaced)
    if earlier.empty:
        return ""
    hit = keys.merge(earlier, on=["month", "line_key"]).sort_values("line")
    if hit.empty:
        return ""
    n = len(hit)
    imports = hit.groupby(["batch_id", "source", "kind"], sort=True).size()
    which = "; ".join(
        f"import {b} ({s!r}, {k}): {c:,} line{'s' if c != 1 else ''}"
        for (b, s, k), c in imports.items()
    )
    text = (
        f"{n:,} usage line{'s' if n != 1 else ''} of {name} (account × usage period × usage type × "
        f"resource) {'are' if n != 1 else 'is'} already in the ledger from {which}"
    )
    if allow:
        return text + "; imported anyway (--allow-overlap): those lines are counted twice"
    problems = [
        Problem(
            name,
            int(r.line),
            None,
            None,
            f"{r.month}: the same usage line as line {int(r.earlier_line)} of import {int(r.batch_id)} "
            f"({r.source})",
        )
        for r in hit.head(FIRST_LINES).itertuples(index=False)
    ]
    first = int(imports.index[0][0])
    raise InputError(
        f"{text}: a re-exported or overlapping bill would be counted twice; nothing was written. "
        f"Replace the earlier import with --replace --source {imports.index[0][1]!r} "
        f"('carbon imports remove {first}' to take it out), or pass --allow-overlap",
        problems,
        total=n,
    )
