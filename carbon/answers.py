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


def with_incomplete(doc: dict, found) -> str:
    """A JSON document with its year's incomplete months added ("incomplete_months": each
    month's completeness, docs/feeds.md), with its final newline."""
    doc["incomplete_months"] = [c.to_dict() for c in found]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def monthly_text(rep, intensity, done=None) -> str:
    from carbon.report import monthly as view

    return view.to_json(rep, intensity, done) + "\n"


def monthly(carbon: Carbon, month: str, team: str | None = None) -> str:
    """`carbon report monthly --month M [--team T] --format json` (with the month's completeness)."""
    rep = carbon.monthly_report(month, team)
    return monthly_text(rep, carbon.intensity_for_month(rep), carbon.completeness(rep.month))


def budget_status_text(rep, done=None) -> str:
    from carbon.report import budget as view

    return view.to_json(rep, done) + "\n"


def budget_status(carbon: Carbon, month: str, team: str | None = None) -> str:
    """`carbon budget status --month M [--team T] --format json` (its warnings, printed on
    stderr by the CLI, are in the JSON's "warnings")."""
    rep = carbon.budget_status(month, team)
    # the completeness of the month counted (the running month's status is its month before's)
    return budget_status_text(rep, carbon.completeness(rep.counted_through or rep.month))


def year_text(rep, found=()) -> str:
    from carbon.report import year as view

    return with_incomplete(view.to_dict(rep), found)


def year(carbon: Carbon, year_: int) -> str:
    """`carbon report year --year Y --format json` (with the year's incomplete months so far)."""
    return year_text(
        carbon.year_report(year_), carbon.year_completeness(year_, before=date.today())
    )


def donation_text(result, found=()) -> str:
    from carbon.report import donation as view

    return with_incomplete(view.to_dict(result), found)


def donation(carbon: Carbon, year_: int, as_of: date | None = None, **options) -> str:
    """`carbon donation --year Y [--price P --currency C --basis B --price-year Y] --format json`
    (as of today unless `as_of`; with the year's incomplete months up to it)."""
    as_of = as_of or date.today()
    return donation_text(
        carbon.donation(year_, as_of=as_of, **options),
        carbon.year_completeness(year_, before=as_of),
    )


def feeds_text(matrix) -> str:
    """`carbon feeds status [--month M] --format json`."""
    return json.dumps(matrix.to_dict(), indent=2, ensure_ascii=False) + "\n"


def feeds(carbon: Carbon, month: str | None = None) -> str:
    """`carbon feeds status [--month M] --format json`."""
    return feeds_text(carbon.feeds_status(month))


def teams_dict(found: list) -> dict:
    return {
        "teams": [
            {
                "team": t.name,
                "status": "retired" if t.retired_from else "active",
                "retired_from": t.retired_from,
                "former_names": list(t.former_names),
                "declared": t.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") if t.created_at else None,
            }
            for t in found
        ]
    }


def teams_text(found: list) -> str:
    return json.dumps(teams_dict(found), indent=2, ensure_ascii=False) + "\n"


def teams(carbon: Carbon) -> str:
    """`carbon teams list --format json`."""
    return teams_text(carbon.teams())
