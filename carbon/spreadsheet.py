"""Making CSV cells safe to open in a spreadsheet.

A cell starting with = + - @ (or a tab / carriage return) is run as a formula
by Excel and LibreOffice (CSV/formula injection, OWASP). Such text cells get a
leading apostrophe, which the spreadsheet shows as text. Numbers are written
as numbers and never pass through here.
"""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: str) -> str:
    """`cell` unchanged, or prefixed with "'" when a spreadsheet would run it."""
    if cell and cell.startswith(_TRIGGERS):
        return "'" + cell
    return cell
