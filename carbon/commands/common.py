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

from carbon.commands import LazyGroup
from carbon.errors import CarbonError, InputError

if TYPE_CHECKING:
    from carbon.api import Carbon
    from carbon.store import Store



class _Out(Console):
    """Standard output: tables fit the terminal, a message line is never broken.

    A path or a figure cut in two by the terminal width breaks `grep` and copy-paste, so plain
    strings print soft-wrapped (the terminal folds them, nothing inserts a newline).
    """

    def print(self, *objects, **kwargs) -> None:  # type: ignore[override]
        if "soft_wrap" not in kwargs and all(isinstance(o, str) for o in objects):
            kwargs["soft_wrap"] = True
        super().print(*objects, **kwargs)


out = _Out(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # messages stay one line each

EXIT_ERROR = 1  # refused input, missing data: the message says what to fix
EXIT_INTERNAL = 3  # a bug: nothing was committed by the failing step
EXIT_NO_VERDICT = 3  # a check command could not decide (like a monitoring check's "unknown")


class Ctx:
    """Per-invocation state: the database URL; the store opens on first use."""

    def __init__(self, db: str | None):
        self.db = db
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from carbon.store import Store

            self._store = Store.open(self.db)
        return self._store

    @property
    def carbon(self) -> "Carbon":
        """The facade over the store: every command runs its task through one of its methods."""
        from carbon.api import Carbon

        return Carbon(self.store)


pass_ctx = click.make_pass_decorator(Ctx)


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
            cmd.params.append(click.Option(["--db"], metavar="URL", expose_value=False, callback=_set_db,
                                           help="Database URL, as `carbon --db URL` (env CARBON_DB)."))
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
        err.print(f"  … and {beyond} more problem{'s' if beyond != 1 else ''}"
                  + ("" if rejects else " (write them all with --rejects FILE)"))
    frame = getattr(exc, "rejects", None)
    if rejects is not None:
        try:
            if frame is not None:
                from carbon.spreadsheet import inert

                safe = frame.astype(str).map(inert)
                safe["line"] = frame["line"].astype(str)
                safe.to_csv(rejects, index=False)
            else:
                from carbon.ingest.csvfile import problems_to_csv

                rejects.write_text(problems_to_csv(exc.problems), encoding="utf-8")
        except OSError as why:  # the folder went away, a full disk, no permission: say so, no traceback
            reason = why.strerror or str(why)
            err.print(f"[bold red]error:[/bold red] cannot write the rejects file {escape(str(rejects))} "
                      f"({escape(reason)}); the problems are only listed above")
            return
        err.print(f"  every problem is listed in {escape(str(rejects))}")


def handle_errors(rejects_param: str | None = None, error_exit: int = EXIT_ERROR):
    """Decorator: CarbonError -> message and exit `error_exit` (1 unless the command's exit codes
    already give 1 a meaning); anything else -> short internal-error note and exit 3."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except InputError as exc:
                rejects = kwargs.get(rejects_param) if rejects_param else None
                report_input_error(exc, Path(rejects) if rejects else None)
                sys.exit(error_exit)
            except CarbonError as exc:
                err.print(f"[bold red]error:[/bold red] {escape(str(exc))}")
                sys.exit(error_exit)
            except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
                raise
            except Exception as exc:  # never a traceback for a user
                if os.environ.get("CARBON_DEBUG"):
                    raise
                text = str(exc).splitlines()[0] if str(exc) else ""
                if "database is locked" in text:
                    err.print("[bold red]error:[/bold red] the database is busy (another carbon "
                              "command is writing); nothing was changed; try again")
                    sys.exit(error_exit)
                err.print(f"[bold red]internal error:[/bold red] {type(exc).__name__}: {escape(text)}\n"
                          "Nothing was committed by the failing step. Run again with CARBON_DEBUG=1 "
                          "for the details, and report it.")
                sys.exit(EXIT_INTERNAL)

        return inner

    return wrap


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


FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                      show_default=True, help="table for people; json or csv for scripts and spreadsheets.")

def incomplete_json(doc: dict, found: list) -> str:
    """A JSON document with its year's incomplete months added ("incomplete_months": each
    month's completeness, docs/feeds.md)."""
    import json

    doc["incomplete_months"] = [c.to_dict() for c in found]
    return json.dumps(doc, indent=2, ensure_ascii=False)


def print_incomplete(found: list, fmt: str) -> None:
    """Name the incomplete months (stdout after a table, stderr after JSON or CSV)."""
    for c in found:
        (out if fmt == "table" else err).print(f"[bold yellow]{escape(c.headline())}[/bold yellow]")


FEED = click.option("--feed", metavar="NAME",
                    help="The declared feed this import belongs to (carbon feeds add; docs/feeds.md).")
