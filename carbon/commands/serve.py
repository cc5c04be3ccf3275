"""carbon serve"""

from __future__ import annotations

import click

from carbon.commands.common import handle_errors, pass_ctx
from carbon.core.lazy import lazy
from carbon.errors import CarbonError

config_file = lazy("carbon.config")


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; any other than 127.0.0.1 needs access tokens.",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="The TCP port."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="TOML config file whose [pack] scenarios the /scenarios page runs "
    "(default: ./carbon.toml when present).",
)
@pass_ctx
@handle_errors()
def serve_cmd(ctx, host: str, port: int, config_path: str | None) -> None:
    """The managers' read-only web pages and JSON API (needs the serve extra).

    Bound to 127.0.0.1 without tokens, everything is served to whoever
    connects (one person's laptop). On any other address it refuses to start
    until a token exists ('carbon tokens add'); every request then needs one.

    \b
    Example:
      carbon serve --port 8000
    """
    try:
        import uvicorn
    except ImportError:
        raise CarbonError(
            "carbon serve needs its extra (uvicorn is missing): pip install 'carbon-ledger[serve]'"
        ) from None
    app = ctx.carbon.web_app(
        local=host == "127.0.0.1", scenarios=config_file.load(config_path).scenarios
    )
    click.echo(f"carbon serve: http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
