"""The command reference (docs/commands.md), generated from the CLI's own --help.

    python -m carbon.commands.helpdoc > docs/commands.md

tests/test_docs.py fails when the file and the CLI disagree.
"""

from __future__ import annotations

import click
from click.testing import CliRunner


def _walk(group: click.Group, path: tuple[str, ...] = ()):
    yield path, group
    for name in sorted(group.commands):
        cmd = group.commands[name]
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, path + (name,))
        else:
            yield path + (name,), cmd


def render() -> str:
    from carbon import cli

    parts = [
        "# Command reference\n",
        "Generated from `carbon … --help` by `python -m carbon.commands.helpdoc`; "
        "a test keeps it in sync.\n",
    ]
    runner = CliRunner()
    for path, _cmd in _walk(cli.main):
        text = runner.invoke(
            cli.main, [*path, "--help"], prog_name="carbon", terminal_width=100
        ).output
        parts.append(
            f"## carbon {' '.join(path)}".rstrip() + "\n\n```text\n" + text.rstrip() + "\n```\n"
        )
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
