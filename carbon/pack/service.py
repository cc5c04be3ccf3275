"""A month's report pack: gather the figures, render them, write the files atomically.

A pack is a directory holding

    report.html    the self-contained report with charts (carbon.report.html)
    report.json    the monthly report JSON (README "Monthly report"), plus "budget_status"
                   (the `carbon budget status` JSON) when the year has budgets
    report.csv     one row per team × category, kg CO2e (UTF-8 with BOM, comma)
    manifest.json  what the pack was made from: inputs, factors, tool, file hashes

With [pack] scenarios in the config, report.html gets a "levers" section (per scenario, per
team: baseline, scenario, change, new status, donation change) and report.json a "levers" list.
    donation.html  December only: the one-page summary of the year's offset donation
                   (carbon.report.donation), when it can be computed; otherwise the
                   manifest says why it is absent

It is built in a temporary directory beside its destination and renamed into
place in one step, so a reader (or a crash) never sees half a pack, and an
existing directory is never overwritten.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from carbon.budgets import service as budget_service
from carbon.budgets import store as stored_budgets
from carbon.budgets.rules import StatusReport
from carbon.closing import rules as lock_rules
from carbon.closing import service as period_service
from carbon.core import limits
from carbon.core.calendar import month_label, month_range, parse_month
from carbon.core.figures import kept
from carbon.core.spreadsheet import inert
from carbon.donation import service as donation_service
from carbon.errors import (  # the errors live in carbon.errors
    CarbonError,
    DataChanged,
    InputError,
    PackExists,
)
from carbon.feeds import service as feed_service
from carbon.ledger import views as ledger
from carbon.metrics import intensity
from carbon.pack import store as stored_packs
from carbon.pack.records import BuiltPack, PackData, factor_sources  # noqa: F401  the records live there
from carbon.report import budget as budget_view
from carbon.report import donation as donation_view
from carbon.report import html as html_view
from carbon.report import jsonout, monthly
from carbon.store import Store

FILES = ("report.html", "report.json", "report.csv", "manifest.json")
DONATION_FILE = "donation.html"
TREND_MONTHS = 12
TOP_SOURCES = 5
CSV_BOM = "\ufeff"  # lets Excel detect UTF-8 (accented team names stay readable)


def previous_month(month: str) -> str:
    y, m = parse_month(month)
    return month_label(y - 1, 12) if m == 1 else month_label(y, m - 1)


def months_back(month: str, n: int) -> str:
    """The month `n` months before `month`."""
    y, m = parse_month(month)
    k = y * 12 + (m - 1) - n
    return month_label(k // 12, k % 12 + 1)


def budget_status_for(
    store: Store, month: str, today: date | None = None
) -> tuple[StatusReport, dict] | None:
    """The budget status at `month` and its plan's provenance, or None when the year has no budgets.

    This is where the budgets feature plugs into the pack (carbon.budgets.service.status_at).
    """
    year, _ = parse_month(month)
    with store.engine.connect() as conn:
        stored = stored_budgets.get_plan(conn, year)
    if stored is None:
        return None
    plan = {
        "year": stored.plan.year,
        "source": stored.plan.source,
        "content_hash": stored.content_hash,
        "unit": stored.plan.unit,
    }
    return budget_service.status_at(store, month, today=today), plan


def donation_summary_for(
    store: Store, month: str, today: date | None = None
) -> tuple[str | None, str]:
    """(one-page HTML, one line) of the year's offset donation for a December pack.

    Other months: (None, ""). When the donation cannot be computed (e.g. no
    carbon price for the year), (None, the reason): the pack says so rather
    than leaving the summary out silently. This is where the donation feature
    plugs into the pack (carbon.donation.service.donation_view).
    """
    year, m = parse_month(month)
    if m != 12:
        return None, ""
    try:
        # As of the first day after the year, or today while December is not over: the same
        # counted-through month as the budget status beside it (carbon.core.calendar.counted_through).
        as_of = min(date(year + 1, 1, 1), today or date.today())
        view = donation_service.donation_view(store, year, as_of=as_of)
    except CarbonError as exc:
        return None, f"no donation summary for {year}: {exc}"
    # For a closed year the line and the page lead with the signed-off figure, not the recomputed one.
    return donation_view.to_summary_html(view), donation_view.summary_line(view)


def _fingerprint(store: Store, month: str) -> str:
    with store.engine.connect() as conn:
        return stored_packs.data_fingerprints(conn, [month]).get(month, "")


def collect(
    store: Store,
    month: str,
    *,
    revision: int | None = None,
    reissue_reason: str = "",
    generated_at: datetime | None = None,
    scenarios: tuple = (),
    today: date | None = None,
) -> PackData:
    """Gather a month's figures (aggregated in SQL). NotFound when the month has no data.

    `scenarios` (the config's [pack] scenarios, read) give the "levers" section: each run at
    `month` (carbon.scenarios.service.for_pack). The budget status, the levers and the donation
    summary count through the same month (carbon.core.calendar.counted_through as of `today`,
    default the date): a pack of the running month never counts it as a whole month.

    The month's data fingerprint is taken before and after; if an import
    changed the month meanwhile, DataChanged is raised rather than a pack
    mixing two states of the ledger.
    """
    before = _fingerprint(store, month)
    today = today or date.today()
    report = ledger.monthly_report(store, month, today=today)  # NotFound for a month without data
    first = months_back(month, TREND_MONTHS)
    window = month_range(first, month)
    with store.engine.connect() as conn:
        by_month = {m: kg for m, kg, _n in store.aggregate(conn, ["month"], first, month)}
        team_month: dict[str, dict[str, float]] = {}
        for team, m, kg, _n in store.aggregate(conn, ["team", "month"], first, month):
            team_month.setdefault(team, {})[m] = kg
        sources: dict[str, list[tuple[str, float]]] = {}
        for team, activity, kg, _n in store.aggregate(conn, ["team", "activity"], month, month):
            sources.setdefault(team, []).append((activity, kg))
        factors = stored_packs.factors_used(conn, month)
        inputs = stored_packs.batches_used(conn, months_back(month, TREND_MONTHS - 1), month, month)
        lock, restated = period_service.month_status(conn, month)
        prev = stored_packs.latest_produced(conn, previous_month(month))
    previous_manifest = (
        {"month": prev.month, "revision": prev.revision, "sha256": prev.manifest_sha256}
        if prev is not None and prev.manifest_sha256
        else None
    )
    budget = budget_status_for(store, month, today)
    done = feed_service.completeness(store, month)
    view = intensity.for_month(store, report)
    donation_html, donation_line = donation_summary_for(store, month, today)
    levers = None
    if scenarios:
        from carbon.scenarios import service as scenario_run

        levers = scenario_run.for_pack(store, scenarios, month, today)
    after = _fingerprint(store, month)
    if after != before:
        raise DataChanged(
            f"the data of {month} changed while its pack was being built; run it again"
        )
    trend = tuple((m, by_month.get(m)) for m in window)
    team_trend = {
        t.team: tuple(team_month.get(t.team, {}).get(m) for m in window) for t in report.teams
    }
    top = {
        t: tuple(sorted(v, key=lambda x: (-x[1], x[0]))[:TOP_SOURCES]) for t, v in sources.items()
    }
    notes = [done.headline()] if done.headline() else []
    missing = [m for m, kg in trend[1:] if kg is None]
    if missing:
        notes.append(
            "no emissions recorded for "
            + ", ".join(missing)
            + ": shown as “no data” in the trend, not as zero"
        )
    return PackData(
        month=month,
        report=report,
        trend=trend,
        team_trend=team_trend,
        top_sources=top,
        factors=tuple(factors),
        inputs=tuple(inputs),
        data_fingerprint=after,
        generated_at=generated_at or datetime.now(UTC),
        budget=budget[0] if budget else None,
        budget_plan=budget[1] if budget else None,
        revision=revision,
        reissue_reason=reissue_reason,
        backend=store.backend,
        notes=tuple(notes),
        donation_html=donation_html,
        donation_line=donation_line,
        intensity=view,
        closed=lock is not None,
        period_status=lock_rules.month_status_line(month, lock, restated),
        levers=levers,
        previous_manifest=previous_manifest,
        completeness=done,
    )


# ---- the files -----------------------------------------------------------------------


def report_dict(data: PackData) -> dict:
    """report.json: the monthly report contract, plus the budget status (or null)."""
    d = monthly.to_dict(data.report, data.intensity, data.completeness)
    d["budget_status"] = budget_view.to_dict(data.budget) if data.budget is not None else None
    if data.levers is not None:  # only with [pack] scenarios in the config
        from carbon.report import scenario as scenario_view

        d["levers"] = [
            {
                "file": p.source,
                "name": p.name,
                "problem": p.problem or None,
                "scenario": scenario_view.to_dict(p.result) if p.result is not None else None,
            }
            for p in data.levers
        ]
    return d


def report_csv(data: PackData) -> str:
    """report.csv: month, team, category, co2e_kg — one row per team × category.

    UTF-8 with a BOM (Excel then reads accents right), comma-separated, "."
    decimal point, CRLF line ends (RFC 4180). Every text cell goes through
    carbon.core.spreadsheet.inert, so a team named =HYPERLINK(...) stays text.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["month", "team", "category", "co2e_kg"])
    for t in data.report.teams:
        for cat, kg in t.by_category.items():
            w.writerow([inert(data.month), inert(t.team), inert(cat), kept(kg, 3)])
    return CSV_BOM + buf.getvalue()


def _iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def manifest_dict(data: PackData, file_hashes: dict[str, dict]) -> dict:
    """manifest.json: how to reproduce and audit the pack."""
    return {
        "month": data.month,
        "revision": data.revision,
        "reissue_reason": data.reissue_reason or None,
        "period": {"closed": data.closed, "status": data.period_status},
        "generated_at": _iso(data.generated_at),
        "tool": {"name": "carbon", "version": data.tool_version},
        "database_backend": data.backend,
        "trend_window": {"first_month": data.trend[0][0], "last_month": data.trend[-1][0]},
        "data_fingerprint": data.data_fingerprint,
        "previous_manifest": data.previous_manifest,
        "inputs": [
            {
                "batch": b["id"],
                "kind": b["kind"],
                "source": b["source_name"],
                "content_sha256": b["content_hash"],
                "imported_at": _iso(b["imported_at"]),
                "co2e_kg_in_month": kept(b["co2e_kg_in_month"], 3),
                "co2e_kg_in_window": kept(b["co2e_kg_in_window"], 3),
            }
            for b in data.inputs
        ],
        "factors": [
            {
                "activity": f["activity"],
                "region": f["region"],
                "vintage": f["year"],
                "value": f["value"],
                "unit": f["unit"],
                "category": f["category"],
                "scope": f["scope"],
                "source": f["source"],
                "source_ref": f["source_ref"],
                "boundary": f["boundary"],
                "uncertainty_pct": f["uncertainty_pct"],
                "origin": f["origin"],
                "co2e_kg_in_month": kept(f["co2e_kg"], 3),
            }
            for f in data.factors
        ],
        "factor_sources": factor_sources(data.factors),
        "budgets": data.budget_plan,
        "donation": (
            {"included": data.donation_html is not None, "summary": data.donation_line}
            if data.donation_line
            else None
        ),
        **(
            {
                "levers": [
                    {
                        "file": p.source,
                        "content_sha256": p.sha256 or None,
                        "name": p.name,
                        "included": p.result is not None,
                        "problem": p.problem or None,
                    }
                    for p in data.levers
                ]
            }
            if data.levers is not None
            else {}
        ),
        "files": file_hashes,
    }


def _write(path: Path, data: bytes) -> dict:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def write_pack(data: PackData, dest: Path) -> BuiltPack:
    """Render `data` into the directory `dest` (which must not exist), atomically.

    Raises PackExists when `dest` exists. The files are written and synced in
    a temporary sibling directory, which is then renamed to `dest`.
    """
    dest = Path(dest)
    if long := limits.too_long(str(dest), limits.PACK_PATH):
        raise CarbonError(f"pack folder {str(dest)[:60]!r}…: path {long}; choose a shorter --out")
    if dest.exists():
        raise PackExists(
            f"{dest} already exists; a pack is never overwritten (move it away, or "
            "choose another --out)"
        )
    tmp = dest.parent / f".{dest.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
    except OSError as exc:
        raise CarbonError(
            f"cannot write the pack into {dest.parent}: {exc.strerror or exc}; "
            "nothing was written (choose another --out)"
        ) from None
    try:
        hashes = {
            "report.html": _write(tmp / "report.html", html_view.render(data).encode("utf-8")),
            "report.json": _write(
                tmp / "report.json", (jsonout.dumps(report_dict(data), indent=2) + "\n").encode()
            ),
            "report.csv": _write(tmp / "report.csv", report_csv(data).encode("utf-8")),
        }
        if data.donation_html is not None:
            hashes[DONATION_FILE] = _write(tmp / DONATION_FILE, data.donation_html.encode("utf-8"))
        manifest = (jsonout.dumps(manifest_dict(data, hashes), indent=2) + "\n").encode()
        _write(tmp / "manifest.json", manifest)
        _fsync_dir(tmp)
        try:
            # rename() of a directory onto a missing name is atomic; onto an
            # existing non-empty one it fails: never an overwrite.
            os.rename(tmp, dest)
        except OSError:
            if dest.exists():
                raise PackExists(
                    f"{dest} appeared while the pack was built; nothing was overwritten"
                ) from None
            raise
        _fsync_dir(dest.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuiltPack(
        data.month, dest, data.revision, hashlib.sha256(manifest).hexdigest(), data.data_fingerprint
    )


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def pack_dirname(month: str, revision: int | None) -> str:
    """reports/2026-10 for a first revision (or an on-demand pack), 2026-10-r2 for the second."""
    return month if not revision or revision == 1 else f"{month}-r{revision}"


def build(
    store: Store,
    month: str,
    out_dir: Path | str,
    *,
    revision: int | None = None,
    reissue_reason: str = "",
    scenarios: tuple = (),
    today: date | None = None,
) -> BuiltPack:
    """Gather and write the pack of `month` under `out_dir` (see pack_dirname); `scenarios`
    (read scenario files) add the "levers" section.

    Raises NotFound (no data for the month), PackExists, DataChanged, InputError (a bad month,
    a scenario's lever naming an unknown team).
    """
    try:
        parse_month(month)
    except ValueError as exc:
        raise InputError(f"--month: {exc}") from None  # a malformed month is input
    if scenarios:  # a lever naming an unknown team refuses the pack, before anything is written
        from carbon.scenarios import file as scenario_file
        from carbon.store import team_history

        with store.engine.connect() as conn:
            names, renamed = list(store.team_ids(conn)), team_history.renames(conn)
        for sc in scenarios:
            scenario_file.check_teams(sc, names, renamed)
    data = collect(
        store,
        month,
        revision=revision,
        reissue_reason=reissue_reason,
        scenarios=tuple(scenarios),
        today=today,
    )
    return write_pack(data, Path(out_dir) / pack_dirname(month, revision))
