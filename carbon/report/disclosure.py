"""A disclosure in its forms: JSON (the contract), CSV, rich table, XLSX workbook.

Masses are t CO2e. A line the ledger cannot give is "not available" (null in JSON) with its
reason, never 0; the reconciliation travels with every form.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from carbon.core.spreadsheet import BOM, inert
from carbon.disclosure.rules import Disclosure

if TYPE_CHECKING:
    from carbon.feeds.rules import Completeness
from carbon.report.year import _openpyxl, _sheet

NOT_AVAILABLE = "not available"
TITLES = {
    "esrs-e1": "ESRS E1 (E1-5, E1-6)",
    "ghgp": "GHG Protocol Corporate Standard",
    "beges": "BEGES (méthode v5)",
}


def _sig(x: float | None) -> float | None:
    """Nine significant digits: a small intensity never rounds to 0, a tonne keeps its grams."""
    return None if x is None else float(f"{x:.9g}")


def to_dict(d: Disclosure) -> dict:
    """The JSON contract (t CO2e; null = not available, with the reason in "note")."""
    return {
        "framework": d.framework,
        "title": TITLES[d.framework],
        "year": d.year,
        "unit": "t CO2e",
        "months": list(d.months),
        "months_without_data": list(d.months_without_data),
        "counted_through": d.counted_through or None,
        "in_progress": d.in_progress,
        "progress": d.progress or None,
        "months_not_over": list(d.months_not_over),
        "lines": [
            {
                "code": ln.code,
                "label": ln.label,
                "value": _sig(ln.t_co2e),
                "unit": ln.unit,
                "note": ln.note,
            }
            for ln in d.lines
        ],
        "not_available": list(d.not_available),
        "reconciliation": {
            "reconciled": d.reconciled,
            "checks": [
                {
                    "what": c.what,
                    "disclosed_t": _sig(c.disclosed_t),
                    "expected_t": _sig(c.expected_t),
                    "difference_t": _sig(c.difference_t),
                    "ok": c.ok,
                    "against": c.against,
                    "note": c.note,
                }
                for c in d.checks
            ],
        },
    }


def to_json(d: Disclosure) -> str:
    return json.dumps(to_dict(d), indent=2, ensure_ascii=False, allow_nan=False)


def to_csv(d: Disclosure) -> str:
    """One row per line (code, label, value, unit, note), then the reconciliation rows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")

    class _Inert:  # text a spreadsheet would run as a formula stays text
        @staticmethod
        def writerow(row):
            writer.writerow([inert(v) if isinstance(v, str) else v for v in row])

    w = _Inert()
    w.writerow(["section", "code", "label", "value", "unit", "note"])
    for ln in to_dict(d)["lines"]:
        w.writerow(
            [
                "disclosure",
                ln["code"],
                ln["label"],
                "" if ln["value"] is None else ln["value"],
                ln["unit"],
                ln["note"],
            ]
        )
    for c in to_dict(d)["reconciliation"]["checks"]:
        verdict = {True: "reconciled", False: "DIFFERS", None: "not compared"}[c["ok"]]
        w.writerow(
            [
                "reconciliation",
                verdict,
                c["what"],
                "" if c["difference_t"] is None else c["difference_t"],
                "t CO2e",
                f"against {c['against']}" + (f"; {c['note']}" if c["note"] else ""),
            ]
        )
    return BOM + buf.getvalue()


def _fmt(x: float | None, unit: str) -> str:
    if x is None:
        return NOT_AVAILABLE
    return f"{x:,.3f}" if unit in ("t CO2e", "MWh") else f"{x:.6g}"


def to_tables(d: Disclosure) -> tuple[Table, Table]:
    """The lines, and the reconciliation."""
    title = f"{TITLES[d.framework]} — {d.year}" + (f" ({d.progress})" if d.in_progress else "")
    lines = Table(title=title, title_justify="left")
    for col in ("code", "line", "value", "unit", "note"):
        lines.add_column(col, justify="right" if col == "value" else "left", overflow="fold")
    for ln in d.lines:
        lines.add_row(
            escape(ln.code),
            escape(ln.label),
            _fmt(ln.t_co2e, ln.unit),
            escape(ln.unit),
            escape(ln.note),
        )
    notes = []
    if d.months_without_data:
        notes.append("months without data (not counted): " + ", ".join(d.months_without_data))
    if d.in_progress:
        notes.append("months not over (not counted): " + ", ".join(d.months_not_over))
    if notes:
        lines.caption = "; ".join(notes)
    rec = Table(title="Reconciliation", title_justify="left")
    for col in ("check", "disclosed (t)", "expected (t)", "verdict", "against"):
        rec.add_column(col, overflow="fold")
    for c in d.checks:
        verdict = {True: "reconciled", False: "[red]DIFFERS[/red]", None: "not compared"}[c.ok]
        rec.add_row(
            escape(c.what),
            _fmt(c.disclosed_t, "t CO2e"),
            _fmt(c.expected_t, "t CO2e"),
            verdict,
            escape(c.against + (f" ({c.note})" if c.note else "")),
        )
    return lines, rec


def to_xlsx(d: Disclosure, found: Sequence[Completeness] = ()) -> bytes:
    """The workbook: the disclosure's lines, its reconciliation (numbers as numbers) and its
    status when the year is not whole (in progress, months without data, incomplete months)."""
    openpyxl = _openpyxl()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    data = to_dict(d)
    _sheet(
        wb,
        "disclosure",
        ["code", "line", "value", "unit", "note"],
        [
            (
                ln["code"],
                ln["label"],
                NOT_AVAILABLE if ln["value"] is None else ln["value"],
                ln["unit"],
                ln["note"],
            )
            for ln in data["lines"]
        ],
    )
    _sheet(
        wb,
        "reconciliation",
        [
            "check",
            "disclosed (t CO2e)",
            "expected (t CO2e)",
            "difference (t CO2e)",
            "verdict",
            "against",
            "note",
        ],
        [
            (
                c["what"],
                c["disclosed_t"],
                c["expected_t"],
                c["difference_t"],
                {True: "reconciled", False: "DIFFERS", None: "not compared"}[c["ok"]],
                c["against"],
                c["note"],
            )
            for c in data["reconciliation"]["checks"]
        ],
    )
    if d.in_progress or d.months_without_data or found:  # a whole year: the two sheets alone
        _sheet(
            wb,
            "status",
            ["what", "value"],
            [
                ("year", d.year),
                ("status", d.progress or "year over"),
                ("counted through", d.counted_through),
                ("months with data", ", ".join(d.months)),
                ("months without data (not counted)", ", ".join(d.months_without_data)),
                ("months not over (not counted)", ", ".join(d.months_not_over)),
                ("incomplete months", "; ".join(c.headline() for c in found)),
            ],
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
