"""carbon import video …"""

from __future__ import annotations

import click

from carbon.commands.common import FEED, handle_errors, pass_ctx
from carbon.commands.imports import _summary, check_rejects, common, importer, restate_of


@click.command("video")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--mapping",
    "mapping",
    required=True,
    type=click.Path(dir_okay=False),
    help="TOML file naming the export's columns (see examples/video-mappings/).",
)
@common
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse rows already in another import (default: import them with a warning).",
)
@FEED
@pass_ctx
@handle_errors(rejects_param="rejects")
def import_video_cmd(
    ctx,
    file,
    mapping,
    replace,
    create_teams,
    source,
    default_region,
    prefer_source,
    rejects,
    restate,
    reason,
    by,
    strict,
    feed=None,
) -> None:
    """Import a video platform's viewing export as streaming.video.<resolution> entries.

    The mapping names the columns for the date, the time watched (hours,
    minutes, seconds or milliseconds), the resolution (or bitrate), the
    country and device, and how rows map to teams (a column, or rules on a
    course or folder column). Other columns are ignored. Same rules as
    activity files; another mapping of the same file is another import.

    \b
    Example:
      carbon import video vimeo-2026-10.csv --mapping examples/video-mappings/vimeo.toml
    """
    check_rejects(rejects)
    outcome = ctx.carbon.import_video(
        file,
        mapping,
        source=source,
        replace=replace,
        create_teams=create_teams,
        default_region=default_region,
        checks=importer.Checks(strict, restate_of(restate, reason, by)),
        prefer_source=prefer_source,
        feed=feed,
    )
    _summary(file, outcome)
