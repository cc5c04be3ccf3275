"""Metrics files become imports (batches), under the same rules as activity files.

One transaction per file: a refused file writes nothing. The same content again
changes nothing; a changed file of the same source needs `replace`; a value that
another import already gives for the same month, metric and team is refused
(an intensity must have one denominator).
"""

from __future__ import annotations

from pathlib import Path

from carbon import limits
from carbon import metrics as rules
from carbon.errors import InputError, Problem
from carbon.importer import _check_source, identity, later_months_warning
from carbon.ingest import csvfile
from carbon.model import ImportOutcome
from carbon.store import Store
from carbon.store import metrics as stored

KIND = "metrics"


def define(store: Store, name: str, year_rule: str, label: str | None = None) -> tuple[rules.MetricDef, str]:
    """Declare a metric (or change its rule or label). Returns it and "defined"/"updated"/"unchanged"."""
    d = rules.check_definition(name, year_rule, label)
    with store.transaction() as conn:
        return d, stored.define(conn, d)


def import_metrics(store: Store, path: Path, *, source: str | None = None, replace: bool = False,
                   define_rule: str | None = None) -> tuple[ImportOutcome, tuple[rules.MetricDef, ...]]:
    """Import a metrics CSV (month, metric, value[, team]) as one batch.

    Returns the outcome and the metrics it declared (with `define_rule`).
    Raises InputError (nothing written) on any problem.
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
        found, new_defs = rules.parse_rows(info.name, frame, lines, stored.definitions(conn), set(team_ids),
                                           define_rule)
        clash = stored.taken(conn, found, {b.id for b, _ in to_replace})
        if clash:
            problems = [Problem(info.name, v.line, "metric", v.metric,
                                f"{v.month} {v.metric} ({v.team or 'company'}) is already given by import "
                                f"{clash[k][0]} ({clash[k][1]}); remove it ('carbon imports remove "
                                f"{clash[k][0]}') or import this file as that source with --replace")
                        for v in found if (k := (v.month, v.metric, v.team)) in clash]
            raise InputError(f"{info.name}: import refused, nothing was written ({len(problems)} problem"
                             f"{'s' if len(problems) != 1 else ''})", problems[:50], total=len(problems))
        for d in new_defs:
            stored.define(conn, d)
        batch_id = store.insert_batch(conn, KIND, source, info.sha256)
        stored.insert_values(conn, batch_id, found, team_ids)
        for b, _ in to_replace:
            store.remove_batch(conn, b.id)
        batch = store.finish_batch(conn, batch_id, len(found))
    warnings = later_months_warning([v.month for v in found], [v.line for v in found])
    return ImportOutcome(batch, replaced=tuple(b.id for b, _ in to_replace), warnings=warnings), tuple(new_defs)
