"""The process entry point (carbon/launch.py): the collector set for a command, the library untouched.

Each check runs in a new interpreter, where the collector's thresholds are CPython's own.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

from carbon import __version__
from carbon.launch import YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parent.parent


def fresh(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def default_thresholds() -> str:
    return fresh("import gc; print(gc.get_threshold())").stdout.strip()


def test_every_way_of_starting_carbon_goes_through_the_launcher():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["carbon"] == "carbon.launch:main"
    assert "from carbon.launch import main" in (ROOT / "carbon" / "__main__.py").read_text()
    assert "from carbon.launch import main" in (ROOT / "cli.py").read_text()


def test_the_launcher_raises_the_young_threshold_only_and_runs_the_command():
    res = fresh(
        "import gc, sys\n"
        "from carbon.launch import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, gc.get_threshold())\n"
    )
    assert res.returncode == 0, res.stderr
    version_line, verdict = res.stdout.strip().splitlines()
    assert __version__ in version_line
    code, thresholds = verdict.split(" ", 1)
    assert code == "0"
    young, middle, old = ast.literal_eval(thresholds)
    assert young == YOUNG_THRESHOLD > ast.literal_eval(default_thresholds())[0]
    assert (middle, old) == ast.literal_eval(default_thresholds())[1:]


def test_python_dash_m_carbon_runs_the_command():
    res = subprocess.run(
        [sys.executable, "-m", "carbon", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert f"carbon, version {__version__}" in res.stdout


def test_the_library_leaves_the_collector_alone():
    res = fresh(
        "import gc, carbon, carbon.api, carbon.cli, carbon.launch; print(gc.get_threshold())"
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == default_thresholds()
