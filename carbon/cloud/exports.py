"""Readers of billing exports: each yields normalised chunks (bounded memory).

A chunk is a DataFrame of text columns named as in NORMALISED (plus one
`tag:<name>` column per resource tag, name in lower case) and the file line
of each row. `ExportInfo.columns` maps each normalised name back to the
file's own header, for messages ("column 'lineItem/UsageAmount'").
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.errors import InputError, Problem
from carbon.ingest import csvfile

CHUNK_ROWS = 500_000

# normalised name -> header in a legacy CUR, in a CUR 2.0 export
AWS_COLUMNS = {
    "start": ("lineItem/UsageStartDate", "line_item_usage_start_date"),
    "end": ("lineItem/UsageEndDate", "line_item_usage_end_date"),
    "service": ("lineItem/ProductCode", "line_item_product_code"),
    "usage_type": ("lineItem/UsageType", "line_item_usage_type"),
    "amount": ("lineItem/UsageAmount", "line_item_usage_amount"),
    "unit": ("pricing/unit", "pricing_unit"),
    "region": ("product/region", "product_region_code"),
    "cost": ("lineItem/UnblendedCost", "line_item_unblended_cost"),
    "account": ("lineItem/UsageAccountId", "line_item_usage_account_id"),
    "line_item_type": ("lineItem/LineItemType", "line_item_line_item_type"),
}
AWS_OPTIONAL = {
    "instance_type": ("product/instanceType", "product_instance_type"),
    "vcpu": ("product/vcpu", "product_vcpu"),
    "utilization": ("utilization", "utilization"),
    "resource": ("lineItem/ResourceId", "line_item_resource_id"),  # part of a line's identity only
}
# CUR 2.0 also names the region column product_region in some exports
AWS_ALIASES = {"product_region": "region"}
OTHER_PROVIDER_MARKERS = {
    "gcp": ("usage_start_time", "sku.description", "service.description"),
    "azure": ("MeterCategory", "ResourceLocation", "CostInBillingCurrency"),
    "aws": ("lineItem/UsageStartDate", "line_item_usage_start_date"),
}


@dataclass(frozen=True)
class ExportInfo:
    name: str
    sha256: str
    columns: dict[str, str] = field(default_factory=dict)  # normalised -> file header
    tags: dict[str, str] = field(default_factory=dict)  # "tag:team" -> file header
    has_quotes: bool = True  # a quoted field holds a line break (line numbers then count them)


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


class _QuotedBreaks:
    """Whether a line break stands inside a quoted field, read block by block: a break is quoted
    when an odd number of quote characters precede it (a doubled quote, CSV's escape, counts
    twice). A stray quote in an unquoted field only errs towards "yes" (the slower, exact reader)."""

    def __init__(self) -> None:
        self.open = 0  # 1: the blocks so far left a quoted field open
        self.found = False

    def feed(self, block: bytes) -> None:
        if self.found:
            return
        if b'"' not in block:
            self.found = bool(self.open) and b"\n" in block
            return
        arr = np.frombuffer(block, dtype=np.uint8)
        quotes = np.flatnonzero(arr == 34)
        # The quotes before each line break (a position search, not a running count over every
        # byte: a fully quoted bill has a quote every few bytes), with a field left open before.
        before = np.searchsorted(quotes, np.flatnonzero(arr == 10)) + self.open
        self.found = bool((before & 1).any())
        self.open = (len(quotes) + self.open) & 1


def _scan(path: Path, name: str) -> tuple[str, bool]:
    """(SHA-256 of the file's bytes, whether a quoted field holds a line break: then the lines
    after it move, and only the exact reader numbers them)."""
    digest = hashlib.sha256()
    breaks = _QuotedBreaks()
    gz = path.name.endswith(".gz")
    text = not is_parquet(path)  # a Parquet file is binary: NUL bytes are its own
    lines = 0
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
                if text and not gz:
                    breaks.feed(block)
                    _refuse_nul(name, block, lines)
                    lines += block.count(b"\n")
        if gz:
            with gzip.open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    breaks.feed(block)
                    _refuse_nul(name, block, lines)
                    lines += block.count(b"\n")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except (gzip.BadGzipFile, EOFError) as exc:
        raise InputError(f"{name}: not a complete gzip file ({exc})") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    return digest.hexdigest(), breaks.found


def _refuse_nul(name: str, block: bytes, lines_before: int) -> None:
    """A NUL byte is never in a text export (and PostgreSQL cannot store one): refuse its line."""
    at = block.find(b"\x00")
    if at >= 0:
        line = lines_before + block.count(b"\n", 0, at) + 1
        raise InputError(
            f"{name}: line {line}: contains a NUL byte (0x00); expected plain UTF-8 text",
            [Problem(name, line, None, None, "NUL byte (0x00): expected plain text")],
        )


def is_parquet(path: Path) -> bool:
    return path.name.lower().endswith(".parquet")


def _pyarrow(what: str):
    try:
        import pyarrow  # noqa: F401
        import pyarrow.compute  # noqa: F401
        import pyarrow.csv  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return None
    return pyarrow


def _header(path: Path, name: str) -> list[str]:
    if is_parquet(path):
        pa = _pyarrow("parquet")
        if pa is None:
            raise InputError(
                f"{name}: reading Parquet needs pyarrow: pip install 'carbon-ledger[parquet]' "
                "(or export the report as CSV)"
            )
        try:
            return list(pa.parquet.read_schema(path).names)
        except FileNotFoundError:
            raise InputError(f"{name}: no such file") from None
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{name}: not a Parquet file ({exc})") from None
    try:
        with _open_text(path) as fh:
            first = fh.readline()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: a folder, not a file") from None
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as exc:
        raise InputError(
            f"{name}: line 1: not a UTF-8 CSV file{' (or not gzip)' if name.endswith('.gz') else ''}"
            f": {exc}",
            [Problem(name, 1, None, None, "not UTF-8 CSV text")],
        ) from None
    if not first.strip():
        raise InputError(
            f"{name}: the file is empty (expected a header line)",
            [Problem(name, 1, None, None, "empty file")],
        )
    header = [c.strip() for c in next(csv.reader([first]))]
    seen: set[str] = set()
    dups = [c for c in header if c in seen or seen.add(c)]
    if dups:
        raise InputError(
            f"{name}: line 1: the header names {dups[0]!r} twice; expected each column once",
            [Problem(name, 1, c, c, "duplicated column") for c in dict.fromkeys(dups)],
        )
    return header


def _ragged(path: Path, info: ExportInfo) -> InputError | None:
    """The refusal of the first row whose number of fields is not the header's (None: every row
    is right). One rule for every bill, whichever reader reads it."""
    header = _header(path, info.name)
    opener = (
        (lambda: io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline=""))
        if path.name.endswith(".gz")
        else None
    )
    found = csvfile.ragged_record(path, len(header), opener)
    return csvfile.too_many_fields(info.name, header, *found) if found else None


def _guess_provider(header: list[str]) -> str | None:
    for provider, markers in OTHER_PROVIDER_MARKERS.items():
        if any(m in header for m in markers):
            return provider
    return None


def aws_info(path: Path, name: str) -> ExportInfo:
    """Check a CUR's header (legacy CSV or CUR 2.0); refuse it naming each missing column."""
    header = _header(path, name)
    cur2 = "line_item_usage_start_date" in header or "line_item_usage_type" in header
    pick = 1 if cur2 else 0
    present = set(header)
    columns: dict[str, str] = {}
    problems = []
    for norm, names in AWS_COLUMNS.items():
        col = names[pick]
        if col not in present and norm == "region" and cur2 and "product_region" in present:
            col = "product_region"
        if col in present:
            columns[norm] = col
        else:
            problems.append(Problem(name, 1, col, None, "required column is missing"))
    if problems:
        other = _guess_provider(header)
        hint = (
            f"; this looks like a {other.upper()} export: use --provider {other}"
            if other and other != "aws"
            else "; expected an AWS Cost and Usage Report (legacy CSV or CUR 2.0)"
        )
        raise InputError(f"{name}: not an AWS Cost and Usage Report{hint}", problems)
    for norm, names in AWS_OPTIONAL.items():
        if names[pick] in present:
            columns[norm] = names[pick]
    tags = {}
    if (
        "resource_tags" in present
    ):  # CUR 2.0: one map column (JSON text in CSV) of "user_<tag>" keys
        columns["resource_tags"] = "resource_tags"
    for col in header:
        if col.startswith("resourceTags/user:"):
            tags["tag:" + col.split(":", 1)[1].lower()] = col
        elif col.startswith("resource_tags_user_"):
            tags["tag:" + col[len("resource_tags_user_") :].lower()] = col
    sha, quotes = _scan(path, name) if not is_parquet(path) else (_scan(path, name)[0], False)
    return ExportInfo(name, sha, columns, tags, quotes)


def read_aws(
    path: Path, info: ExportInfo, chunk_rows: int = CHUNK_ROWS, tag_names: set[str] | None = None
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Yield (normalised chunk, file line of each row); only the columns used are parsed.

    `tag_names` ("tag:team", ...): the tags to read (default: every tag column). A CUR 2.0
    `resource_tags` map becomes one column per tag asked for. For Parquet, "line" is the row
    number (1 = the first row).
    """
    tags = {k: v for k, v in info.tags.items() if tag_names is None or k in tag_names}
    wanted = {**info.columns, **tags}
    rename = {v: k for k, v in wanted.items()}
    numeric = {info.columns[k] for k in ("amount", "cost") if k in info.columns}
    for chunk, lines in _raw_chunks(path, info, list(wanted.values()), chunk_rows, numeric):
        chunk = chunk.rename(columns=rename)
        if "resource_tags" in chunk:
            chunk = _expand_tag_map(chunk, tag_names or set())
        yield chunk, lines


def _expand_tag_map(chunk: pd.DataFrame, tag_names: set[str]) -> pd.DataFrame:
    """CUR 2.0 `resource_tags` ({"user_team": "video"}, JSON text) -> one column per tag asked for,
    parsed once per distinct cell. A malformed cell adds `problem:resource_tags` for the importer to
    refuse the bill with line and column (never read as "no tags"); an empty cell is no tags."""
    codes, uniq = pd.factorize(chunk["resource_tags"].to_numpy(), use_na_sentinel=False)
    parsed = [aws_resource_tags(text) for text in uniq]
    problems = [p for _, p in parsed]
    out = chunk if any(problems) else chunk.drop(columns=["resource_tags"])
    if any(problems):
        out["problem:resource_tags"] = np.array(problems, dtype=object)[codes]
    for tag in tag_names:
        if tag in out:
            continue
        key = "user_" + tag.split(":", 1)[1]
        out[tag] = np.array([t.get(key, "") for t, _ in parsed], dtype=object)[codes]
    return out


def _raw_chunks(
    path: Path,
    info: ExportInfo,
    columns: list[str],
    chunk_rows: int,
    numeric: set[str] = frozenset(),
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Chunks of text columns as in the file, with line numbers: Parquet, pyarrow CSV, or pandas CSV."""
    pa = _pyarrow("csv")
    if is_parquet(path):
        pf = pa.parquet.ParquetFile(path)
        row = 1
        try:
            for batch in pf.iter_batches(batch_size=chunk_rows, columns=columns):
                cols = {}
                for name, arr in zip(batch.schema.names, batch.columns):
                    if pa.types.is_map(arr.type):  # resource_tags: as JSON text, like a CSV export
                        cols[name] = [json_of(m) for m in arr.to_pylist()]
                    else:
                        if pa.types.is_timestamp(arr.type):
                            arr = pa.compute.strftime(arr, format="%Y-%m-%dT%H:%M:%SZ")
                        cols[name] = (
                            arr.cast(pa.string()).fill_null("").to_numpy(zero_copy_only=False)
                        )
                frame = pd.DataFrame(cols)
                yield frame, np.arange(row, row + len(frame), dtype=np.int64)
                row += len(frame)
        except pa.ArrowException as exc:
            raise InputError(f"{info.name}: cannot read the Parquet file: {exc}") from None
        return
    header = _header(path, info.name)  # names stripped of spaces, as the columns are known by
    if pa is not None and not info.has_quotes:
        # pyarrow's streaming CSV reader: several times faster than pandas', bounded memory;
        # it reads quoted fields too (only a quoted line break needs pandas, to number lines)
        try:
            # a stream, not a path: pyarrow would memory-map the file, and the whole bill would
            # become resident
            stream = pa.input_stream(str(path), compression="detect")
            reader = pa.csv.open_csv(
                stream,
                read_options=pa.csv.ReadOptions(
                    block_size=16 << 20, use_threads=True, column_names=header, skip_rows=1
                ),
                convert_options=pa.csv.ConvertOptions(
                    include_columns=columns,
                    column_types={c: pa.string() for c in columns},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            line = 2
            for batch in reader:
                # dictionary-encoded in Arrow: a bill repeats few distinct values per column, so each
                # column becomes a pandas Categorical without one Python string per line
                cols = {}
                for n, a in zip(batch.schema.names, batch.columns):
                    if (
                        n in numeric
                    ):  # amounts are mostly distinct: parse them in Arrow when all are numbers
                        try:
                            cols[n] = pa.compute.cast(a, pa.float64()).to_numpy(
                                zero_copy_only=False
                            )
                            continue
                        except pa.ArrowInvalid:
                            pass  # a bad cell: keep the text, so the refusal can show it
                    enc = pa.compute.dictionary_encode(a)
                    cols[n] = pd.Categorical.from_codes(
                        enc.indices.to_numpy(zero_copy_only=False),
                        categories=pd.Index(enc.dictionary.to_pylist(), dtype=object),
                        validate=False,
                    )
                frame = pd.DataFrame(cols)
                yield frame, np.arange(line, line + len(frame), dtype=np.int64)
                line += len(frame)
            return
        except pa.ArrowInvalid as exc:
            raise _ragged(path, info) or InputError(
                f"{info.name}: not a well-formed CSV file: {exc}"
            ) from None
    # pandas drops the extra fields of a row silently when it reads only some columns
    if (ragged := _ragged(path, info)) is not None:
        raise ragged
    try:
        with pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            usecols=columns,
            header=0,
            names=header,
            encoding="utf-8-sig",
            chunksize=chunk_rows,
            compression="infer",
        ) as reader:
            next_line = 2
            for chunk in reader:
                n = len(chunk)
                if (
                    info.has_quotes
                ):  # a quoted line break (in any column read) moves the lines after it
                    extra = np.zeros(n, dtype=np.int64)
                    for c in chunk.columns:
                        extra += chunk[c].str.count("\n").to_numpy(dtype=np.int64)
                    starts = (
                        next_line
                        + np.arange(n, dtype=np.int64)
                        + np.concatenate(([0], np.cumsum(extra)[:-1]))
                    )
                    next_line = int(starts[-1] + extra[-1] + 1) if n else next_line
                else:
                    starts = next_line + np.arange(n, dtype=np.int64)
                    next_line += n
                yield chunk.reset_index(drop=True), starts
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{info.name}: not UTF-8 text ({exc.reason}); save the export as UTF-8"
        ) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{info.name}: not a well-formed CSV file: {exc}") from None
    except (gzip.BadGzipFile, EOFError, OSError) as exc:
        raise InputError(f"{info.name}: cannot read the compressed file: {exc}") from None


def json_of(pairs) -> str:
    import json

    return json.dumps(dict(pairs or []))


# GCP standard billing export (BigQuery table exported as CSV or newline-delimited JSON)
GCP_COLUMNS = {
    "start": "usage_start_time",
    "end": "usage_end_time",
    "service": "service.description",
    "usage_type": "sku.description",
    "amount": "usage.amount",
    "unit": "usage.unit",
    "region": "location.region",
    "project": "project.id",
    "cost": "cost",
}
GCP_OPTIONAL = {"labels": "labels", "utilization": "utilization", "system_labels": "system_labels"}
MACHINE_SPEC = (
    "compute.googleapis.com/machine_spec"  # the system label CCF reads the machine type from
)
# a machine type as GCP names one: n1-standard-4, e2-micro, n2-custom-4-16384, a2-highgpu-1g
MACHINE_TYPE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)+")


def is_ndjson(path: Path) -> bool:
    n = path.name.lower().removesuffix(".gz")
    return n.endswith(".json") or n.endswith(".jsonl") or n.endswith(".ndjson")


def _ndjson_header(path: Path, name: str) -> list[str]:
    """The dotted column names of the first JSON record (nested objects flattened)."""
    import json

    try:
        with _open_text(path) as fh:
            for n, text in enumerate(fh, start=1):
                if text.strip():
                    try:
                        rec = json.loads(text)
                    except ValueError as exc:
                        raise InputError(
                            f"{name}: line {n}: not a JSON object ({exc.msg})",
                            [Problem(name, n, None, None, "expected one JSON object per line")],
                        ) from None
                    if not isinstance(rec, dict):
                        raise InputError(
                            f"{name}: line {n}: not a JSON object",
                            [Problem(name, n, None, None, "expected one JSON object per line")],
                        )
                    return list(_flatten(rec))
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as exc:
        raise InputError(f"{name}: not UTF-8 JSON text: {exc}") from None
    raise InputError(
        f"{name}: the file is empty (expected one JSON object per line)",
        [Problem(name, 1, None, None, "empty file")],
    )


def _flatten(rec: dict, prefix: str = "", keep: frozenset[str] = frozenset()) -> dict[str, object]:
    """Nested objects as dotted names; a name in `keep` stays whole (an object where `labels`
    should be an array reaches its parser, which refuses it, instead of vanishing)."""
    out: dict[str, object] = {}
    for k, v in rec.items():
        if isinstance(v, dict) and f"{prefix}{k}" not in keep:
            out.update(_flatten(v, f"{prefix}{k}.", keep))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _missing(
    name: str, header: list[str], columns: dict[str, str], provider: str, what: str
) -> None:
    problems = [
        Problem(name, 1, col, None, "required column is missing")
        for col in columns.values()
        if col not in header
    ]
    if problems:
        other = _guess_provider(header)
        hint = (
            f"; this looks like a{'n' if other in ('aws', 'azure') else ''} {other.upper()} export: use "
            f"--provider {other}"
            if other and other != provider
            else f"; expected {what}"
        )
        raise InputError(f"{name}: not {what}{hint}", problems)


def gcp_info(path: Path, name: str) -> ExportInfo:
    """Check a GCP billing export's header (CSV, or newline JSON with nested objects). A BigQuery
    query cannot name a column with a dot, so `service_description` etc. stand for `service.description`."""
    header = _ndjson_header(path, name) if is_ndjson(path) else _header(path, name)
    present = set(header)
    wanted = {
        k: (v.replace(".", "_") if v not in present and v.replace(".", "_") in present else v)
        for k, v in GCP_COLUMNS.items()
    }
    _missing(name, header, wanted, "gcp", "a GCP standard billing export (CSV or newline JSON)")
    columns = dict(wanted)
    # newline JSON leaves out a null field: the first record does not tell which optional ones the
    # file has (a missing one reads as an empty cell)
    columns.update({k: v for k, v in GCP_OPTIONAL.items() if v in header or is_ndjson(path)})
    sha, quotes = _scan(path, name)
    return ExportInfo(name, sha, columns, {}, quotes or is_ndjson(path))


def read_gcp(
    path: Path, info: ExportInfo, chunk_rows: int = CHUNK_ROWS, tag_names: set[str] | None = None
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Yield (normalised chunk, file line of each row); `labels` ([{key, value}], JSON) become
    one `tag:<key>` column per tag the rules name."""
    rename = {v: k for k, v in info.columns.items()}
    chunks = (
        _ndjson_chunks(path, info, chunk_rows)
        if is_ndjson(path)
        else _raw_chunks(path, info, list(info.columns.values()), chunk_rows)
    )
    for chunk, lines in chunks:
        chunk = chunk.rename(columns=rename)
        if "system_labels" in chunk:
            chunk = _machine_types(chunk)
        yield _expand_tags(chunk, "labels", tag_names or set(), gcp_labels), lines


def machine_spec(text: str) -> tuple[str, str]:
    """(machine type, problem) of a `system_labels` cell: a JSON array of {key, value} whose
    compute.googleapis.com/machine_spec, when there, is a machine type. Empty: ("", "")."""
    import json

    expected = (
        'expected a JSON array of {"key", "value"} objects, such as [{"key": '
        f'"{MACHINE_SPEC}", "value": "n1-standard-4"}}]'
    )
    if not text.strip():
        return "", ""
    try:
        value = json.loads(text)
    except ValueError:
        return "", expected
    if not isinstance(value, list) or not all(isinstance(p, dict) and "key" in p for p in value):
        return "", expected
    spec = next((p.get("value") for p in value if p["key"] == MACHINE_SPEC), None)
    if spec is None:
        return "", ""
    if not isinstance(spec, str) or not MACHINE_TYPE.fullmatch(spec):
        return "", (
            f"{MACHINE_SPEC} {spec!r} is not a machine type; expected lower-case words joined by "
            "hyphens, such as n1-standard-4 or e2-micro"
        )
    return spec, ""


def _machine_types(chunk: pd.DataFrame) -> pd.DataFrame:
    """`system_labels` -> `machine_type` (CCF's machine_spec; "" without one), once per distinct
    cell; a malformed cell adds `problem:system_labels` (its message) for the importer to refuse."""
    codes, uniq = pd.factorize(chunk["system_labels"].astype(str).to_numpy(), use_na_sentinel=False)
    parsed = [machine_spec(text) for text in uniq]
    chunk["machine_type"] = np.array([m for m, _ in parsed], dtype=object)[codes]
    if any(p for _, p in parsed):
        chunk["problem:system_labels"] = np.array([p for _, p in parsed], dtype=object)[codes]
    return chunk


def _ndjson_chunks(
    path: Path, info: ExportInfo, chunk_rows: int
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    import json

    wanted = list(info.columns.values())
    keep = frozenset(wanted)
    rows: list[list[str]] = []
    lines: list[int] = []

    def text(v) -> str:
        if v is None:
            return ""
        if isinstance(v, (list, dict)):
            return json.dumps(v)
        return str(v)

    try:
        with _open_text(path) as fh:
            for n, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    rec = json.loads(raw)
                    if not isinstance(rec, dict):
                        raise ValueError("not an object")
                except ValueError:
                    raise InputError(
                        f"{info.name}: line {n}: not a JSON object; import refused, nothing was written",
                        [Problem(info.name, n, None, None, "expected one JSON object per line")],
                    ) from None
                flat = _flatten(rec, keep=keep)
                rows.append([text(flat.get(c)) for c in wanted])
                lines.append(n)
                if len(rows) >= chunk_rows:
                    yield pd.DataFrame(rows, columns=wanted), np.array(lines, dtype=np.int64)
                    rows, lines = [], []
    except UnicodeDecodeError as exc:
        raise InputError(f"{info.name}: not UTF-8 text ({exc.reason})") from None
    if rows:
        yield pd.DataFrame(rows, columns=wanted), np.array(lines, dtype=np.int64)


LABELS_EXPECTED = (
    'expected a JSON array of {"key", "value"} objects with text values, such as '
    '[{"key": "team", "value": "video"}] (an empty cell or [] for no labels)'
)
TAGS_EXPECTED = (
    'expected a JSON object of tag names and text values, such as {"team": "video"}, or Azure\'s '
    '"team": "video" without the braces (an empty cell for no tags)'
)


def _tag_dict(pairs, expected: str, noun: str) -> tuple[dict[str, str], str]:
    """(tags by name in lower case, problem) of (name, value) pairs: a name is text, a value text
    or null (""), and a name given twice (in any case) has one value."""
    tags: dict[str, str] = {}
    for key, value in pairs:
        if not isinstance(key, str) or not key or not (value is None or isinstance(value, str)):
            return {}, expected
        key, value = key.lower(), value or ""
        if tags.get(key, value) != value:
            return (
                {},
                f"{noun} {key!r} is given twice, as {tags[key]!r} and {value!r}; expected each name once",
            )
        tags[key] = value
    return tags, ""


def gcp_labels(text: str) -> tuple[dict[str, str], str]:
    """(labels by key in lower case, problem) of a GCP `labels` cell: a JSON array of {key, value}.
    Empty: ({}, "")."""
    import json

    if not text.strip():
        return {}, ""
    try:
        value = json.loads(text)
    except ValueError:
        return {}, LABELS_EXPECTED
    if not isinstance(value, list) or not all(isinstance(p, dict) and "key" in p for p in value):
        return {}, LABELS_EXPECTED
    return _tag_dict(((p["key"], p.get("value")) for p in value), LABELS_EXPECTED, "label")


def azure_tags(text: str) -> tuple[dict[str, str], str]:
    """(tags by name in lower case, problem) of an Azure `Tags` cell: a JSON object, with or
    without its braces (`"team": "video"`, as Azure's older exports write it). Empty: ({}, "")."""
    import json

    t = text.strip()
    if not t:
        return {}, ""
    if not t.startswith("{"):
        t = "{" + t + "}"
    try:
        pairs = json.loads(
            t, object_pairs_hook=lambda kv: kv
        )  # every pair, a repeated name included
    except ValueError:
        return {}, TAGS_EXPECTED
    if not isinstance(pairs, list):
        return {}, TAGS_EXPECTED
    return _tag_dict(pairs, TAGS_EXPECTED, "tag")


AWS_TAGS_EXPECTED = (
    'expected a JSON object of tag names and text values, such as {"user_team": "video"} '
    "(an empty cell for no tags)"
)


def aws_resource_tags(text) -> tuple[dict[str, str], str]:
    """(tags by name in lower case, problem) of a CUR 2.0 `resource_tags` cell: a JSON object.
    Empty (or missing): ({}, "")."""
    import json

    t = text.strip() if isinstance(text, str) else ""
    if not t:
        return {}, ""
    try:
        pairs = json.loads(t, object_pairs_hook=_Pairs)  # every pair, a repeated name included
    except ValueError:
        return {}, AWS_TAGS_EXPECTED
    if not isinstance(pairs, _Pairs):  # an array, a number, a string: not an object
        return {}, AWS_TAGS_EXPECTED
    return _tag_dict(pairs, AWS_TAGS_EXPECTED, "tag")


class _Pairs(list):
    """A JSON object read as its (name, value) pairs, told apart from a JSON array."""


def _expand_tags(chunk: pd.DataFrame, column: str, tag_names: set[str], parse) -> pd.DataFrame:
    """A tags cell (`parse`: text -> (tags, problem)) -> one `tag:<name>` column per tag asked for,
    parsed once per distinct cell. A malformed cell adds `problem:<column>` (its message) and keeps
    the column, for the importer to refuse the bill with line and column; an empty one is no tags."""
    if column not in chunk:
        for tag in tag_names:
            chunk[tag] = ""
        return chunk
    codes, uniq = pd.factorize(chunk[column].astype(str).to_numpy(), use_na_sentinel=False)
    parsed = [parse(text) for text in uniq]
    problems = [p for _, p in parsed]
    out = chunk if any(problems) else chunk.drop(columns=[column])
    if any(problems):
        out["problem:" + column] = np.array(problems, dtype=object)[codes]
    for tag in tag_names:
        out[tag] = np.array([t.get(tag.split(":", 1)[1], "") for t, _ in parsed], dtype=object)[
            codes
        ]
    return out


# Azure cost details export (Cost Management "cost and usage details", CSV)
AZURE_COLUMNS = {
    "start": "Date",
    "service": "MeterCategory",
    "usage_type": "MeterName",
    "amount": "Quantity",
    "unit": "UnitOfMeasure",
    "region": "ResourceLocation",
    "subscription": "SubscriptionName",
    "cost": "CostInBillingCurrency",
}
AZURE_OPTIONAL = {
    "sub_category": "MeterSubCategory",
    "tags": "Tags",
    "utilization": "utilization",
    "resource": "ResourceId",
}


def azure_info(path: Path, name: str) -> ExportInfo:
    """Check an Azure cost details export's header (CSV or CSV.gz)."""
    header = _header(path, name)
    _missing(name, header, AZURE_COLUMNS, "azure", "an Azure cost details export (CSV)")
    columns = dict(AZURE_COLUMNS)
    columns.update({k: v for k, v in AZURE_OPTIONAL.items() if v in header})
    sha, quotes = _scan(path, name)
    return ExportInfo(name, sha, columns, {}, quotes)


def read_azure(
    path: Path, info: ExportInfo, chunk_rows: int = CHUNK_ROWS, tag_names: set[str] | None = None
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Yield (normalised chunk, file line of each row); `Tags` (a JSON object, with or without its
    braces, as Azure writes it) become one `tag:<name>` column per tag the rules name."""
    rename = {v: k for k, v in info.columns.items()}
    for chunk, lines in _raw_chunks(path, info, list(info.columns.values()), chunk_rows):
        yield (
            _expand_tags(chunk.rename(columns=rename), "tags", tag_names or set(), azure_tags),
            lines,
        )
