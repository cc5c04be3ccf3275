"""Text from users, made safe to show: the one function at the rendering edge.

Sources, reasons, names, `--by`, scenario names, rules-file patterns and file contents echoed
back reach the terminal, the HTML pages and the e-mails. A control character in them (ESC
starts a terminal escape sequence: `\\x1b[2J` clears the screen) or a bidirectional override
(U+202E shows the text after it reversed, so `txt.exe` can read as `exe.txt`) is removed before
it is shown, as team names are refused when declared. Newlines and tabs stay (layout).
"""

from __future__ import annotations

import html
import re

# C0 controls but tab and newline, DEL, C1 controls; the bidirectional formatting characters
# (marks, embeddings, overrides, isolates).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` without control and bidirectional-override characters (newline and tab kept).

    clean("s\\x1b[2Jrc") -> "s[2Jrc"; clean("invoice\\u202efdp.exe") -> "invoicefdp.exe".
    """
    return _UNSAFE.sub("", text) if _UNSAFE.search(text) else text


def html_escape(text: str, quote: bool = True) -> str:
    """`html.escape` of the cleaned text: what every HTML page and e-mail writes."""
    return html.escape(clean(text), quote=quote)
