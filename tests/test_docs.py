"""The docs say what the code does."""

from pathlib import Path

from carbon.commands import helpdoc

ROOT = Path(__file__).resolve().parent.parent


def test_command_reference_matches_the_cli():
    current = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert current == helpdoc.render(), (
        "docs/commands.md is stale: run  python -m carbon.commands.helpdoc > docs/commands.md"
    )


def test_readme_commands_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for needed in ("pip install .", "carbon demo", 'pip install ".[test]"', "python -m pytest"):
        assert needed in readme
