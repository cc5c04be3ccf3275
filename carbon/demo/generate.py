"""Regenerate the demo organisation's data files (deterministic; run by hand).

    python -m carbon.demo.generate

"Learnly" is a fictional online education company of about 300 staff in
Paris (most) and London, streaming its courses to learners in France, the
rest of Europe and the world. Its yearly footprint is about 1,000 t CO2e,
the order of the company the project was written for (2022). Volumes are
invented but of realistic orders; the factors are the shipped ones.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
TEAMS = ("Platform", "Video", "Pedagogy", "Mentoring", "Marketing", "Sales", "People", "Finance")
HEADCOUNT = {
    "Platform": 55,
    "Video": 40,
    "Pedagogy": 60,
    "Mentoring": 45,
    "Marketing": 30,
    "Sales": 35,
    "People": 15,
    "Finance": 12,
}
# Learning is seasonal: quieter in summer, peaks at the start of term and in January.
SEASON = np.array([1.15, 1.05, 1.05, 1.0, 0.95, 0.85, 0.65, 0.55, 1.15, 1.2, 1.15, 0.9])
MONTHS = [(y, m) for y in (2025, 2026) for m in range(1, 13) if (y, m) <= (2026, 10)]
CUR_MONTH = (2026, 10)  # the month whose N. Virginia (us-east-1) cloud usage is an AWS bill
CUR_HEADER = (
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/UsageAmount",
    "pricing/unit",
    "product/region",
    "lineItem/UnblendedCost",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "product/instanceType",
    "product/vcpu",
    "resourceTags/user:Team",
)
# Daily lines of one month's bill: (usage type, unit, instance type, vCPUs, amount per day, price, tag, account)
CUR_LINES = [
    (
        "USE1-BoxUsage:m5.2xlarge",
        "Hrs",
        "m5.2xlarge",
        "8",
        24 * 40,
        0.384,
        "platform",
        "111122223333",
    ),
    (
        "USE1-BoxUsage:c5.4xlarge",
        "Hrs",
        "c5.4xlarge",
        "16",
        24 * 6,
        0.68,
        "platform",
        "111122223333",
    ),
    ("USE1-BoxUsage:r5.xlarge", "Hrs", "r5.xlarge", "4", 24 * 8, 0.252, "platform", "111122223333"),
    (
        "USE1-BoxUsage:g4dn.xlarge",
        "Hrs",
        "g4dn.xlarge",
        "4",
        24 * 4,
        0.526,
        "video",
        "111122223333",
    ),
    ("USE1-BoxUsage:m5.xlarge", "Hrs", "m5.xlarge", "4", 24 * 10, 0.192, "", "555566667777"),
    ("USE1-EBS:VolumeUsage.gp3", "GB-Mo", "", "", 12_000 / 31, 0.08, "platform", "111122223333"),
    ("USE1-TimedStorage-ByteHrs", "GB-Mo", "", "", 40_000 / 31, 0.023, "video", "111122223333"),
    ("USE1-EUW3-AWS-Out-Bytes", "GB", "", "", 900, 0.02, "platform", "111122223333"),
    ("USE1-NatGateway-Hours", "Hrs", "", "", 24 * 2, 0.045, "", "555566667777"),
]


def _cur(rng: np.random.Generator):
    """A small AWS Cost and Usage Report for CUR_MONTH: daily lines, tagged, an untagged remainder,
    and the month's tax line."""
    import calendar

    y, m = CUR_MONTH
    days = calendar.monthrange(y, m)[1]
    total = 0.0
    for d in range(1, days + 1):
        start, end = f"{y}-{m:02d}-{d:02d}T00:00:00Z", f"{y}-{m:02d}-{d:02d}T23:59:59Z"
        for usage_type, unit, itype, vcpu, amount, price, team, account in CUR_LINES:
            qty = round(amount * float(rng.normal(1.0, 0.03)), 4)
            cost = round(qty * price, 4)
            total += cost
            service = "AmazonS3" if "TimedStorage" in usage_type else "AmazonEC2"
            yield (
                start,
                end,
                service,
                usage_type,
                qty,
                unit,
                "us-east-1",
                cost,
                account,
                "Usage",
                itype,
                vcpu,
                team,
            )
    yield (
        f"{y}-{m:02d}-01T00:00:00Z",
        f"{y}-{m:02d}-{days:02d}T23:59:59Z",
        "AmazonEC2",
        "",
        "",
        "",
        "",
        round(total * 0.2, 2),
        "111122223333",
        "Tax",
        "",
        "",
        "",
    )


def _rows(rng: np.random.Generator):
    travel = np.random.default_rng(2026)

    def trips() -> float:
        return float(travel.normal(1.0, 0.1))

    for y, m in MONTHS:
        s = SEASON[m - 1] * (1.0 + 0.08 * (y - 2025 + (m - 1) / 12))  # +8 % a year
        ym = f"{y}-{m:02d}"
        noise = lambda: float(rng.normal(1.0, 0.04))  # noqa: E731
        # Video: course viewing hours by where learners are (per-hour factors).
        yield (
            ym,
            "Video",
            "streaming.video.hour",
            round(520_000 * s * noise()),
            "hour",
            "FR",
            "course views, France",
        )
        yield (
            ym,
            "Video",
            "streaming.video.hour",
            round(230_000 * s * noise()),
            "hour",
            "EU",
            "course views, rest of Europe",
        )
        yield (
            ym,
            "Video",
            "streaming.video.hour",
            round(9_000_000 * s * noise()),
            "minute",
            "",
            "course views, rest of world",
        )
        # Video: encoding farm in an Irish colocation, metered in MWh.
        yield (
            ym,
            "Video",
            "electricity.grid",
            round(11.5 * s * noise(), 3),
            "MWh",
            "IE",
            "encoding farm",
        )
        # Mentoring: live one-to-one sessions, streamed in HD (data-volume path).
        yield (
            ym,
            "Mentoring",
            "streaming.video.hd",
            round(38_000 * s * noise()),
            "hour",
            "FR",
            "mentoring sessions",
        )
        yield (
            ym,
            "Mentoring",
            "streaming.video.hour",
            round(24_000 * s * noise()),
            "hour",
            "FR",
            "recorded sessions",
        )
        # Platform: AWS (Paris and N. Virginia), colocation servers in Germany.
        yield (
            ym,
            "Platform",
            "cloud.aws.vcpu_hour",
            round(1_500_000 * noise()),
            "vCPU_hour",
            "aws:eu-west-3",
            "EC2",
        )
        us_east = round(420_000 * noise())  # drawn every month, so the other rows keep their values
        if (y, m) != CUR_MONTH:  # that month, N. Virginia comes from the AWS bill (cur-2026-10.csv)
            yield (
                ym,
                "Platform",
                "cloud.aws.vcpu_hour",
                us_east,
                "vCPU_hour",
                "aws:us-east-1",
                "EC2",
            )
        yield (
            ym,
            "Platform",
            "cloud.aws.memory_gb_hour",
            round(5_800_000 * noise()),
            "GB_hour",
            "aws:eu-west-3",
            "EC2 memory",
        )
        yield (
            ym,
            "Platform",
            "cloud.aws.storage_ssd_gb_month",
            round(420 * noise(), 1),
            "TB_month",
            "aws:eu-west-3",
            "EBS",
        )
        yield (
            ym,
            "Platform",
            "cloud.aws.storage_hdd_gb_month",
            round(1_900 * noise(), 1),
            "TB_month",
            "aws:eu-west-3",
            "S3",
        )
        yield (
            ym,
            "Platform",
            "cloud.aws.network_gb",
            round(310 * s * noise(), 1),
            "TB",
            "aws:eu-west-3",
            "egress",
        )
        yield (
            ym,
            "Platform",
            "electricity.grid",
            round(24_000 * noise()),
            "kWh",
            "DE",
            "colocation, Frankfurt",
        )
        # Marketing: the website's traffic, Sustainable Web Design v4 (the "lighter website" lever).
        yield (
            ym,
            "Marketing",
            "web.transfer",
            round(2_400 * s * noise()),
            "GB",
            "FR",
            "website traffic",
        )
        # Sales: client visits are business travel (GHG scope 3 category 6), not commuting:
        # by car (France in km, UK in miles) and train, a few flights to London, hotel nights.
        yield ym, "Sales", "travel.car.diesel", round(21_000 * noise()), "km", "FR", "client visits"
        yield (
            ym,
            "Sales",
            "travel.car.petrol",
            round(5_200 * noise()),
            "mi",
            "GB",
            "client visits, UK",
        )
        yield (
            ym,
            "Sales",
            "travel.rail.tgv",
            round(38_000 * noise()),
            "passenger_km",
            "FR",
            "client visits by train",
        )
        # Their own generator, so that adding them left every other figure of the demo as it was.
        yield (
            ym,
            "Sales",
            "travel.flight.short_haul.economy.rf",
            round(3_000 * trips()),
            "passenger_km",
            "",
            "flights Paris-London, with radiative forcing",
        )
        yield (
            ym,
            "Sales",
            "travel.hotel.night",
            round(60 * trips()),
            "room_night",
            "FR",
            "client visits, hotel",
        )
        yield (
            ym,
            "Sales",
            "travel.hotel.night",
            round(20 * trips()),
            "room_night",
            "GB",
            "client visits, hotel",
        )
        # Offices: electricity shared out by headcount (Paris; London for People/Finance).
        for team, n in HEADCOUNT.items():
            region = "GB" if team in ("People", "Finance") else "FR"
            yield ym, team, "electricity.grid", round(n * 190 * noise()), "kWh", region, "office"
    # A cloud invoice that straddles months (spread pro rata by day).
    yield (
        "2025-12-15",
        "Platform",
        "cloud.aws.vcpu_hour",
        310_000,
        "vCPU_hour",
        "aws:us-east-1",
        "load test, invoice period",
        "2026-01-14",
    )


MODES_FR = [
    ("commute.metro", 0.34),
    ("commute.train.rer", 0.18),
    ("commute.bike", 0.12),
    ("commute.car.petrol", 0.10),
    ("commute.car.diesel", 0.06),
    ("commute.car.electric", 0.05),
    ("commute.bus.diesel", 0.06),
    ("commute.walk", 0.05),
    ("commute.escooter", 0.04),
]
MODES_GB = [
    ("commute.train.national", 0.45),
    ("commute.metro", 0.30),
    ("commute.bus.average", 0.15),
    ("commute.car.petrol", 0.10),
]


def _survey(rng: np.random.Generator):
    emp = 0
    for team, n in HEADCOUNT.items():
        gb = team in ("People", "Finance")
        modes = MODES_GB if gb else MODES_FR
        names, p = zip(*modes)
        for _ in range(n):
            emp += 1
            mode = str(rng.choice(names, p=np.array(p) / sum(p)))
            km = {"commute.walk": 1.5, "commute.bike": 6, "commute.escooter": 5}.get(mode, None)
            one_way = round(
                float(km if km else rng.gamma(3.0, 6.0 if "car" in mode or "rer" in mode else 3.5)),
                1,
            )
            days = int(rng.choice([1, 2, 3, 4, 5], p=[0.05, 0.2, 0.4, 0.25, 0.1]))
            occupants = str(int(rng.choice([1, 2], p=[0.8, 0.2]))) if "car" in mode else ""
            yield f"E{emp:04d}", team, mode, one_way, days, "GB" if gb else "FR", occupants


# Business metrics (carbon import metrics): about 287,000 monthly active users in October 2026
# (a stock, mildly seasonal) and 10,915 paid students starting in 2025 (a flow, by season).
ACTIVE_USERS_2026_10 = 287_000
PAID_STUDENTS_2025 = 10_915


def _growth(y: int, m: int) -> float:
    return 1.0 + 0.08 * (y - 2025 + (m - 1) / 12)


def _metrics(rows):
    """Rows month,metric,value,team: company active_users and paid_students, Video's hours streamed."""

    def mau(y: int, m: int) -> float:
        return (0.75 + 0.25 * SEASON[m - 1]) * _growth(y, m)

    season = SEASON / SEASON.sum()
    starts = np.floor(PAID_STUDENTS_2025 * season).astype(int)
    order = np.argsort(-(PAID_STUDENTS_2025 * season - starts), kind="stable")
    starts[order[: PAID_STUDENTS_2025 - starts.sum()]] += (
        1  # largest remainder: 2025 sums to 10,915
    )
    hours: dict[str, float] = {}
    for r in rows:
        if r[1] == "Video" and r[2] == "streaming.video.hour":
            hours[r[0]] = hours.get(r[0], 0.0) + (r[3] / 60 if r[4] == "minute" else r[3])
    for y, m in MONTHS:
        ym = f"{y}-{m:02d}"
        yield ym, "active_users", round(ACTIVE_USERS_2026_10 * mau(y, m) / mau(2026, 10)), ""
        yield (
            ym,
            "paid_students",
            int(starts[m - 1]) if y == 2025 else round(starts[m - 1] * 1.08),
            "",
        )
        yield ym, "streamed_hours", round(hours[ym]), "Video"


def main() -> None:
    rng = np.random.default_rng(2025)
    rows = list(_rows(rng))
    for year in (2025, 2026):
        with open(HERE / f"activities-{year}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["date", "team", "activity", "quantity", "unit", "region", "note", "end"])
            for r in rows:
                if r[0].startswith(str(year)):
                    w.writerow(list(r) + ([""] if len(r) == 7 else []))
    with open(HERE / "commuting-survey.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "employee",
                "team",
                "mode",
                "one_way_km",
                "days_on_site_per_week",
                "region",
                "occupants",
            ]
        )
        w.writerows(_survey(rng))
    with open(HERE / "cur-2026-10.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CUR_HEADER)
        w.writerows(
            _cur(np.random.default_rng(2610))
        )  # its own generator: the files above keep their values
    with open(HERE / "metrics.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["month", "metric", "value", "team"])
        w.writerows(_metrics(rows))


if __name__ == "__main__":
    main()
