"""Making CSV cells safe to open in a spreadsheet.

A cell starting with = + - @ (or a tab / carriage return) is run as a formula
by Excel and LibreOffice (CSV/formula injection, OWASP). Such text cells get a
leading apostrophe, which the spreadsheet shows as text. Numbers are written
as numbers and never pass through here.

A CSV meant for a spreadsheet starts with a BOM: without it Excel reads UTF-8
as the local code page, and "Équipe Sécurité" opens as "Ã‰quipe SÃ©curitÃ©".
"""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # the UTF-8 byte order mark, as text: the first character of a spreadsheet CSV


def inert(cell: str) -> str:
    """`cell` unchanged, or prefixed with "'" when a spreadsheet would run it."""
    if cell and cell.startswith(_TRIGGERS):
        return "'" + cell
    return cell
