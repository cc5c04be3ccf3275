"""Metrics files become imports (batches), under the same rules as activity files.

One transaction per file: a refused file writes nothing. The same content again
changes nothing; a changed file of the same source needs `replace`; a value that
another import already gives for the same month, metric and team is refused
(an intensity must have one denominator).
"""

from __future__ import annotations

from pathlib import Path

from carbon.closing import rules as lock_rules
from carbon.closing import store as stored_locks
from carbon.closing.rules import Restate
from carbon.core import limits
from carbon.errors import InputError, Problem
from carbon.ingest import csvfile
from carbon.ledger.service import _check_source, later_months_warning
from carbon.metrics import rules
from carbon.metrics import store as stored
from carbon.model import FigureChange, ImportOutcome
from carbon.store import Store, team_history

KIND = "metrics"


def define(
    store: Store, name: str, year_rule: str, label: str | None = None
) -> tuple[rules.MetricDef, str]:
    """Declare a metric (or change its rule or label). Returns it and "defined"/"updated"/"unchanged"."""
    d = rules.check_definition(name, year_rule, label)
    with store.transaction() as conn:
        return d, stored.define(conn, d)


def import_metrics(
    store: Store,
    path: Path | str,
    *,
    source: str | None = None,
    replace: bool = False,
    define_rule: str | None = None,
    restate: Restate | None = None,
) -> tuple[ImportOutcome, tuple[rules.MetricDef, ...]]:
    """Import a metrics CSV (month, metric, value[, team]) as one batch.

    Returns the outcome and the metrics it declared (with `define_rule`).
    Raises InputError (nothing written) on any problem, and PeriodLocked when it
    would change a metric value (so an intensity) of a closed month without
    `restate`; with it, the restatement records each value and intensity changed.
    """
    source = limits.source_name(source or Path(path).name)
    info, frame, lines = csvfile.read_small(Path(path), rules.REQUIRED, rules.OPTIONAL, str(path))
    if frame.empty:
        raise InputError(f"{info.name}: no data rows after the header; nothing was written")
    with store.transaction() as conn:
        earlier = store.find_batch(conn, KIND, info.sha256)
        if earlier is not None:
            return ImportOutcome(earlier, already_imported=True), ()
        to_replace = _check_source(store, conn, KIND, source, replace, info.sha256, "")
        team_ids = store.team_ids(conn)
        found, new_defs = rules.parse_rows(
            info.name,
            frame,
            lines,
            stored.definitions(conn),
            set(team_ids),
            define_rule,
            team_history.former_names(conn),
            team_history.retired(conn),
        )
        clash = stored.taken(conn, found, {b.id for b, _ in to_replace})
        if clash:
            problems = [
                Problem(
                    info.name,
                    v.line,
                    "metric",
                    v.metric,
                    f"{v.month} {v.metric} ({v.team or 'company'}) is already given by import "
                    f"{clash[k][0]} ({clash[k][1]}); remove it ('carbon imports remove "
                    f"{clash[k][0]}') or import this file as that source with --replace",
                )
                for v in found
                if (k := (v.month, v.metric, v.team)) in clash
            ]
            raise InputError(
                f"{info.name}: import refused, nothing was written ({len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''})",
                problems[:50],
                total=len(problems),
            )
        replaced = {b.id for b, _ in to_replace}
        touched = sorted({v.month for v in found} | set(stored.batch_months(conn, replaced)))
        closed = sorted(
            lock_rules.locked_months(stored_locks.list_locks(conn, active_only=True), touched)
        )
        before = stored.values_of_months(conn, closed)  # the closed months' values, as they stand
        for d in new_defs:
            stored.define(conn, d)
        batch_id = store.insert_batch(conn, KIND, source, info.sha256)
        stored.insert_values(conn, batch_id, found, team_ids)
        for b, _ in to_replace:
            store.remove_batch(conn, b.id)
        after = stored.values_of_months(conn, closed)
        restatement = _guard_closed(
            store, conn, info.name, before, after, restate, batch_id, sorted(replaced)
        )
        batch = store.finish_batch(conn, batch_id, len(found))
    warnings = later_months_warning([v.month for v in found], [v.line for v in found])
    return (
        ImportOutcome(
            batch,
            replaced=tuple(b.id for b, _ in to_replace),
            restatement=restatement,
            warnings=warnings,
        ),
        tuple(new_defs),
    )


def _guard_closed(
    store: Store,
    conn,
    name: str,
    before: dict,
    after: dict,
    restate: Restate | None,
    batch_id: int,
    removed: list[int],
):
    """Refuse (PeriodLocked) or record as a restatement the metric values of closed months this
    import changes: each value and the intensity it gives (kg CO2e of the month ÷ the value),
    before and after. None when no closed month's value changes."""
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if not changed:
        return None
    months = sorted({m for m, _metric, _team in changed})
    hit = lock_rules.locked_months(stored_locks.list_locks(conn, active_only=True), months)
    kg: dict[tuple[str, str], float] = {}
    for team, month, co2e, _n in store.aggregate(conn, ["team", "month"], months[0], months[-1]):
        kg[(month, team)] = co2e
        kg[(month, "")] = kg.get((month, ""), 0.0) + co2e
    figures = []
    for month, metric, team in changed:
        b, a = before.get((month, metric, team)), after.get((month, metric, team))
        figures.append(FigureChange(month, team, f"metric {metric}", b, a))
        co2e = kg.get((month, team))

        def per(v: float | None, kg: float | None = co2e) -> float | None:
            return None if v in (None, 0) or kg is None else kg / v

        figures.append(FigureChange(month, team, f"kg CO2e per {metric}", per(b), per(a)))
    if restate is None:
        shown = "; ".join(
            f"{m} {metric} ({team or 'company'}) {_value(before.get((m, metric, team)))} → "
            f"{_value(after.get((m, metric, team)))}"
            for m, metric, team in changed[:5]
        )
        more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        raise lock_rules.refusal(f"import of {name} (metric values: {shown}{more})", hit)
    return stored_locks.record_restatement(
        conn, restate.by, restate.reason, [batch_id], removed, months, figures
    )


def _value(v: float | None) -> str:
    return "no value" if v is None else f"{v:,g}"
