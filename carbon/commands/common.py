"""What every command shares: the store, the consoles, and errors turned into messages."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.segment import Segment

from carbon.commands import LazyGroup
from carbon.core.text import clean
from carbon.errors import EXIT_ERROR, EXIT_INTERNAL, CarbonError, InputError, exit_code

if TYPE_CHECKING:
    from carbon.api import Carbon
    from carbon.store import Store


class SafeConsole(Console):
    """A console that shows text from users safely: every string it renders, in a message, a
    table cell or a Text, loses its control and bidirectional-override characters
    (`carbon.core.text.clean`): an ESC in an import's source or a close reason never reaches the
    terminal as an escape sequence. The console's own styling is added after, so it stays."""

    def render_str(self, text: str, *args, **kwargs):  # type: ignore[override]
        return super().render_str(clean(text), *args, **kwargs)

    def render(self, renderable, options=None):  # type: ignore[override]
        for seg in super().render(renderable, options):
            if seg.control or not seg.text:
                yield seg
            else:
                cleaned = clean(seg.text)
                yield seg if cleaned is seg.text else Segment(cleaned, seg.style, seg.control)


class _Out(SafeConsole):
    """Standard output: tables fit the terminal, a message line is never broken.

    A path or a figure cut in two by the terminal width breaks `grep` and copy-paste, so plain
    strings print soft-wrapped (the terminal folds them, nothing inserts a newline).
    """

    def print(self, *objects, **kwargs) -> None:  # type: ignore[override]
        if "soft_wrap" not in kwargs and all(isinstance(o, str) for o in objects):
            kwargs["soft_wrap"] = True
        super().print(*objects, **kwargs)


out = _Out(highlight=False, emoji=False)  # ":fire:" in a team name is text, not an emoji
err = SafeConsole(
    stderr=True, highlight=False, soft_wrap=True, emoji=False
)  # messages stay one line each

# EXIT_ERROR (1: refused input, missing data, a fault of the environment) and EXIT_INTERNAL (3: a
# bug) come from carbon.errors, beside the table of each error class's exit code.
EXIT_NO_VERDICT = 3  # a check command could not decide (like a monitoring check's "unknown")


class Ctx:
    """Per-invocation state: the database URL; the store opens on first use."""

    def __init__(self, db: str | None, init: bool = False):
        self.db = db
        self.init = init  # --init: create carbon's tables even in a database that is not empty
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from carbon.store import Store

            self._store = Store.open(self.db, init=self.init)
            self._store.refuse_memory_writes = True  # a command's writes must outlive it
        return self._store

    @property
    def carbon(self) -> Carbon:
        """The facade over the store: every command runs its task through one of its methods."""
        from carbon.api import Carbon

        return Carbon(self.store)


pass_ctx = click.make_pass_decorator(Ctx)


def echo(line: str) -> None:
    """A plain line for scripts and logs (never wrapped, no markup), shown safely (`clean`)."""
    click.echo(clean(line))


def _set_db(ctx: click.Context, _param, value: str | None) -> None:
    if value is not None:
        ctx.find_object(Ctx).db = value


def add_db_option(cmd: click.Command) -> None:
    """Give every command under `cmd` a `--db URL` option, so `carbon demo --db URL` works
    like `carbon --db URL demo` (the command's own option wins). A lazy group's commands get it
    when they are imported."""
    if isinstance(cmd, LazyGroup):
        if add_db_option not in cmd.on_load:
            cmd.on_load.append(add_db_option)
        subcommands = cmd.commands.loaded_commands()
    elif isinstance(cmd, click.Group):
        subcommands = list(cmd.commands.values())
    else:
        if not any(p.name == "db" for p in cmd.params):
            cmd.params.append(
                click.Option(
                    ["--db"],
                    metavar="URL",
                    expose_value=False,
                    callback=_set_db,
                    help="Database URL, as `carbon --db URL` (env CARBON_DB).",
                )
            )
        return
    for sub in subcommands:
        add_db_option(sub)


def report_input_error(exc: InputError, rejects: Path | None = None) -> None:
    """Print an InputError: headline, the first problems, a count beyond, the rejects file."""
    err.print(f"[bold red]error:[/bold red] {escape(str(exc))}")
    for p in exc.problems:
        err.print(f"  {escape(str(p))}")
    beyond = exc.total - len(exc.problems)
    if beyond > 0:
        err.print(
            f"  … and {beyond} more problem{'s' if beyond != 1 else ''}"
            + ("" if rejects else " (write them all with --rejects FILE)")
        )
    frame = getattr(exc, "rejects", None)
    if rejects is not None:
        from carbon.core.files import write_atomic

        try:
            if frame is not None:
                from carbon.core.spreadsheet import inert

                safe = frame.astype(str).map(inert)
                safe["line"] = frame["line"].astype(str)
                write_atomic(rejects, safe.to_csv(index=False).encode("utf-8"))
            else:
                from carbon.ingest.csvfile import problems_to_csv

                write_atomic(rejects, problems_to_csv(exc.problems).encode("utf-8"))
        except (
            OSError
        ) as why:  # the folder went away, a full disk, no permission: say so, no traceback
            reason = why.strerror or str(why)
            err.print(
                f"[bold red]error:[/bold red] cannot write the rejects file {escape(str(rejects))} "
                f"({escape(reason)}); the problems are only listed above"
            )
            return
        err.print(f"  every problem is listed in {escape(str(rejects))}")


def handle_errors(rejects_param: str | None = None, error_exit: int | None = None):
    """Decorator: CarbonError -> message and exit with the error class's code (`carbon.errors.
    EXIT_CODES`), or `error_exit` for every error when the command's exit codes already give those
    a meaning; a fault of the environment -> message and exit `error_exit` or 1; anything else ->
    short internal-error note and exit 3."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except InputError as exc:
                rejects = kwargs.get(rejects_param) if rejects_param else None
                report_input_error(exc, Path(rejects) if rejects else None)
                sys.exit(exit_code(exc) if error_exit is None else error_exit)
            except CarbonError as exc:
                err.print(f"[bold red]error:[/bold red] {escape(str(exc))}")
                sys.exit(exit_code(exc) if error_exit is None else error_exit)
            except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
                raise
            except Exception as exc:  # never a traceback for a user
                if os.environ.get("CARBON_DEBUG"):
                    raise
                text = str(exc).splitlines()[0] if str(exc) else ""
                fault = environment_fault(exc)
                if fault is not None:
                    err.print(f"[bold red]error:[/bold red] {escape(fault)}")
                    sys.exit(EXIT_ERROR if error_exit is None else error_exit)
                err.print(
                    f"[bold red]internal error:[/bold red] {type(exc).__name__}: {escape(text)}\n"
                    "Nothing was committed by the failing step. Run again with CARBON_DEBUG=1 "
                    "for the details, and report it."
                )
                sys.exit(EXIT_INTERNAL)

        return inner

    return wrap


# Exceptions of the database drivers that mean "the database, not carbon": the server went away,
# the connection was cut, the disk is full. Matched by name so no driver is imported for it.
_DATABASE_FAULTS = {
    "OperationalError",
    "InterfaceError",
    "DisconnectionError",
    "PendingRollbackError",
}


def environment_fault(exc: BaseException) -> str | None:
    """The message for a fault of the environment (docs/integrity.md), or None for a bug.

    A lost or refused database connection, a busy SQLite database, a full disk, a missing folder
    or a missing permission: each is said plainly (no "internal error", no traceback); the
    step that failed committed nothing."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    if "database is locked" in text:
        return "the database is busy (another carbon command is writing); nothing was changed; try again"
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return (
            f"cannot write or read{where}: {exc.strerror or exc} (a fault of the environment: "
            "free space, permissions, the folder); the failing step wrote nothing"
        )
    names = {c.__name__ for c in type(exc).__mro__}
    if names & _DATABASE_FAULTS and type(exc).__module__.split(".")[0] in {
        "sqlalchemy",
        "psycopg",
        "sqlite3",
    }:
        cause = getattr(exc, "orig", None) or exc
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        if "full" in first.lower():
            return f"the database's disk is full ({first}); nothing was committed; free space and run again"
        return (
            f"the database connection failed or was lost ({first}); nothing was committed by "
            "the failing step; check the database server and run again"
        )
    return None


class VerdictCommand(click.Command):
    """A command whose exit code is a verdict (0/1/2, like a monitoring check): a usage error
    (bad option value, missing option) exits 3 like any other "could not check", instead of
    click's 2, which would read as the worst verdict."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = EXIT_NO_VERDICT
            raise


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table for people; json or csv for scripts and spreadsheets.",
)


def print_incomplete(found: list, fmt: str) -> None:
    """Name the incomplete months (stdout after a table, stderr after JSON or CSV)."""
    for c in found:
        (out if fmt == "table" else err).print(f"[bold yellow]{escape(c.headline())}[/bold yellow]")


FEED = click.option(
    "--feed",
    metavar="NAME",
    help="The declared feed this import belongs to (carbon feeds add; docs/feeds.md).",
)
