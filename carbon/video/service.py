"""Video-analytics exports imported as streaming entries, through a mapping file.

The export is read in chunks, turned into activity rows by the mapping
(carbon/video/mapping.py), then validated, priced and stored by the activity
import's own path: one batch, one transaction, every bad row listed.
"""

from __future__ import annotations

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
from carbon.store import Store
from carbon.video import mapping as video_mapping

KIND = "video"


def import_video(
    store: Store,
    path: Path | str,
    mapping_path: Path | str,
    *,
    source: str | None = None,
    replace: bool = False,
    create_teams: bool = False,
    default_region: str = "",
    checks: Checks = DEFAULT_CHECKS,
    prefer_source: tuple[str, ...] = (),
) -> ImportOutcome:
    """Import a video-analytics CSV with its mapping as one batch of `streaming.video.<resolution>`
    entries. The mapping's content is part of the import's identity (another mapping gives another
    result). Raises InputError (nothing written) on any problem; closed months and repeated rows
    are checked as for an activity file (`checks`, docs/integrity.md)."""
    mapping, text = video_mapping.read(mapping_path)
    source = limits.source_name(source or Path(path).name)
    info = csvfile.scan(Path(path), str(path))
    csvfile.check_delimiter(info, mapping.required_columns)
    video_mapping.check_header(mapping, info.name, info.columns)
    options = {"mapping": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    if default_region:
        options["region"] = default_region
    if prefer_source:
        options["prefer_source"] = list(prefer_source)
    params = json.dumps(options, allow_nan=False)
    content_hash = identity(info.sha256, params)
    with store.transaction() as conn:
        earlier = store.find_batch(conn, KIND, content_hash)
        if earlier is not None:
            return ImportOutcome(earlier, already_imported=True)
        to_replace = _check_source(store, conn, KIND, source, replace, info.sha256, params)
        table = factor_table(store, conn, tuple(prefer_source))
        log = ProblemLog(info.name, video_mapping.aliases(mapping))

        def chunks():
            for frame, lines in csvfile.read_chunks(Path(path), info):
                rows, ok = video_mapping.to_activities(mapping, frame, lines, log)
                yield rows.loc[ok].reset_index(drop=True), lines[ok]

        return _write(
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
            default_region,
            to_replace,
            None,
            len,
            checks,
        )
