"""Spend files imported as purchases: each row converted by carbon.spend.rules, then validated,
priced and stored by the activity import's own path (one batch, one transaction, every bad
row listed)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from carbon.core import limits
from carbon.ingest import csvfile
from carbon.ingest.problems import ProblemLog
from carbon.ledger.service import (
    DEFAULT_CHECKS,
    Checks,
    _check_source,
    _write,
    factor_table,
    identity,
)
from carbon.model import ImportOutcome
from carbon.spend import rules as spend
from carbon.store import Store

KIND = "spend"


def import_spend(
    store: Store,
    path: Path | str,
    *,
    mapping: Path | str | None = None,
    rates: Path | str | None = None,
    price_index: Path | str | None = None,
    suppliers: Path | str | None = None,
    source: str | None = None,
    replace: bool = False,
    create_teams: bool = False,
    checks: Checks = DEFAULT_CHECKS,
) -> ImportOutcome:
    """Import a spend CSV (month, team, category, amount, currency[, supplier, description]) as one
    batch of `spend.*` entries (carbon/spend/rules.py states the arithmetic). The mapping, rates, price
    index and supplier files given are part of the import's identity. Raises InputError (nothing
    written) on any problem; closed months and repeated rows are checked as for an activity file."""
    tables, texts = spend.load_tables(
        *(Path(p) if p else None for p in (mapping, rates, price_index, suppliers))
    )
    source = limits.source_name(source or Path(path).name)
    info = csvfile.scan(Path(path), str(path))
    csvfile.check_header(info, spend.REQUIRED, spend.OPTIONAL)
    params = json.dumps(
        {k: hashlib.sha256(v.encode("utf-8")).hexdigest() for k, v in sorted(texts.items())}
    )
    content_hash = identity(info.sha256, params)
    with store.transaction() as conn:
        earlier = store.find_batch(conn, KIND, content_hash)
        if earlier is not None:
            return ImportOutcome(earlier, already_imported=True)
        to_replace = _check_source(store, conn, KIND, source, replace, info.sha256, params)
        table = factor_table(store, conn)
        extra = {f.activity: (f,) for f in spend.factors(tables)}
        table = dataclasses.replace(table, by_key={**table.by_key, **extra})
        log = ProblemLog(info.name, {"date": "month", "activity": "category", "quantity": "amount"})

        def chunks():
            for frame, lines in csvfile.read_chunks(Path(path), info):
                rows, ok = spend.to_activities(frame, lines, log, tables)
                yield rows.loc[ok].reset_index(drop=True), lines[ok]

        outcome = _write(
            store,
            conn,
            KIND,
            source,
            content_hash,
            params,
            chunks(),
            log,
            table,
            create_teams,
            "",
            to_replace,
            None,
            len,
            checks,
        )
    if tables.overrides:
        outcome = dataclasses.replace(outcome, warnings=tables.overrides + outcome.warnings)
    return outcome
