"""Comments and docstrings say their reason themselves: none cites a tracker number or a file
outside the repository, which a reader of the repository cannot open."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = ("carbon", "tests", "bench", "scripts")
CITES_ISSUE = re.compile(r"\bissues?\s*#?\d+", re.I)
OUTSIDE = re.compile(r"DESIGN\.md|\.\./shared|\.\./\.\./")


def python_files() -> list[Path]:
    files = [ROOT / "cli.py"]
    for tree in TREES:
        files += sorted((ROOT / tree).rglob("*.py"))
    return [f for f in files if f.is_file()]


def comments_and_docstrings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and every module, class and function docstring."""
    found = [
        (tok.start[0], tok.string)
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                found.append((node.body[0].lineno, doc))
    return found


def offenders(pattern: re.Pattern[str]) -> list[str]:
    out = []
    for path in python_files():
        for line, text in comments_and_docstrings(path.read_text(encoding="utf-8")):
            if pattern.search(text):
                out.append(f"{path.relative_to(ROOT)}:{line}: {pattern.search(text).group(0)}")
    return out


def test_no_comment_or_docstring_cites_an_issue_number():
    assert offenders(CITES_ISSUE) == []


def test_no_comment_or_docstring_cites_a_file_outside_the_repository():
    assert offenders(OUTSIDE) == []


def test_the_scan_sees_comments_and_docstrings():
    # A scan that reads nothing passes everything: show it finds both kinds.
    source = (
        '"""Module (issue 7)."""\n\ndef f():\n    """see ../shared/x"""\n    return 1  # issue 12\n'
    )
    texts = [text for _line, text in comments_and_docstrings(source)]
    assert sum(bool(CITES_ISSUE.search(t)) for t in texts) == 2
    assert sum(bool(OUTSIDE.search(t)) for t in texts) == 1
    assert len(python_files()) > 100
