"""The longest text the store keeps in each bounded column, in characters.

One place for both sides: the schema declares its VARCHAR columns with these,
and the readers refuse a longer name, key or code with its file, line and
column. SQLite does not enforce a VARCHAR length but PostgreSQL does, so a
value checked here behaves the same on both. Locators that only say where a
value came from ("file:line") are clipped instead (`clip`).
"""

from __future__ import annotations

from carbon.errors import InputError

TEAM_NAME = 100
ACTIVITY_KEY = 200
REGION = 100
UNIT = (
    100  # also carbon.core.units.MAX_UNIT_CHARS: longer unit text is refused before pint parses it
)
CATEGORY = 64
SOURCE_NAME = 500  # an import's source name (--source, else the file name)
PRICE_KEY = 500
PRICE_VALUE = 64  # a price's exact decimal text
BUDGET_UNIT = 50
ORIGIN = 500  # "file:line" locators
PACK_PATH = 1000
EMPLOYEE_ID = 200  # a commuting survey's employee identifier
PERSON = 200  # who closed, reopened or restated a period (--by, else the OS user)
METRIC_NAME = 64  # a business metric's name (carbon.metrics.rules)
METRIC_LABEL = 200
FIRST_LINES = 5  # repeated lines shown in a warning or refusal (carbon.ledger.duplicates)


def too_long(text: str, limit: int) -> str | None:
    """The problem text when `text` is longer than `limit` characters, else None."""
    if len(text) > limit:
        return f"too long: {len(text):,} characters, at most {limit:,}"
    return None


def source_name(name: str) -> str:
    """An import's source name, checked (it identifies the source for --replace)."""
    if long := too_long(name, SOURCE_NAME):
        raise InputError(f"source name {name[:60]!r}…: {long}; name it with --source NAME")
    return name


def clip(locator: str, limit: int = ORIGIN) -> str:
    """A locator such as "/long/path/file.csv:12" cut to `limit` characters from the left,
    so the file name and the line number are kept."""
    if len(locator) <= limit:
        return locator
    return "…" + locator[-(limit - 1) :]
