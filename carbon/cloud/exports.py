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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.errors import InputError, Problem

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
}
# CUR 2.0 also names the region column product_region in some exports
AWS_ALIASES = {"product_region": "region"}
OTHER_PROVIDER_MARKERS = {"gcp": ("usage_start_time", "sku.description", "service.description"),
                          "azure": ("MeterCategory", "ResourceLocation", "CostInBillingCurrency"),
                          "aws": ("lineItem/UsageStartDate", "line_item_usage_start_date")}


@dataclass(frozen=True)
class ExportInfo:
    name: str
    sha256: str
    columns: dict[str, str] = field(default_factory=dict)  # normalised -> file header
    tags: dict[str, str] = field(default_factory=dict)  # "tag:team" -> file header
    has_quotes: bool = True  # a quoted field may hold a line break (line numbers then count them)


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


def _scan(path: Path, name: str) -> tuple[str, bool]:
    """(SHA-256 of the file's bytes, whether its text holds a quote: then a field may span lines)."""
    digest = hashlib.sha256()
    quotes = False
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
                quotes = quotes or b'"' in block
        if path.name.endswith(".gz"):
            quotes = False
            with gzip.open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    quotes = quotes or b'"' in block
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except (gzip.BadGzipFile, EOFError) as exc:
        raise InputError(f"{name}: not a complete gzip file ({exc})") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    return digest.hexdigest(), quotes


def _header(path: Path, name: str) -> list[str]:
    try:
        with _open_text(path) as fh:
            first = fh.readline()
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as exc:
        raise InputError(f"{name}: line 1: not a UTF-8 CSV file{' (or not gzip)' if name.endswith('.gz') else ''}"
                         f": {exc}", [Problem(name, 1, None, None, "not UTF-8 CSV text")]) from None
    if not first.strip():
        raise InputError(f"{name}: the file is empty (expected a header line)",
                         [Problem(name, 1, None, None, "empty file")])
    return [c.strip() for c in next(csv.reader([first]))]


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
        hint = (f"; this looks like a {other.upper()} export: use --provider {other}"
                if other and other != "aws" else "; expected an AWS Cost and Usage Report (legacy CSV or CUR 2.0)")
        raise InputError(f"{name}: not an AWS Cost and Usage Report{hint}", problems)
    for norm, names in AWS_OPTIONAL.items():
        if names[pick] in present:
            columns[norm] = names[pick]
    tags = {}
    for col in header:
        if col.startswith("resourceTags/user:"):
            tags["tag:" + col.split(":", 1)[1].lower()] = col
        elif col.startswith("resource_tags_user_"):
            tags["tag:" + col[len("resource_tags_user_"):].lower()] = col
    sha, quotes = _scan(path, name)
    return ExportInfo(name, sha, columns, tags, quotes)


def read_aws(path: Path, info: ExportInfo, chunk_rows: int = CHUNK_ROWS
             ) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Yield (normalised chunk, file line of each row); only the columns used are parsed."""
    wanted = {**info.columns, **info.tags}
    rename = {v: k for k, v in wanted.items()}
    try:
        with pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, usecols=list(wanted.values()),
                         encoding="utf-8-sig", chunksize=chunk_rows, compression="infer") as reader:
            next_line = 2
            for chunk in reader:
                chunk = chunk.rename(columns=rename)
                n = len(chunk)
                if info.has_quotes:  # a quoted line break (in any column read) moves the lines after it
                    extra = np.zeros(n, dtype=np.int64)
                    for c in chunk.columns:
                        extra += chunk[c].str.count("\n").to_numpy(dtype=np.int64)
                    starts = next_line + np.arange(n, dtype=np.int64) + np.concatenate(([0], np.cumsum(extra)[:-1]))
                    next_line = int(starts[-1] + extra[-1] + 1) if n else next_line
                else:
                    starts = next_line + np.arange(n, dtype=np.int64)
                    next_line += n
                yield chunk.reset_index(drop=True), starts
    except UnicodeDecodeError as exc:
        raise InputError(f"{info.name}: not UTF-8 text ({exc.reason}); save the export as UTF-8") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{info.name}: not a well-formed CSV file: {exc}") from None
    except (gzip.BadGzipFile, EOFError, OSError) as exc:
        raise InputError(f"{info.name}: cannot read the compressed file: {exc}") from None
