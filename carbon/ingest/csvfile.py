"""Reading a CSV input safely: encoding, delimiter, header, line numbers, chunks.

Every value comes back as text; the callers validate columns. Structural
problems (not UTF-8, wrong delimiter, missing or unknown columns, empty file)
raise InputError at once, naming the file, line and column.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.errors import InputError, Problem
from carbon.spreadsheet import inert
from carbon.suggest import did_you_mean

CHUNK_ROWS = 200_000
_BLOCK = 1 << 20


@dataclass(frozen=True)
class CsvInfo:
    """What the pre-pass learned about a file."""

    name: str  # as shown to the user
    sha256: str
    size: int
    has_quotes: bool  # a quote char means a field may span lines
    lines: int  # physical lines (an approximation of rows for progress bars)
    columns: tuple[str, ...]


def scan(path: Path, display_name: str | None = None) -> CsvInfo:
    """Check encoding and compute the content hash, streaming (bounded memory).

    Raises InputError for a missing, empty or non-UTF-8 file.
    """
    name = display_name or str(path)
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    size = lines = 0
    has_quotes = False
    first_line = b""
    with fh:
        while block := fh.read(_BLOCK):
            if size == 0 and block.startswith(codecs.BOM_UTF8):
                pass  # a BOM is fine: Excel writes one
            nul = block.find(b"\x00")
            if nul >= 0:  # valid UTF-8, but never in a text CSV (and PostgreSQL cannot store it)
                _refuse_nul(name, block, nul, lines, first_line or block.split(b"\n", 1)[0], size)
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                text_before = block[: exc.start]
                line = lines + text_before.count(b"\n") + 1
                raise InputError(
                    f"{name}: line {line}: not UTF-8 text (byte 0x{block[exc.start]:02x}); "
                    "save the file as UTF-8 (Excel: 'CSV UTF-8')",
                    [Problem(name, line, None, None, "not UTF-8 text")],
                ) from None
            if not first_line:
                first_line = block.split(b"\n", 1)[0]
            size += len(block)
            lines += block.count(b"\n")
            has_quotes = has_quotes or b'"' in block
            digest.update(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(f"{name}: ends in the middle of a UTF-8 character") from None
    header_text = first_line.decode("utf-8-sig").strip("\r\n")
    if size == 0 or not header_text.strip():
        raise InputError(
            f"{name}: the file is empty (expected a header line, then one row per line)",
            [Problem(name, 1, None, None, "empty file")],
        )
    columns = tuple(c.strip() for c in next(csv.reader([header_text])))
    return CsvInfo(name, digest.hexdigest(), size, has_quotes, max(lines, 1), columns)


def _refuse_nul(name: str, block: bytes, at: int, lines_before: int, header: bytes, offset: int) -> None:
    """Raise InputError naming the line (and column, when the line starts in `block`) of a NUL byte."""
    line = lines_before + block.count(b"\n", 0, at) + 1
    start = block.rfind(b"\n", 0, at) + 1
    column = None
    if line > 1 and (start > 0 or offset == 0):
        fields = next(csv.reader([block[start:at].decode("utf-8", "replace") + "x"]), [])
        names = next(csv.reader([header.decode("utf-8-sig", "replace").strip("\r\n")]), [])
        if 0 < len(fields) <= len(names):
            column = names[len(fields) - 1].strip()
    where = f"line {line}" + (f", column {column!r}" if column else "")
    raise InputError(
        f"{name}: {where}: contains a NUL byte (0x00); expected plain text. A UTF-16 or binary "
        "file? Save it as UTF-8 text (Excel: 'CSV UTF-8')",
        [Problem(name, line, column, None, "NUL byte (0x00): expected plain text")],
    )


def check_header(
    info: CsvInfo, required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    """Refuse a header with a wrong delimiter, missing, duplicated or unknown columns."""
    problems: list[Problem] = []
    cols = info.columns
    known = required + optional
    if len(cols) == 1 and any(d in cols[0] for d in (";", "\t", "|")):
        delim = next(d for d in (";", "\t", "|") if d in cols[0])
        shown = "tab" if delim == "\t" else repr(delim)
        raise InputError(
            f"{info.name}: line 1: the columns are separated by {shown}; expected ',' "
            f"(comma-separated values with the header {','.join(required)})",
            [Problem(info.name, 1, None, cols[0][:80], f"separated by {shown}, expected ','")],
        )
    seen: set[str] = set()
    for col in cols:
        if col in seen:
            problems.append(Problem(info.name, 1, col, col, "duplicated column"))
        seen.add(col)
        if col not in known:
            close = [c for c in [did_you_mean(col, known)] if c]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                Problem(info.name, 1, col, col,
                        f"unknown column{hint}; expected columns: {', '.join(known)}")
            )
    for col in required:
        if col not in seen:
            problems.append(Problem(info.name, 1, col, None, "required column is missing"))
    if problems:
        raise InputError(f"{info.name}: the header is not as expected", problems)


def read_chunks(path: Path, info: CsvInfo,
                chunk_rows: int | None = None) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Yield (rows as text, their line numbers) chunk by chunk.

    Fully blank lines are dropped (their line numbers are kept right for the
    rest). A row with too many fields raises InputError naming its line.
    """
    try:
        reader = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            chunksize=chunk_rows or CHUNK_ROWS,
            skipinitialspace=False,
        )
        next_line = 2  # line 1 is the header
        for chunk in reader:
            chunk.columns = [c.strip() for c in chunk.columns]
            n = len(chunk)
            if info.has_quotes:
                # A quoted field may hold newlines: count them to keep lines right.
                extra = np.zeros(n, dtype=np.int64)
                for col in chunk.columns:
                    extra += chunk[col].str.count("\n").to_numpy(dtype=np.int64)
                starts = next_line + np.arange(n, dtype=np.int64) + np.concatenate(([0], np.cumsum(extra)[:-1]))
                next_line = int(starts[-1] + extra[-1] + 1) if n else next_line
            else:
                starts = next_line + np.arange(n, dtype=np.int64)
                next_line += n
            blank = np.ones(n, dtype=bool)
            for col in chunk.columns:
                blank &= (chunk[col].to_numpy() == "")
            if blank.any():
                keep = ~blank
                chunk = chunk.loc[keep].reset_index(drop=True)
                starts = starts[keep]
            yield chunk, starts
    except pd.errors.ParserError as exc:
        msg = str(exc)
        line = None
        m = re.search(r"line (\d+)", msg)
        if m:
            line = int(m.group(1))
        expected = len(info.columns)
        raise InputError(
            f"{info.name}: line {line}: cannot split the row into fields ({msg.strip()}); "
            f"expected {expected} comma-separated fields; quote values that contain commas",
            [Problem(info.name, line, None, None, f"expected {expected} fields")],
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{info.name}: the file is empty") from None


def read_small(path: Path, required: tuple[str, ...], optional: tuple[str, ...],
               display_name: str | None = None) -> tuple[CsvInfo, pd.DataFrame, np.ndarray]:
    """Read a small file (factor table, survey) in one go: info, rows, line numbers."""
    info = scan(path, display_name)
    check_header(info, required, optional)
    frames, lines = [], []
    for chunk, ln in read_chunks(path, info):
        frames.append(chunk)
        lines.append(ln)
    if not frames:
        return info, pd.DataFrame(columns=list(info.columns)), np.array([], dtype=np.int64)
    return info, pd.concat(frames, ignore_index=True), np.concatenate(lines)


def problems_to_csv(problems: list[Problem]) -> str:
    """The rejects listing as CSV text (file, line, column, value, problem)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["file", "line", "column", "value", "problem"])
    for p in problems:
        w.writerow([inert(p.file), p.line if p.line is not None else "", inert(p.column or ""),
                    inert(p.value or ""), inert(p.message)])
    return out.getvalue()
