"""PostgreSQL's binary COPY format, built with NumPy for a whole frame at once.

psycopg's `Copy.write_row` formats one row per Python call; at millions of rows
that call is most of an import's time. Here each column is encoded once, as an
array: fixed-width numbers by a big-endian cast, text once per distinct value.
The rows are then grouped by *layout* (the byte length of each field: a text's
length, a NULL): the rows of one layout all have the same width, so they are
written straight into the stream through a packed NumPy structured dtype, one
assignment per field and layout, with no padding to drop. The stream holds the
rows grouped by layout (in the frame's order within a layout), not in the frame's
order: a COPY's rows have no order. When a frame has very many layouts the rows
are laid out in a 2-D array (one slot per field, as wide as its widest value)
whose padding a mask then drops, in the frame's order. The result is what `COPY table (columns) FROM STDIN (FORMAT BINARY)`
reads (PostgreSQL docs, "COPY", "Binary Format"): a signature, then per row an
int16 field count and, per field, an int32 byte length (-1 for NULL) and the
value in the type's binary form; then an int16 -1.

Pure: no database. The column types come from the SQLAlchemy table, so a new
column of a supported type needs no change here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Float, Integer, SmallInteger, String, Table, Text

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
BLOCK = 4 << 20  # bytes handed to the driver per write

# Binary form of each supported column type: a big-endian NumPy dtype, or "text" (UTF-8).
_INTS = {
    "int2": (">i2", -(2**15), 2**15 - 1),
    "int4": (">i4", -(2**31), 2**31 - 1),
    "int8": (">i8", -(2**63), 2**63 - 1),
}


def wire_types(table: Table, columns: Sequence[str]) -> list[str]:
    """The binary form ("int2", "int4", "int8", "float8", "text") of each column.

    Raises TypeError for a column type this module does not encode (add it here).
    """
    out = []
    for name in columns:
        t = table.c[name].type
        if isinstance(t, SmallInteger):
            out.append("int2")
        elif isinstance(t, BigInteger):
            out.append("int8")
        elif isinstance(t, Integer):
            out.append("int4")
        elif isinstance(t, Float) and not t.asdecimal and not (t.precision and t.precision <= 24):
            out.append("float8")  # SQLAlchemy's Float is PostgreSQL's FLOAT: double precision
        elif isinstance(t, (String, Text)):
            out.append("text")
        else:
            raise TypeError(f"binary COPY of {table.name}.{name} ({t!r}) is not supported")
    return out


def _length_bytes(length: np.ndarray) -> np.ndarray:
    return length.astype(">i4").view(np.uint8).reshape(len(length), 4)


def _text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(per-row byte length, -1 for NULL; per-row UTF-8 bytes padded to the longest), encoding
    each distinct value once."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)  # None / NaN -> -1: NULL
    encoded = [str(u).encode("utf-8") for u in uniq]
    widest = max((len(b) for b in encoded), default=0)
    table = np.zeros((len(encoded) + 1, widest), dtype=np.uint8)  # last row: NULL (code -1)
    for i, b in enumerate(encoded):
        table[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
    length = np.array([len(b) for b in encoded] + [-1], dtype=np.int64)[codes]
    return length, table[codes]


def _fixed(values: np.ndarray, wire: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(per-row length, -1 for NULL; per-row big-endian bytes) of a number column."""
    null, data = _numbers(values, wire, name)
    width = data.dtype.itemsize
    return np.where(null, -1, width).astype(np.int64), data.view(np.uint8).reshape(
        len(values), width
    )


def _numbers(values: np.ndarray, wire: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(NULL mask; the values in the wire's big-endian dtype, 0 where NULL) of a number column."""
    null = pd.isna(values) if values.dtype == object else np.zeros(len(values), dtype=bool)
    if null.any():
        values = np.where(null, 0, values)
    if values.dtype == object:  # Python numbers: let NumPy type them (int64, or float64)
        values = np.array(values.tolist())
    if wire == "float8":
        data = np.asarray(values, dtype=np.float64).astype(">f8")
    else:
        dtype, low, high = _INTS[wire]
        if values.dtype.kind not in "iub":
            raise TypeError(f"{name}: expected integers for PostgreSQL {wire}, got {values.dtype}")
        if len(values) and (values.min() < low or values.max() > high):
            raise OverflowError(f"{name}: a value outside the range of PostgreSQL {wire}")
        data = values.astype(dtype)
    return np.asarray(null, dtype=bool), data


# Beyond this many layouts (distinct combinations of text lengths and NULLs) the per-layout
# assignments cost more than the padded array's mask: a frame of free texts, say.
MAX_LAYOUTS = 2048


def encode(frame: pd.DataFrame, columns: Sequence[str], wires: Sequence[str]) -> np.ndarray:
    """The whole COPY stream (signature, rows, trailer) of `frame[columns]`, as uint8 bytes:
    the rows grouped by layout (see the module docstring), or padded and masked when the frame
    has more than MAX_LAYOUTS layouts."""
    n = len(frame)
    if n == 0:
        return np.frombuffer(SIGNATURE + TRAILER, dtype=np.uint8).copy()
    fields: list[tuple] = []  # ("text", codes, lengths, encoded) or ("num", NULL mask, values)
    key = np.zeros(n, dtype=np.int64)  # the layout, in mixed radix over the variable fields
    variants = 1
    for c, w in zip(columns, wires):
        if w == "text":
            codes, uniq = pd.factorize(frame[c], use_na_sentinel=True)
            encoded = [str(u).encode("utf-8") for u in uniq]
            codes = np.array(codes, dtype=np.int64)
            codes[codes < 0] = len(encoded)  # NULL: the last code
            lengths = np.array([len(b) for b in encoded] + [-1], dtype=np.int64)
            lcodes, distinct = pd.factorize(lengths)
            if len(distinct) > 1:
                if variants * len(distinct) > 2**62:  # the key would overflow: too many layouts
                    return _padded(frame, columns, wires)
                key = key * len(distinct) + lcodes[codes]
                variants *= len(distinct)
            fields.append(("text", codes, lengths, encoded))
        else:
            null, data = _numbers(frame[c].to_numpy(), w, c)
            if null.any():
                if variants * 2 > 2**62:
                    return _padded(frame, columns, wires)
                key = key * 2 + null
                variants *= 2
            fields.append(("num", null if null.any() else None, data))
    group, _ = pd.factorize(key, sort=True)
    k = int(group.max()) + 1
    if k > MAX_LAYOUTS:
        return _padded(frame, columns, wires)
    order = None
    starts = np.array([0, n])
    if k > 1:
        order = np.argsort(group.astype(np.int16), kind="stable")  # radix sort: O(n)
        starts = np.searchsorted(group[order], np.arange(k + 1))
    layouts = [_layout(fields, starts[g] if order is None else order[starts[g]]) for g in range(k)]
    sizes = np.diff(starts) * np.array([dt.itemsize for dt, _ in layouts])
    out = np.empty(len(SIGNATURE) + int(sizes.sum()) + len(TRAILER), dtype=np.uint8)
    out[: len(SIGNATURE)] = np.frombuffer(SIGNATURE, dtype=np.uint8)
    out[len(out) - len(TRAILER) :] = np.frombuffer(TRAILER, dtype=np.uint8)
    at = len(SIGNATURE)
    texts: dict[tuple[int, int], np.ndarray] = {}
    for g, (dt, lengths) in enumerate(layouts):
        s, e = starts[g], starts[g + 1]
        rows = slice(s, e) if order is None else order[s:e]
        rec = out[at : at + (e - s) * dt.itemsize].view(dt)
        rec["n"] = len(columns)
        for i, length in enumerate(lengths):
            rec[f"l{i}"] = length
        for i, (kind, codes_or_null, values_or_lengths, *encoded) in enumerate(fields):
            if f"v{i}" not in dt.names:  # NULL or empty text: its length says it all
                continue
            if kind == "num":
                rec[f"v{i}"] = values_or_lengths[rows]
                continue
            width = dt.fields[f"v{i}"][0].itemsize
            table = texts.get((i, width))
            if table is None:  # the values of this width, each as one opaque item
                blob = b"".join(b if len(b) == width else bytes(width) for b in encoded[0])
                table = texts[(i, width)] = np.frombuffer(blob + bytes(width), dtype=f"V{width}")
            rec[f"v{i}"] = table[codes_or_null[rows]]
        at += (e - s) * dt.itemsize
    return out


def _layout(fields: Sequence[tuple], row: int) -> tuple[np.dtype, list[int]]:
    """The packed structured dtype of the rows laid out as `row` is (field count "n", then per
    field its length "l<i>" and, unless NULL or empty, its value "v<i>"), and those lengths."""
    names, formats, offsets, lengths = ["n"], [">i2"], [0], []
    at = 2
    for i, (kind, codes_or_null, values_or_lengths, *_encoded) in enumerate(fields):
        if kind == "text":
            length = int(values_or_lengths[codes_or_null[row]])
        elif codes_or_null is not None and codes_or_null[row]:
            length = -1
        else:
            length = values_or_lengths.dtype.itemsize
        lengths.append(length)
        names.append(f"l{i}")
        formats.append(">i4")
        offsets.append(at)
        at += 4
        if length > 0:
            names.append(f"v{i}")
            formats.append(f"V{length}" if kind == "text" else values_or_lengths.dtype.str)
            offsets.append(at)
            at += length
    dt = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": at})
    return dt, lengths


def _padded(frame: pd.DataFrame, columns: Sequence[str], wires: Sequence[str]) -> np.ndarray:
    """The stream in the frame's order: rows laid out in a 2-D array, one row per line, every
    field in a slot as wide as its widest value; a mask then drops the padding of shorter values
    and NULLs, and reading the kept bytes in row order gives the stream."""
    n = len(frame)
    fields = []
    for c, w in zip(columns, wires):
        values = frame[c].to_numpy()
        fields.append(_text(values) if w == "text" else _fixed(values, w, c))
    width = 2 + sum(4 + payload.shape[1] for _, payload in fields)
    rows = np.empty((n, width), dtype=np.uint8)
    keep = np.ones((n, width), dtype=bool)
    rows[:, :2] = np.frombuffer(np.array([len(columns)], dtype=">i2").tobytes(), dtype=np.uint8)
    at = 2
    for length, payload in fields:
        slot = payload.shape[1]
        if n and length.min() == slot:  # every value fills its slot (a number, never NULL):
            rows[:, at : at + 4] = _length_bytes(length[:1])  # one length, nothing to drop
        else:
            rows[:, at : at + 4] = _length_bytes(length)
            keep[:, at + 4 : at + 4 + slot] = np.arange(slot) < length[:, None]
        rows[:, at + 4 : at + 4 + slot] = payload
        at += 4 + slot
    return np.concatenate(
        (
            np.frombuffer(SIGNATURE, dtype=np.uint8),
            rows[keep],
            np.frombuffer(TRAILER, dtype=np.uint8),
        )
    )


def blocks(buf: np.ndarray, size: int = BLOCK) -> Iterator[memoryview]:
    """The stream in blocks of `size` bytes, for `Copy.write`."""
    view = memoryview(buf)
    for i in range(0, len(buf), size):
        yield view[i : i + size]
