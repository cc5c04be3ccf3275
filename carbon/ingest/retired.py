"""Activity of a retired team is refused (pure): a team retired from a month has no
emissions from that month on, and a file that says otherwise is wrong, never silently
booked to a team that no longer exists. Nor does --create-teams give a renamed team's
former name to a new team (the name still reaches the renamed one)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from carbon.ingest.problems import ProblemLog, quoted


def check(rows: pd.DataFrame, retired: dict[str, str], log: ProblemLog) -> None:
    """Record a problem for each line of `rows` (columns line, team, month: validated activity
    rows, spread to months) whose team is retired at or before the row's month.

    `retired` maps a team to its first month without it ("YYYY-MM").
    """
    if not retired or rows.empty:
        return
    since = rows["team"].map(retired)
    bad = since.notna().to_numpy() & (
        rows["month"].to_numpy(dtype=object) >= since.fillna("").to_numpy(dtype=object)
    )
    if not bad.any():
        return
    hit = (
        rows.loc[bad, ["line", "team", "month"]]
        .groupby(["line", "team"], sort=True)["month"]
        .min()
        .reset_index()
    )
    messages = [
        f"team {quoted(t)} is retired from {retired[t]}: activity in {m} is refused (a retired "
        "team keeps its history but has no new emissions)"
        for t, m in zip(hit["team"], hit["month"])
    ]
    log.add(
        hit["line"].to_numpy(dtype=np.int64), "team", hit["team"].to_numpy(dtype=object), messages
    )


def check_former_names(
    rows: pd.DataFrame, new_teams: set[str], renamed: dict[str, str], log: ProblemLog
) -> None:
    """Record a problem for each line of `rows` whose team --create-teams would declare under a
    former name of a renamed team (`renamed`: {former name: current name})."""
    clash = sorted(t for t in new_teams if t in renamed)
    if not clash or rows.empty:
        return
    hit = rows.loc[rows["team"].isin(clash), ["line", "team"]].drop_duplicates()
    log.add(
        hit["line"].to_numpy(dtype=np.int64),
        "team",
        hit["team"].to_numpy(dtype=object),
        [
            f"team {quoted(t)} was renamed {renamed[t]!r}: use the new name (an old name is not given "
            "to a new team)"
            for t in hit["team"]
        ],
    )


def check_case_clash(
    rows: pd.DataFrame, new_teams: set[str], declared: Iterable[str], log: ProblemLog
) -> None:
    """Record a problem for each line of `rows` whose team --create-teams would declare beside a
    declared team of the same name in another case ("sales" beside "Sales")."""
    by_fold = {t.casefold(): t for t in declared}
    clash = {t: by_fold[t.casefold()] for t in new_teams if t.casefold() in by_fold}
    if not clash or rows.empty:
        return
    hit = rows.loc[rows["team"].isin(list(clash)), ["line", "team"]].drop_duplicates()
    log.add(
        hit["line"].to_numpy(dtype=np.int64),
        "team",
        hit["team"].to_numpy(dtype=object),
        [
            f"team {quoted(t)} differs only in case from the declared team {clash[t]!r}: use "
            f"{clash[t]!r} (--create-teams does not declare a second team of that name)"
            for t in hit["team"]
        ],
    )
