"""The JSON answers shared by the command line (`--format json`) and `carbon serve`'s API.

One function per question, returning the exact text `carbon … --format json` prints (with its
final newline), so the CLI and the HTTP API cannot drift apart: both call these.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from carbon.api import Carbon


def monthly_text(rep, intensity) -> str:
    from carbon.report import monthly as view

    return view.to_json(rep, intensity) + "\n"


def monthly(carbon: "Carbon", month: str, team: str | None = None) -> str:
    """`carbon report monthly --month M [--team T] --format json`."""
    rep = carbon.monthly_report(month, team)
    return monthly_text(rep, carbon.intensity_for_month(rep))


def budget_status_text(rep) -> str:
    from carbon.report import budget as view

    return view.to_json(rep) + "\n"


def budget_status(carbon: "Carbon", month: str, team: str | None = None) -> str:
    """`carbon budget status --month M [--team T] --format json` (its warnings, printed on
    stderr by the CLI, are in the JSON's "warnings")."""
    return budget_status_text(carbon.budget_status(month, team))


def year_text(rep) -> str:
    from carbon.report import year as view

    return view.to_json(rep) + "\n"


def year(carbon: "Carbon", year_: int) -> str:
    """`carbon report year --year Y --format json`."""
    return year_text(carbon.year_report(year_))


def donation_text(result) -> str:
    from carbon.report import donation as view

    return view.to_json(result) + "\n"


def donation(carbon: "Carbon", year_: int, as_of: date | None = None, **options) -> str:
    """`carbon donation --year Y [--price P --currency C --basis B --price-year Y] --format json`
    (as of today unless `as_of`)."""
    return donation_text(carbon.donation(year_, as_of=as_of or date.today(), **options))


def teams_dict(found: list) -> dict:
    return {"teams": [{"team": t.name, "status": "retired" if t.retired_from else "active",
                       "retired_from": t.retired_from, "former_names": list(t.former_names),
                       "declared": t.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") if t.created_at else None}
                      for t in found]}


def teams_text(found: list) -> str:
    return json.dumps(teams_dict(found), indent=2, ensure_ascii=False) + "\n"


def teams(carbon: "Carbon") -> str:
    """`carbon teams list --format json`."""
    return teams_text(carbon.teams())
