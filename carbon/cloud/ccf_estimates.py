"""`carbon import ccf-estimates`: Cloud Carbon Footprint's own results, allocated to teams.

For teams that already run CCF: its API result (`/api/footprint`, JSON: a list of
{timestamp, serviceEstimates: [{cloudProvider, accountId, accountName, serviceName, region,
kilowattHours, co2e, cost, tags}]}) or the same fields as a flat CSV, one estimate per line:

    timestamp,cloudProvider,accountName,serviceName,region,kilowattHours,co2e

(`co2e` in metric tons, as CCF gives it; `accountId`, `cost` and `tag:<name>` columns optional).
carbon does not recompute anything: each entry keeps CCF's kWh and CO2e, and says so.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.closing.rules import Restate
from carbon.cloud import allocation, overlap
from carbon.cloud.importer import CloudOutcome, CloudSummary
from carbon.core import limits
from carbon.errors import InputError, Problem
from carbon.factors import scope3
from carbon.ingest import checks, csvfile
from carbon.ingest.problems import ProblemLog
from carbon.ledger import service as core
from carbon.model import Factor, ImportOutcome
from carbon.store import Store, cloud_lines

KIND = "ccf-estimates"
REQUIRED = ("timestamp", "cloudProvider", "serviceName", "region", "kilowattHours", "co2e")
PROVIDERS = {"aws": "aws", "gcp": "gcp", "azure": "azure"}


def _rows_from_json(data, name: str) -> pd.DataFrame:
    if isinstance(data, dict):
        data = data.get("data", data.get("footprint"))
    if not isinstance(data, list):
        raise InputError(
            f"{name}: expected CCF's footprint result, a JSON list of "
            "{timestamp, serviceEstimates: [...]}"
        )
    rows = []
    for i, day in enumerate(data):
        if not isinstance(day, dict) or not isinstance(day.get("serviceEstimates"), list):
            raise InputError(
                f"{name}: entry {i + 1}: expected {{timestamp, serviceEstimates: [...]}}",
                [Problem(name, i + 1, "serviceEstimates", None, "missing or not a list")],
            )
        for est in day["serviceEstimates"]:
            if not isinstance(est, dict) or not isinstance(est.get("tags") or {}, dict):
                raise InputError(
                    f"{name}: entry {i + 1}: expected each service estimate as an object of "
                    "{cloudProvider, serviceName, region, kilowattHours, co2e, tags: {...}}",
                    [Problem(name, i + 1, "serviceEstimates", None, "not an object")],
                )
            row = {
                "timestamp": str(day.get("timestamp", "")),
                **{k: "" if v is None else str(v) for k, v in est.items() if k != "tags"},
            }
            for k, v in (est.get("tags") or {}).items():
                row["tag:" + str(k).lower()] = "" if v is None else str(v)
            row["_line"] = i + 1  # the day's position in the list
            rows.append(row)
    return pd.DataFrame(rows)


def _no_constant(word: str):
    raise ValueError(f"{word} is not a number; expected finite numbers")


def _refuse_nul(name: str, text: str) -> None:
    """A NUL character (a raw byte, or JSON's \\u0000 escape) is never in an estimate, and
    PostgreSQL cannot store one: refuse its line."""
    found = re.search(r"\x00|\\u0000", text, re.IGNORECASE)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise InputError(
            f"{name}: line {line}: contains a NUL character; expected plain UTF-8 text",
            [Problem(name, line, None, None, "NUL character: expected plain text")],
        )


def read(path: Path, name: str) -> tuple[pd.DataFrame, str]:
    """(one row per estimate, text columns plus `_line`; SHA-256 of the file)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    sha = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    _refuse_nul(name, text)
    if text.lstrip().startswith(("[", "{")):
        try:
            frame = _rows_from_json(json.loads(text, parse_constant=_no_constant), name)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{name}: line {exc.lineno}: not valid JSON ({exc.msg})",
                [Problem(name, exc.lineno, None, None, exc.msg)],
            ) from None
        except (ValueError, RecursionError) as exc:
            raise InputError(f"{name}: not valid JSON ({exc})") from None
    else:
        reader = csvfile.records(io.StringIO(text, newline=None))  # any line end: LF, CRLF or CR
        header = [h.strip() for h in next(reader, [])]
        seen: set[str] = set()
        dups = [c for c in header if c in seen or seen.add(c)]
        if dups:
            raise InputError(
                f"{name}: line 1: the header names {dups[0]!r} twice; expected each column once",
                [Problem(name, 1, c, c, "duplicated column") for c in dict.fromkeys(dups)],
            )
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError(
                f"{name}: not a CCF estimates export (columns {', '.join(REQUIRED)})",
                [Problem(name, 1, c, None, "required column is missing") for c in missing],
            )
        rows = []
        start = reader.line_num + 1
        for record in reader:
            if record and not (
                len(record) == 1 and not record[0].strip()
            ):  # a blank line is no estimate
                if len(record) != len(header):
                    raise csvfile.too_many_fields(name, header, start, len(record))
                rows.append([*record, start])
            start = reader.line_num + 1
        frame = pd.DataFrame(rows, columns=[*header, "_line"])
        frame = frame.rename(
            columns={c: "tag:" + c[4:].lower() for c in frame.columns if c.startswith("tag:")}
        )
    if frame.empty:
        raise InputError(f"{name}: no estimate in the file; nothing was written")
    frame = frame.fillna(
        ""
    )  # a JSON estimate without a field: an empty cell, refused where required
    for c in REQUIRED:
        if c not in frame:
            frame[c] = ""
    return frame, sha


def import_ccf_estimates(
    store: Store,
    path: Path | str,
    rules_path: Path | str,
    *,
    source: str | None = None,
    replace: bool = False,
    strict: bool = False,
    restate: Restate | None = None,
    allow_overlap: bool = False,
) -> CloudOutcome:
    """Import CCF's estimates as one batch, teams by the allocation rules. InputError: nothing written;
    PeriodLocked when it touches a closed month and `restate` is None."""
    path = Path(path)
    name = str(path)
    source = limits.source_name(source or path.name)
    frame, sha = read(path, name)
    with store.engine.connect() as c:
        declared = set(store.team_ids(c))
    rules = allocation.load(Path(rules_path), declared, str(rules_path))
    params = json.dumps({"rules": rules.sha256, "strict": strict}, allow_nan=False)
    content_hash = core.identity(sha, params)
    log = ProblemLog(name)
    lines = frame["_line"].to_numpy(dtype=np.int64)
    when = checks.parse_times(frame["timestamp"].to_numpy())
    bad = when.isna().to_numpy()
    log.add(
        lines[bad],
        "timestamp",
        frame["timestamp"][bad],
        f"expected a date such as 2026-03-01T00:00:00.000Z, {checks.window_text()}",
    )
    provider = frame["cloudProvider"].str.strip().str.lower()
    bad = ~provider.isin(list(PROVIDERS)).to_numpy()
    log.add(lines[bad], "cloudProvider", frame["cloudProvider"][bad], "expected AWS, GCP or AZURE")
    numbers = {}
    # kWh at most 10^12, CO2e (in t) at most 10^9 (a Gt), as for every import (ingest/checks.py)
    for col, upper in (("kilowattHours", checks.MAX_AMOUNT), ("co2e", checks.MAX_AMOUNT / 1000)):
        vals = pd.to_numeric(frame[col].str.strip(), errors="coerce").to_numpy(dtype=float)
        bad = checks.bad_amount(vals, upper=upper)
        log.add(lines[bad], col, frame[col][bad], f"expected a number ≥ 0 and at most {upper:.0e}")
        numbers[col] = vals
    bad = (numbers["kilowattHours"] == 0) & (numbers["co2e"] > 0)
    log.add(
        lines[bad],
        "kilowattHours",
        frame["kilowattHours"][bad],
        "0 kWh with CO2e above 0: expected the kWh CCF estimated",
    )
    region_text = frame["region"].str.strip()
    bad = (region_text.str.len() > limits.REGION - 10).to_numpy()
    log.add(
        lines[bad],
        "region",
        region_text[bad],
        f"expected a cloud region of at most {limits.REGION - 10} characters",
    )
    if log.count:
        raise log.error(f"{name}: import refused, nothing was written")
    # rules match `account` on the account ID (as in a bill), else on CCF's account name
    ids = frame["accountId"] if "accountId" in frame else pd.Series([""] * len(frame))
    names = frame["accountName"] if "accountName" in frame else pd.Series([""] * len(frame))
    account = ids.where(ids.str.strip() != "", names)
    rule = np.empty(len(frame), dtype=np.int64)
    cache: dict = {}
    tag_cols = [c for c in frame.columns if c.startswith("tag:")]
    for i in range(len(frame)):
        values = (
            ("account", str(account.iloc[i])),
            ("service", str(frame["serviceName"].iloc[i])),
            ("region", str(frame["region"].iloc[i])),
            *((t, str(frame[t].iloc[i])) for t in tag_cols),
        )
        if values not in cache:
            cache[values] = rules.match(dict(values))
        rule[i] = cache[values]
    if (rule == allocation.UNALLOCATED).any() and (strict or not rules.unallocated):
        why = "--strict" if strict else "the rules name no 'unallocated' team"
        plog = ProblemLog(name)
        plog.add(
            lines[rule == allocation.UNALLOCATED],
            None,
            None,
            f"no allocation rule matches this estimate and {why}",
        )
        raise plog.error(
            f"{name}: estimates match no allocation rule; import refused, nothing was written"
        )
    est = pd.DataFrame(
        {
            "month": when.dt.strftime("%Y-%m").to_numpy(),
            "year": when.dt.year.to_numpy(),
            "provider": provider.to_numpy(),
            "service": frame["serviceName"].str.strip().to_numpy(),
            "region": frame["region"].str.strip().to_numpy(),
            "rule": rule,
            "kwh": numbers["kilowattHours"],
            "kg": numbers["co2e"] * 1000,
            "line": lines,
            "n": 1,
        }
    )
    agg = (
        est.groupby(["month", "year", "provider", "service", "region", "rule"], sort=True)
        .agg(kwh=("kwh", "sum"), kg=("kg", "sum"), line=("line", "min"), n=("n", "sum"))
        .reset_index()
    )
    agg = agg[(agg["kwh"] > 0) | (agg["kg"] > 0)]
    # An estimate's identity: provider × account × day × service × region (carbon.cloud.overlap).
    keys = overlap.distinct(
        [
            pd.DataFrame(
                {
                    "month": est["month"],
                    "line": lines,
                    "line_key": overlap.line_keys(
                        [
                            provider,
                            account,
                            when.dt.strftime("%Y-%m-%dT%H:%M:%S"),
                            frame["serviceName"],
                            frame["region"],
                        ]
                    ),
                }
            )
        ]
    )
    with store.transaction() as conn:
        earlier = store.find_batch(conn, KIND, content_hash)
        if earlier is not None:
            return CloudOutcome(ImportOutcome(earlier, already_imported=True), None)
        to_replace = core._check_source(store, conn, KIND, source, replace, sha, params)
        warned = overlap.check(conn, name, keys, [b.id for b, _ in to_replace], allow_overlap)
        team_ids = store.team_ids(conn)
        flist: list[Factor] = []
        fix: dict[tuple, int] = {}
        rows = []
        rule_kg: dict[int, float] = {}
        for g in agg.itertuples(index=False):
            region = f"{g.provider}:{g.region.lower()}" if g.region else f"{g.provider}:unknown"
            value = g.kg / g.kwh
            f = Factor(
                activity=f"cloud.{g.provider}.ccf_estimate",
                region=region,
                year=int(g.year),
                value=value,
                unit="kg CO2e / kWh",
                category="infrastructure",
                scope=3,
                source=(
                    f"Cloud Carbon Footprint's own estimate for {g.service} in {g.region or 'no region'}"
                    f" (imported from its export, not recomputed): {g.kwh:.6g} kWh and {g.kg / 1000:.6g} "
                    f"t CO2e over {g.n} estimate(s) of {g.month}"
                ),
                source_ref=f"import of {source}",
                boundary="as computed by Cloud Carbon Footprint "
                "(operational and, where CCF adds it, embodied emissions)",
                origin=KIND,
            )
            key = (f.activity, f.region, f.year, f.source, f.value)
            if key not in fix:
                fix[key] = len(flist)
                flist.append(f)
            parts = (
                [(rules.unallocated, 1.0)]
                if g.rule == allocation.UNALLOCATED
                else list(rules.rules[g.rule].parts)
            )
            done_q = done_kg = 0.0
            for i, (team, w) in enumerate(parts):
                last = i == len(parts) - 1
                q = g.kwh - done_q if last else g.kwh * w
                k = g.kg - done_kg if last else g.kg * w
                done_q, done_kg = done_q + q, done_kg + k
                rows.append(
                    (
                        int(g.line),
                        team_ids[team],
                        g.month,
                        f.activity,
                        "infrastructure",
                        3,
                        q,
                        "kWh",
                        k,
                        fix[key],
                    )
                )
            rule_kg[int(g.rule)] = rule_kg.get(int(g.rule), 0.0) + g.kg
        out = pd.DataFrame(
            rows,
            columns=[
                "line",
                "team_id",
                "month",
                "activity",
                "category",
                "scope",
                "quantity",
                "unit",
                "co2e_kg",
                "factor_ix",
            ],
        )
        batch_id = store.insert_batch(conn, KIND, source, content_hash, params)
        snap = np.array(store.snapshot_ids(conn, flist), dtype=np.int64)
        ix = out["factor_ix"].to_numpy()
        out = scope3.book(out.assign(factor_id=snap[ix]).drop(columns=["factor_ix"]), flist, ix)
        store.insert_ledger(conn, batch_id, out)
        store.insert_rollup(conn, batch_id, [store.rollup_part(out)])
        cloud_lines.insert_keys(conn, batch_id, keys)
        # Closed months (carbon close, donation close) are refused unless restated, as for every
        # import. Bill lines are aggregated before the ledger, so rows are not compared one by one.
        _, restatement = core.guard_batch(
            conn,
            name,
            batch_id,
            [b.id for b, _ in to_replace],
            core.Checks(restate=restate, compare_rows=False),
        )
        for b, _ in to_replace:
            store.remove_batch(conn, b.id)
        batch = store.finish_batch(conn, batch_id, len(frame))
    summary = CloudSummary(
        lines=len(frame),
        by_class=(("ccf_estimate", len(frame), 0.0),),
        by_rule=tuple(
            (rules.rules[i].describe(), kg) for i, kg in sorted(rule_kg.items()) if i >= 0
        ),
        unallocated_kg=rule_kg.get(allocation.UNALLOCATED, 0.0),
        unknown_lines=0,
        unknown_region_lines=0,
        total_kg=float(out["co2e_kg"].sum()),
    )
    later = core.later_months_warning(out["month"], out["line"])
    return CloudOutcome(
        ImportOutcome(
            batch,
            replaced=tuple(b.id for b, _ in to_replace),
            restatement=restatement,
            warnings=((warned,) if warned else ()) + tuple(later),
        ),
        summary,
    )
