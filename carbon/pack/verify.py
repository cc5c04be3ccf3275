"""Replay a report pack against the database: "reproduced", or every difference listed.

An auditor holds a pack (report.json, report.csv, manifest.json, ...). `verify` checks, in order:

1. **files** — each file's SHA-256 against the manifest; the manifest's own SHA-256 against the
   one the database recorded when the pack was produced;
2. **chain** — the previous month's manifest hash the manifest carries against that pack's
   manifest (beside this one, or where the database recorded it): a rewritten history breaks it;
3. **inputs** — the imports behind the month (content hashes, kg) against the manifest;
4. **factors** — every factor row the month used (value, unit, source, kg) against the manifest;
5. **figures** — the month's report recomputed now (carbon.pack.service.collect) against report.json,
   every number.

A difference inside a month that was restated after the pack (a recorded write into a closed
month, `carbon close`) is shown as that restatement, with who, when and why. `diff_figures` and
`diff_rows` are pure; `verify` reads the files and the database.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbon.errors import InputError, NotFound, Problem
from carbon.store import team_history

if TYPE_CHECKING:
    from carbon.store import Store

TOLERANCE_KG = 1e-3  # the manifest keeps kg to 3 decimals
FACTOR_KEYS = ("activity", "region", "vintage", "value", "unit", "source", "scope")


@dataclass(frozen=True)
class Difference:
    """One way the pack and the database disagree. `kind`: file, chain, input, factor, figure,
    restated (a figure changed by a recorded restatement)."""

    kind: str
    what: str
    pack: str
    now: str


@dataclass(frozen=True)
class Verification:
    month: str
    revision: int | None
    path: str
    checked: tuple[str, ...]  # what was compared, in words
    differences: tuple[Difference, ...]
    notes: tuple[str, ...] = ()

    @property
    def reproduced(self) -> bool:
        return not self.differences


def _numbers(node: Any, path: str = "") -> Iterable[tuple[str, float]]:
    """(path, number) for every number in a JSON tree; lists of records keyed by their name."""
    if isinstance(node, bool) or node is None:
        return
    if isinstance(node, (int, float)):
        yield path, float(node)
    elif isinstance(node, Mapping):
        for k, v in node.items():
            yield from _numbers(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            key = None
            if isinstance(v, Mapping):
                key = v.get("team") or v.get("metric") or v.get("category") or v.get("name")
            yield from _numbers(v, f"{path}[{key if isinstance(key, str) else i}]")


def current_names(node: Any, renamed: Mapping[str, str]) -> tuple[Any, set[str]]:
    """A report.json tree with each former team name (a "team" value, or a key naming a team)
    replaced by the team's name now; and the former names met."""
    seen: set[str] = set()

    def walk(x: Any) -> Any:
        if isinstance(x, Mapping):
            out = {}
            for k, v in x.items():
                if isinstance(k, str) and k in renamed:
                    seen.add(k)
                    k = renamed[k]
                if k == "team" and isinstance(v, str) and v in renamed:
                    seen.add(v)
                    v = renamed[v]
                out[k] = walk(v)
            return out
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    return (walk(node) if renamed else node), seen


def diff_figures(pack: Mapping, now: Mapping) -> list[tuple[str, float | None, float | None]]:
    """Every number that differs between two report.json trees: (path, in the pack, now)."""
    a, b = dict(_numbers(pack)), dict(_numbers(now))
    out = []
    for path in sorted(set(a) | set(b)):
        x, y = a.get(path), b.get(path)
        if x is None or y is None or not math.isclose(x, y, rel_tol=1e-9, abs_tol=TOLERANCE_KG):
            out.append((path, x, y))
    return out


def diff_rows(
    pack: Iterable[Mapping], now: Iterable[Mapping], key: tuple[str, ...], compare: tuple[str, ...]
) -> list[tuple[str, str, str]]:
    """Rows added, removed or changed between two lists of records: (row key, pack, now)."""

    def k(r: Mapping) -> str:
        return " ".join(str(r.get(c)) for c in key)

    a, b = {k(r): r for r in pack}, {k(r): r for r in now}
    out = []
    for name in sorted(set(a) | set(b)):
        if name not in b:
            out.append((name, "present", "absent"))
        elif name not in a:
            out.append((name, "absent", "present"))
        else:
            changed = [c for c in compare if not _same(a[name].get(c), b[name].get(c))]
            if changed:
                out.append(
                    (
                        name,
                        ", ".join(f"{c}={a[name].get(c)}" for c in changed),
                        ", ".join(f"{c}={b[name].get(c)}" for c in changed),
                    )
                )
    return out


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool):
        return math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=TOLERANCE_KG)
    return x == y


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(folder: Path) -> tuple[dict, bytes]:
    path = folder / "manifest.json"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotFound(
            f"{folder}: no manifest.json to verify ({exc.strerror or exc}): is this a "
            "report pack folder?"
        ) from None
    try:
        return json.loads(data.decode("utf-8")), data
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path}: not a pack manifest",
            [
                Problem(
                    str(path),
                    getattr(exc, "lineno", None),
                    getattr(exc, "colno", None),
                    None,
                    "expected the JSON a pack writes",
                )
            ],
        ) from None


def verify(store: Store, folder: Path | str) -> Verification:
    """Replay the pack in `folder` against the database (see the module's docstring)."""
    from carbon.closing import store as stored_locks
    from carbon.pack import service as pack
    from carbon.pack import store as stored_packs

    folder = Path(folder)
    manifest, raw = _read_manifest(folder)
    month, revision = manifest.get("month"), manifest.get("revision")
    if not isinstance(month, str):
        raise InputError(f"{folder / 'manifest.json'}: no month in the manifest")
    diffs: list[Difference] = []
    notes: list[str] = []
    # 1. files
    for name, meta in (manifest.get("files") or {}).items():
        try:
            got = _sha((folder / name).read_bytes())
        except OSError:
            diffs.append(Difference("file", name, meta.get("sha256", ""), "missing"))
            continue
        if got != meta.get("sha256"):
            diffs.append(Difference("file", name, f"sha256 {meta.get('sha256')}", f"sha256 {got}"))
    with store.engine.connect() as conn:
        recorded = [
            p
            for p in stored_packs.list_packs(conn, month)
            if revision is None or p.revision == revision
        ]
        record = recorded[-1] if recorded else None
        if record is not None and record.manifest_sha256 and record.manifest_sha256 != _sha(raw):
            diffs.append(
                Difference(
                    "file",
                    "manifest.json",
                    f"sha256 {_sha(raw)} (in the folder)",
                    f"sha256 {record.manifest_sha256} (recorded when produced)",
                )
            )
        elif record is None:
            notes.append(
                f"no produced pack of {month} is recorded in this database: the manifest's "
                "own hash is not checked"
            )
        # 2. chain
        chained = manifest.get("previous_manifest")
        if chained:
            prev = _previous_manifest(
                folder, chained, stored_packs.list_packs(conn, chained["month"])
            )
            if prev is None:
                notes.append(
                    f"the pack of {chained['month']} it chains to was not found: chain not checked"
                )
            elif prev != chained.get("sha256"):
                diffs.append(
                    Difference(
                        "chain",
                        f"manifest of {chained['month']}",
                        f"sha256 {chained.get('sha256')} (chained)",
                        f"sha256 {prev}",
                    )
                )
        restated = [
            x
            for x in stored_locks.list_restatements(conn)
            if month in x.periods or any(c.month == month for c in x.changes)
        ]
        renamed = team_history.former_names(conn)
    generated = _when(manifest.get("generated_at"))
    since = [x for x in restated if generated is None or x.at.replace(tzinfo=None) > generated]
    # 3-5. inputs, factors, figures, recomputed now
    data = pack.collect(store, month, revision=revision)
    now_manifest = pack.manifest_dict(data, {})
    kind = "restated" if since else "input"
    for name, a, b in diff_rows(
        manifest.get("inputs", []),
        now_manifest["inputs"],
        ("batch",),
        ("content_sha256", "co2e_kg_in_month"),
    ):
        diffs.append(Difference(kind, f"import {name}", a, b))
    for name, a, b in diff_rows(
        manifest.get("factors", []),
        now_manifest["factors"],
        ("activity", "region", "vintage", "source"),
        ("value", "unit", "scope", "co2e_kg_in_month"),
    ):
        diffs.append(Difference("factor" if not since else "restated", f"factor {name}", a, b))
    try:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = None
        notes.append("report.json is missing or unreadable: figures not compared")
    if report is not None:
        # a team renamed since the pack is the same team: its figures are compared under its name now
        report, seen = current_names(report, renamed)
        if seen:
            notes.append(
                "teams renamed since the pack, compared under their names now: "
                + ", ".join(f"{old} → {renamed[old]}" for old in sorted(seen))
            )
        for path, a, b in diff_figures(report, pack.report_dict(data)):
            diffs.append(Difference("restated" if since else "figure", path, _num(a), _num(b)))
    for x in since:
        notes.append(
            f"restated after the pack: #{x.id} {x.at:%Y-%m-%d %H:%M} by {x.by} ({x.action}): {x.reason}"
        )
    checked = (
        "file hashes",
        "manifest hash recorded",
        "chain to the previous month",
        "imports",
        "factor rows",
        "every figure of report.json",
    )
    return Verification(month, revision, str(folder), checked, tuple(diffs), tuple(notes))


def _num(x: float | None) -> str:
    return "absent" if x is None else f"{x:.6g}"


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def _previous_manifest(folder: Path, chained: Mapping, recorded) -> str | None:
    """The SHA-256 of the previous month's manifest: beside this pack, or where it was recorded."""
    candidates = [
        folder.parent / chained["month"],
        folder.parent / f"{chained['month']}-r{chained.get('revision')}",
    ]
    candidates += [
        Path(p.path) for p in recorded if p.revision == chained.get("revision") and p.path
    ]
    for c in candidates:
        try:
            return _sha((c / "manifest.json").read_bytes())
        except OSError:
            continue
    return None
