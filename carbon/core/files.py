"""Writing an output file: whole or not at all.

A report, a workbook or a rejects file is written to a temporary sibling, synced, then renamed
over its name: a reader never sees half a file, and a full disk or a lost permission leaves the
previous file as it was (and no temporary file behind). A name that is not a regular file (a
terminal, `/dev/stdout`, a pipe, `/dev/full`) is written directly: renaming over a device would
replace it.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path


def write_atomic(path: Path | str, data: bytes) -> None:
    """Write `data` to `path` atomically (see the module). Raises OSError as the system does:
    ENOSPC for a full disk, EACCES, ENOENT for a missing folder."""
    path = Path(path)
    if path.exists() and not path.is_file():
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
        return
    mode = path.stat().st_mode & 0o777 if path.exists() else _default_mode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _default_mode() -> int:
    """What `open(path, "w")` would give a new file: 0o666 less the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
