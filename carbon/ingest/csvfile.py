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

from carbon.core.spreadsheet import inert
from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, Problem

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
                first_line = _first_line(block)
            size += len(block)
            lines += block.count(b"\n") or block.count(
                b"\r"
            )  # CR-only line ends: old Mac, some exports
            has_quotes = has_quotes or b'"' in block
            digest.update(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(f"{name}: ends in the middle of a UTF-8 character") from None
    header_text = first_line.decode("utf-8-sig")
    if size == 0 or not header_text.strip():
        raise InputError(
            f"{name}: the file is empty (expected a header line, then one row per line)",
            [Problem(name, 1, None, None, "empty file")],
        )
    columns = tuple(c.strip() for c in next(csv.reader([header_text])))
    return CsvInfo(name, digest.hexdigest(), size, has_quotes, max(lines, 1), columns)


def _first_line(block: bytes) -> bytes:
    """The first line of `block`, whichever line end the file uses (LF, CRLF or CR alone)."""
    return re.split(rb"\r\n|\r|\n", block, maxsplit=1)[0]


def records(lines):
    """`csv.reader(lines)` without the csv module's 128 KiB limit on a field: pandas and pyarrow
    read a long cell, so the checks that run beside them must read it too."""
    if csv.field_size_limit() < _MAX_FIELD:
        csv.field_size_limit(_MAX_FIELD)
    return csv.reader(lines)


_MAX_FIELD = 2**31 - 1


def ragged_record(path: Path, expected: int, opener=None) -> tuple[int, int] | None:
    """(line, fields) of the first record whose number of fields is not `expected`, or None.

    Quote-aware (a quoted value may hold commas and line breaks), any line end, blank lines
    skipped; `opener` opens the file as text (default: UTF-8 with or without a BOM). A reader
    that selects columns (pandas' `usecols`) would otherwise drop an extra field silently.
    """
    fh = opener() if opener is not None else open(path, encoding="utf-8-sig", newline="")
    with fh:
        reader = records(fh)
        start = 1
        for record in reader:
            if (
                record
                and len(record) != expected
                and not (len(record) == 1 and not record[0].strip())
            ):
                return start, len(record)
            start = reader.line_num + 1
    return None


def too_many_fields(
    name: str, columns: tuple[str, ...] | list[str], line: int, found: int
) -> InputError:
    """The refusal of a row whose number of fields is not the header's, naming line and column."""
    expected = len(columns)
    column = (
        columns[-1] if found > expected else columns[found - 1] if 0 < found <= expected else None
    )
    what = f"expected {expected} fields as in the header, found {found}" + (
        "; the fields after the last column have no header" if found > expected else ""
    )
    where = f"line {line}, column {column!r}" if column else f"line {line}"
    return InputError(
        f"{name}: {where}: {what}; quote values that contain commas",
        [Problem(name, line, column, None, what)],
    )


def _refuse_nul(
    name: str, block: bytes, at: int, lines_before: int, header: bytes, offset: int
) -> None:
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


def check_delimiter(info: CsvInfo, required: tuple[str, ...]) -> None:
    """Refuse a header read as one column holding ';', a tab or '|': a file separated by those
    (a spreadsheet's export in some locales), named as such rather than as missing columns."""
    cols = info.columns
    if len(cols) == 1 and any(d in cols[0] for d in (";", "\t", "|")):
        delim = next(d for d in (";", "\t", "|") if d in cols[0])
        shown = "tab" if delim == "\t" else repr(delim)
        raise InputError(
            f"{info.name}: line 1: the columns are separated by {shown}; expected ',' "
            f"(comma-separated values with the header {','.join(required)})",
            [Problem(info.name, 1, None, cols[0][:80], f"separated by {shown}, expected ','")],
        )


def check_header(info: CsvInfo, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    """Refuse a header with a wrong delimiter, missing, duplicated or unknown columns."""
    problems: list[Problem] = []
    cols = info.columns
    known = required + optional
    check_delimiter(info, required)
    seen: set[str] = set()
    for col in cols:
        if col in seen:
            problems.append(Problem(info.name, 1, col, col, "duplicated column"))
        seen.add(col)
        if col not in known:
            close = [c for c in [did_you_mean(col, known)] if c]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                Problem(
                    info.name,
                    1,
                    col,
                    col,
                    f"unknown column{hint}; expected columns: {', '.join(known)}",
                )
            )
    for col in required:
        if col not in seen:
            problems.append(Problem(info.name, 1, col, None, "required column is missing"))
    if problems:
        raise InputError(f"{info.name}: the header is not as expected", problems)


def read_chunks(
    path: Path, info: CsvInfo, chunk_rows: int | None = None
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Yield (rows as text, their line numbers) chunk by chunk.

    Fully blank lines are dropped (their line numbers are kept right for the
    rest). A row with too many fields, or a quote never closed, raises
    InputError naming its line.
    """
    try:
        with pd.read_csv(
            path,
            # Python str objects: pandas' default text dtype (Arrow) costs a conversion
            # here and another back when the values are compared, spread and written.
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            chunksize=chunk_rows or CHUNK_ROWS,
            skipinitialspace=False,
        ) as reader:  # closed however the reading ends (a refusal stops it early)
            next_line = 2  # line 1 is the header
            for chunk in reader:
                if not isinstance(chunk.index, pd.RangeIndex):
                    raise _implicit_index(path, info, chunk)
                chunk.columns = [c.strip() for c in chunk.columns]
                n = len(chunk)
                if info.has_quotes:
                    # A quoted field may hold newlines: count them to keep lines right.
                    extra = np.zeros(n, dtype=np.int64)
                    for col in chunk.columns:
                        extra += chunk[col].str.count(r"\r\n|\r|\n").to_numpy(dtype=np.int64)
                    starts = (
                        next_line
                        + np.arange(n, dtype=np.int64)
                        + np.concatenate(([0], np.cumsum(extra)[:-1]))
                    )
                    next_line = int(starts[-1] + extra[-1] + 1) if n else next_line
                else:
                    starts = next_line + np.arange(n, dtype=np.int64)
                    next_line += n
                blank = np.ones(n, dtype=bool)
                for col in chunk.columns:
                    blank &= chunk[col].to_numpy() == ""
                if blank.any():
                    keep = ~blank
                    chunk = chunk.loc[keep].reset_index(drop=True)
                    starts = starts[keep]
                yield chunk, starts
    except pd.errors.ParserError as exc:
        raise _parser_error(path, info, str(exc)) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{info.name}: the file is empty") from None


def _too_many_fields(info: CsvInfo, line: int | None, found: int, hint: str = "") -> InputError:
    expected = len(info.columns)
    where = f"line {line}: " if line is not None else ""
    return InputError(
        f"{info.name}: {where}expected {expected} fields, found {found}{hint}; "
        "quote values that contain commas",
        [Problem(info.name, line, None, None, f"expected {expected} fields, found {found}{hint}")],
    )


def _implicit_index(path: Path, info: CsvInfo, chunk: pd.DataFrame) -> InputError:
    """The first data row has more fields than the header.

    pandas then silently takes the extra leading fields as an index (dropping
    them), so this is checked on the frame; `index_col=False` is no cure: it
    drops extra trailing fields just as silently.
    """
    extra = chunk.index.nlevels
    last = chunk.iloc[0, -1] if len(chunk) and len(chunk.columns) else None
    hint = " (a comma at the end of the row?)" if extra == 1 and last == "" else ""
    line = _scan_quotes(path, record=2).record_line
    return _too_many_fields(info, line, len(info.columns) + extra, hint)


_FIELDS_RE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_IN_QUOTE_RE = re.compile(r"EOF inside string starting at row (\d+)")


def _parser_error(path: Path, info: CsvInfo, msg: str) -> InputError:
    """pandas' tokenizer error as a message naming the physical line (and column).

    pandas counts records, not lines (a quoted value may span lines), so the
    line is found again by a quote-aware scan of the file.
    """
    if m := _FIELDS_RE.search(msg):
        line = _scan_quotes(path, record=int(m.group(2))).record_line
        return _too_many_fields(info, line, int(m.group(3)))
    if m := _EOF_IN_QUOTE_RE.search(msg):
        scan = _scan_quotes(path)
        if scan.open_line is not None:
            field = scan.open_field
            column = (
                info.columns[field] if field is not None and field < len(info.columns) else None
            )
            where = f"line {scan.open_line}" + (f", column {column!r}" if column else "")
            what = "a quoted value opens here and is never closed (the quote runs to the end of the file)"
            return InputError(
                f"{info.name}: {where}: {what}; close the quote, or remove the stray '\"'",
                [Problem(info.name, scan.open_line, column, None, what)],
            )
        after = _scan_quotes(
            path, record=int(m.group(1)) + 1
        ).record_line  # pandas' rows count from 0
        what = (
            f"a quote opened somewhere after line {after} is never closed"
            if after
            else "a quote is never closed"
        )
        return InputError(
            f"{info.name}: {what}; close the quote, or remove the stray '\"'",
            [Problem(info.name, after, None, None, what)],
        )
    expected = len(info.columns)
    return InputError(
        f"{info.name}: cannot split the rows into fields ({msg.strip()}); expected {expected} "
        "comma-separated fields; quote values that contain commas",
        [Problem(info.name, None, None, None, f"expected {expected} fields")],
    )


@dataclass(frozen=True)
class _QuoteScan:
    record_line: int | None  # physical line where the asked record starts
    open_line: int | None  # line where a quoted value that is never closed opens
    open_field: int | None  # and the index of its field in the row


def _scan_quotes(path: Path, record: int | None = None) -> _QuoteScan:
    """Walk the file's quotes as pandas' tokenizer does (RFC 4180, '""' inside quotes).

    Only run when a file is refused, to turn pandas' record numbers into lines.
    A quote opens a value only at the start of a field; elsewhere it is a plain
    character. Streaming, line by line: memory stays bounded.
    """
    record_no = field = 0
    in_quote = False
    record_line = open_line = open_field = None
    with open(path, encoding="utf-8-sig", errors="replace") as fh:  # any line end
        for n, raw in enumerate(fh, 1):
            if not in_quote:  # the line starts a new record
                record_no += 1
                field = 0
                if record_no == record:
                    record_line = n
                if record is not None and record_no >= record:
                    break
                if '"' not in raw:
                    continue
            pos = 0
            while True:
                if in_quote:
                    j = raw.find('"', pos)
                    if j < 0:
                        break
                    if raw[j + 1 : j + 2] == '"':  # an escaped quote
                        pos = j + 2
                        continue
                    in_quote, pos = False, j + 1
                else:
                    j = raw.find('"', pos)
                    field += raw.count(",", pos, j if j >= 0 else len(raw))
                    if j < 0:
                        break
                    if j == 0 or raw[j - 1 : j] == ",":
                        in_quote, open_line, open_field = True, n, field
                    pos = j + 1
    return _QuoteScan(
        record_line, open_line if in_quote else None, open_field if in_quote else None
    )


def read_small(
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    display_name: str | None = None,
) -> tuple[CsvInfo, pd.DataFrame, np.ndarray]:
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
        w.writerow(
            [
                inert(p.file),
                p.line if p.line is not None else "",
                inert(p.column or ""),
                inert(p.value or ""),
                inert(p.message),
            ]
        )
    return out.getvalue()
