"""Build the spend-based tables of factors/spend/ from their published files.

Usage:
    python scripts/extract_spend_tables.py --epa SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv \
        --ecb eurofxref-hist.csv --cpi cpi.db

- EPA: the v1.2 CSV as published (doi:10.23719/1528686); kept as is, columns renamed.
- ECB: the euro foreign exchange reference rates, daily (eurofxref-hist.csv, as the ECB publishes
  it); each month's rate is the arithmetic mean of the month's daily reference rates (how the ECB
  computes its own monthly averages, series EXR.M.<CUR>.EUR.SP00.A).
- BLS: CPI-U, U.S. city average, all items, not seasonally adjusted (series CUUR0000SA0), monthly
  and annual averages, read from a copy of the BLS database (the `cpi` package's cpi.db).

Run it again with newer files to extend the tables; the diff shows what changed.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "factors" / "spend"
ECB_SOURCE = (
    "ECB euro reference rates, monthly mean of daily rates (eurofxref-hist to 2026-10-30); "
    "free reuse, source stated"
)
CPI_SOURCE = "US BLS CPI-U CUUR0000SA0 (to 2026-08), public domain"
EPA_SOURCE = (
    "US EPA Supply Chain GHG Emission Factors v1.2 (doi:10.23719/1528686), 2021 USD, public domain"
)


def epa(path: Path) -> None:
    with (
        open(path, encoding="utf-8-sig", newline="") as fh,
        open(OUT / "epa_supply_chain_v1.2_naics.csv", "w", encoding="utf-8", newline="") as out,
    ):
        w = csv.writer(out, lineterminator="\n")
        w.writerow(
            [
                "naics",
                "title",
                "kg_co2e_per_usd_without_margins",
                "margins",
                "kg_co2e_per_usd",
                "useeio_code",
            ]
        )
        for row in csv.DictReader(fh):
            w.writerow(
                [
                    row["NAICS Code 2017"],
                    row["NAICS Title 2017"],
                    row["Supply Chain Emission Factors without Margins"],
                    row["Margins of Supply Chain Emission Factors"],
                    row["Supply Chain Emission Factors with Margins"],
                    row["Reference USEEIO Code"],
                ]
            )


def ecb(path: Path, first_year: int) -> None:
    days: dict[tuple[str, str], list[float]] = defaultdict(list)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            month = row["Date"][:7]
            if int(month[:4]) < first_year:
                continue
            for cur, v in row.items():
                if cur and cur != "Date" and v not in ("", "N/A"):
                    days[(month, cur)].append(float(v))
    with open(OUT / "ecb_fx_monthly.csv", "w", encoding="utf-8", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["month", "currency", "per_eur", "days", "source"])
        for (month, cur), vals in sorted(days.items()):
            w.writerow([month, cur, f"{sum(vals) / len(vals):.6g}", len(vals), ECB_SOURCE])


def cpi(db: Path, first_year: int) -> None:
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT year, period, value FROM indexes WHERE series = 'CUUR0000SA0' AND year >= ? "
        "ORDER BY year, period",
        (first_year,),
    ).fetchall()
    with open(OUT / "bls_cpi_u.csv", "w", encoding="utf-8", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["period", "index", "source"])
        for year, period, value in rows:
            label = f"{year}" if period == "M13" else f"{year}-{period[1:]}"
            w.writerow([label, value, CPI_SOURCE])


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--epa", type=Path, required=True)
    p.add_argument("--ecb", type=Path, required=True)
    p.add_argument("--cpi", type=Path, required=True)
    p.add_argument("--first-year", type=int, default=2019)
    a = p.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    epa(a.epa)
    ecb(a.ecb, a.first_year)
    cpi(a.cpi, a.first_year)


if __name__ == "__main__":
    main()
