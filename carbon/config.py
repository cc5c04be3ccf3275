"""The configuration file of the scheduled report pack (TOML), read and checked.

Looked up as `--config PATH`, else `carbon.toml` in the current directory;
without a file every setting has its default (no e-mail). Example:

    [schedule]
    cron = "0 6 1 * *"            # minute hour day month weekday: day 1 at 06:00
    timezone = "Europe/Paris"
    grace_days = 10               # a month still without data this long after its end: exit 5

    [output]
    dir = "reports"

    [smtp]                         # optional: no [smtp], no e-mail
    host = "smtp.example.org"
    port = 587
    security = "starttls"          # "starttls", "ssl" or "none"
    user = "carbon@example.org"
    password_env = "CARBON_SMTP_PASSWORD"   # the password is read ONLY from this variable
    sender = "carbon@example.org"
    attempts = 3
    retry_delay_s = 30

    [recipients]
    finance = ["finance@example.org"]

    [recipients.managers]
    Platform = "alice@example.org"
    "Video & Media" = ["bob@example.org", "carol@example.org"]

    [pack]                         # optional
    scenarios = ["levers-2026.toml"]   # scenario files (`carbon scenario run`), paths relative
                                       # to this file: the pack's "levers" section

    [flights]                      # optional (`carbon import flights`, docs/travel.md)
    non_uk_bands = "desnz"         # flights outside the UK: "desnz" (DESNZ's international band)
                                   # or "distance" (short-haul under 3,700 km, long-haul beyond)

Each file of [pack] scenarios is read and checked when the config is loaded: a missing or
invalid one refuses the config (file, line, key or column), never an empty section later.
The team names of its levers are checked against the declared teams with the managers'.

Team names under [recipients.managers] must be declared teams (`carbon teams
add`): `check_teams` refuses an unknown one, with a did-you-mean, before a run
produces or sends anything.

The password never lives in the file: a config file is often world-readable
or committed, an environment variable (systemd `EnvironmentFile=`, mode 600) is not.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from carbon.core import limits
from carbon.core.suggest import did_you_mean
from carbon.errors import InputError, Problem, toml_syntax_problem
from carbon.feeds.records import FEED_CADENCES, FEED_KINDS, Feed

if TYPE_CHECKING:
    from carbon.scenarios.file import Scenario

DEFAULT_FILE = "carbon.toml"
DEFAULT_CRON = "0 6 1 * *"  # day 1 of each month at 06:00
DEFAULT_TIMEZONE = "Europe/Paris"
# Days after a month's end during which a run may skip it for lack of data without failing:
# imports of a month (invoices, cloud bills) usually land in the first week or so of the next.
DEFAULT_GRACE_DAYS = 10
DEFAULT_OUT = "reports"
DEFAULT_PASSWORD_ENV = "CARBON_SMTP_PASSWORD"
SECURITY = ("starttls", "ssl", "none")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send e-mail. The password comes from `password_env` at send time."""

    host: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password_env: str = DEFAULT_PASSWORD_ENV
    sender: str = "carbon@localhost"
    attempts: int = 3  # tries per message, the first included
    retry_delay_s: float = 30.0  # wait between tries (doubled each time)
    timeout_s: float = 30.0

    def password(self) -> str | None:
        """The password from the environment (None when no user is configured)."""
        if not self.user:
            return None
        return os.environ.get(self.password_env)


DEFAULT_ABSENCE_RATE = 0.0  # no leave or absence deducted unless the company states its rate
DEFAULT_HOMEWORKING_HOURS = 8.0  # hours of a telework day, for a per-hour homeworking factor


@dataclass(frozen=True)
class CommutingSettings:
    """[commuting]: the calendar of a commuting survey (docs/commuting.md)."""

    country: str = ""  # public holidays of this country for rows without a region ("" none)
    closures: tuple[date, ...] = ()  # company closure days
    absence_rate: float = DEFAULT_ABSENCE_RATE  # share of working days lost to leave and absence
    homeworking_hours_per_day: float = DEFAULT_HOMEWORKING_HOURS


# How `carbon import flights` bands flights neither starting nor ending in the UK:
# "desnz" (DESNZ's `international` band) or "distance" (short/long haul split at 3,700 km).
NON_UK_BANDS = ("desnz", "distance")


@dataclass(frozen=True)
class FlightSettings:
    """[flights]: how `carbon import flights` bands flights (docs/travel.md)."""

    non_uk_bands: str = "desnz"  # flights outside the UK: "desnz" or "distance"


@dataclass(frozen=True)
class Config:
    """Settings of `carbon schedule` and of the pack's delivery."""

    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    grace_days: int = DEFAULT_GRACE_DAYS
    out_dir: Path = Path(DEFAULT_OUT)
    smtp: SmtpSettings | None = None
    managers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    finance: tuple[str, ...] = ()
    source: str | None = None  # the file read, None for the defaults
    # Line of each [recipients.managers] key in the file read (TOML parsers give no line numbers).
    manager_lines: dict[str, int] = field(default_factory=dict, compare=False)
    scenario_paths: tuple[str, ...] = ()  # [pack] scenarios, as written
    scenarios: tuple[Scenario, ...] = ()  # those files, read and checked (load)
    commuting: CommutingSettings = field(default_factory=CommutingSettings)
    flights: FlightSettings = field(default_factory=FlightSettings)
    feeds: tuple[
        Feed, ...
    ] = ()  # [feeds.NAME] tables: the data feeds a complete month needs (docs/feeds.md)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def delivers(self) -> bool:
        return self.smtp is not None and bool(self.managers or self.finance)


_KNOWN = {
    "schedule": {"cron", "timezone", "grace_days"},
    "output": {"dir"},
    "smtp": {
        "host",
        "port",
        "security",
        "user",
        "password_env",
        "sender",
        "attempts",
        "retry_delay_s",
        "timeout_s",
    },
    "recipients": {"finance", "managers"},
    "pack": {"scenarios"},
    "commuting": {"country", "closures", "absence_rate", "homeworking_hours_per_day"},
    "flights": {"non_uk_bands"},
    "feeds": set(),  # [feeds.NAME] tables, each with the keys of FEED_KEYS
}
FEED_KEYS = {"kind", "provider", "teams", "categories", "source", "cadence", "from"}


def find(path: str | Path | None) -> Path | None:
    """The config file to read: `path` (must exist), else ./carbon.toml if present, else None."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise InputError(
                f"config file {str(p)!r} not found",
                [Problem(str(p), None, None, None, "no such file")],
            )
        return p
    p = Path(DEFAULT_FILE)
    return p if p.is_file() else None


def load(path: str | Path | None = None) -> Config:
    """Read and check the config file (see the module docstring); defaults when there is none.

    Raises InputError listing every problem (file, key, what was expected).
    """
    found = find(path)
    if found is None:
        return Config()
    name = str(found)
    try:
        text = found.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise InputError(
            f"{name}: not UTF-8 text", [Problem(name, None, None, None, "expected UTF-8")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name}: not valid TOML", [toml_syntax_problem(name, exc)]) from None
    cfg = parse(data, name)
    return replace(
        cfg,
        manager_lines=_key_lines(text, cfg.managers),
        scenarios=read_scenarios(cfg.scenario_paths, found.parent, name, text),
    )


def read_scenarios(
    paths: Iterable[str], base: Path, name: str, text: str = ""
) -> tuple[Scenario, ...]:
    """Read and check each scenario file of [pack] scenarios (relative to `base`, the config's
    folder). InputError: a missing file names the config's line and key; an invalid one its own
    problems (file, line, key or column). Team names are checked later (`check_teams`)."""
    from carbon.scenarios import (
        file as scenario_file,  # factors and pint: only for a config that names scenarios
    )

    out, problems = [], []
    for raw in paths:
        path = base / raw
        line = next((i for i, ln in enumerate(text.splitlines(), start=1) if raw in ln), None)
        if not path.is_file():
            problems.append(
                Problem(
                    name,
                    line,
                    "pack.scenarios",
                    raw,
                    f"no such scenario file ({path}; paths are relative to the config file)",
                    key=True,
                )
            )
            continue
        try:
            out.append(scenario_file.read(path, None))
        except InputError as exc:
            problems.extend(exc.problems or [Problem(str(path), None, None, None, str(exc))])
    if problems:
        raise InputError(f"{name}: [pack] scenarios refused", problems)
    return tuple(out)


def parse(data: dict, name: str = "<config>") -> Config:
    """A parsed TOML document -> Config (pure); InputError naming every bad key."""
    problems: list[Problem] = []

    def bad(key: str, value, message: str) -> None:
        problems.append(
            Problem(name, None, key, None if value is None else str(value), message, key=True)
        )

    for section, value in data.items():
        if section not in _KNOWN:
            bad(section, None, f"unknown section; expected one of {', '.join(sorted(_KNOWN))}")
        elif not isinstance(value, dict):
            bad(section, value, "expected a table")
        else:
            for key in value:
                if section == "feeds":
                    continue  # each a feed's table, read below
                if key not in _KNOWN[section]:
                    bad(
                        f"{section}.{key}",
                        None,
                        f"unknown key; expected one of {', '.join(sorted(_KNOWN[section]))}",
                    )

    def get(section: str, key: str, kind, default):
        sec = data.get(section)
        if not isinstance(sec, dict) or key not in sec:
            return default
        v = sec[key]
        if kind is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if not isinstance(v, kind) or isinstance(v, bool) and kind is not bool:
            bad(f"{section}.{key}", v, f"expected {_KIND_NAMES.get(kind, kind.__name__)}")
            return default
        return v

    cron = get("schedule", "cron", str, DEFAULT_CRON)
    tz = get("schedule", "timezone", str, DEFAULT_TIMEZONE)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        bad("schedule.timezone", tz, "expected an IANA time zone such as Europe/Paris")
        tz = DEFAULT_TIMEZONE
    cron_problem = check_cron(cron, tz)
    if cron_problem:
        bad("schedule.cron", cron, cron_problem)
    grace_days = get("schedule", "grace_days", int, DEFAULT_GRACE_DAYS)
    if grace_days < 0:
        bad("schedule.grace_days", grace_days, "expected a number of days >= 0")
    out_dir = Path(get("output", "dir", str, DEFAULT_OUT))

    smtp = None
    if isinstance(data.get("smtp"), dict):
        host = get("smtp", "host", str, "")
        if not host:
            bad("smtp.host", None, "required when [smtp] is present")
        security = get("smtp", "security", str, "starttls")
        if security not in SECURITY:
            bad("smtp.security", security, f"expected one of {', '.join(SECURITY)}")
        port = get("smtp", "port", int, 465 if security == "ssl" else 587)
        if not 0 < port < 65536:
            bad("smtp.port", port, "expected a TCP port, 1 to 65535")
        attempts = get("smtp", "attempts", int, 3)
        if attempts < 1:
            bad("smtp.attempts", attempts, "expected at least 1")
        delay = get("smtp", "retry_delay_s", float, 30.0)
        if delay < 0:
            bad("smtp.retry_delay_s", delay, "expected a number of seconds >= 0")
        sender = get("smtp", "sender", str, "carbon@localhost")
        if not _EMAIL.match(sender):
            bad("smtp.sender", sender, "expected an e-mail address")
        smtp = SmtpSettings(
            host=host,
            port=port,
            security=security,
            user=get("smtp", "user", str, None),
            password_env=get("smtp", "password_env", str, DEFAULT_PASSWORD_ENV),
            sender=sender,
            attempts=attempts,
            retry_delay_s=delay,
            timeout_s=get("smtp", "timeout_s", float, 30.0),
        )

    finance = _addresses(
        data.get("recipients", {}).get("finance", [])
        if isinstance(data.get("recipients"), dict)
        else [],
        "recipients.finance",
        bad,
    )
    managers: dict[str, tuple[str, ...]] = {}
    raw = (
        data.get("recipients", {}).get("managers", {})
        if isinstance(data.get("recipients"), dict)
        else {}
    )
    if not isinstance(raw, dict):
        bad(
            "recipients.managers",
            None,
            "expected a table: team name = address or list of addresses",
        )
    else:
        for team, addrs in raw.items():
            if long := limits.too_long(team, limits.TEAM_NAME):
                bad(f"recipients.managers.{team[:40]}…", None, f"team name {long}")
                continue
            managers[team] = _addresses(addrs, f"recipients.managers.{team}", bad)
    scenario_paths = get("pack", "scenarios", list, [])
    if not all(isinstance(p, str) and p for p in scenario_paths):
        bad(
            "pack.scenarios",
            scenario_paths,
            'expected a list of scenario file paths, e.g. ["levers-2026.toml"]',
        )
        scenario_paths = []
    commuting = _commuting(get, bad)
    non_uk_bands = get("flights", "non_uk_bands", str, "desnz")
    if non_uk_bands not in NON_UK_BANDS:
        bad(
            "flights.non_uk_bands",
            non_uk_bands,
            'expected "desnz" (DESNZ\'s international band for flights outside the UK) or '
            '"distance" (short-haul under 3,700 km, long-haul beyond)',
        )
        non_uk_bands = "desnz"
    feeds = _feeds(data.get("feeds") if isinstance(data.get("feeds"), dict) else {}, bad)
    if problems:
        raise InputError(f"{name}: the configuration was refused", problems)
    return Config(
        cron=cron,
        timezone=tz,
        grace_days=grace_days,
        out_dir=out_dir,
        smtp=smtp,
        managers=managers,
        finance=finance,
        source=name,
        scenario_paths=tuple(scenario_paths),
        commuting=commuting,
        flights=FlightSettings(non_uk_bands),
        feeds=feeds,
    )


def _commuting(get, bad) -> CommutingSettings:
    """[commuting]: country, closures ("YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD"), absence_rate
    (0 to < 1), homeworking_hours_per_day (> 0, <= 24)."""
    country = get("commuting", "country", str, "").strip().upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        bad("commuting.country", country, "expected an ISO 3166-1 alpha-2 country code such as FR")
        country = ""
    days: set[date] = set()
    for item in get("commuting", "closures", list, []):
        text = item.strip() if isinstance(item, str) else ""
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?", text)
        try:
            first = date.fromisoformat(m.group(1)) if m else None
            last = date.fromisoformat(m.group(2)) if m and m.group(2) else first
        except ValueError:
            first = last = None
        if first is None or last < first or (last - first).days > 366:
            bad(
                "commuting.closures",
                item,
                'expected closure days as "YYYY-MM-DD" or a range '
                '"YYYY-MM-DD..YYYY-MM-DD" (first day first, at most a year)',
            )
            continue
        days |= {first + timedelta(days=i) for i in range((last - first).days + 1)}
    absence = get("commuting", "absence_rate", float, DEFAULT_ABSENCE_RATE)
    if not 0 <= absence < 1:
        bad(
            "commuting.absence_rate",
            absence,
            "expected the share of working days lost to leave and "
            "absence, from 0 to below 1 (e.g. 0.1 for 10 %)",
        )
        absence = DEFAULT_ABSENCE_RATE
    hours = get("commuting", "homeworking_hours_per_day", float, DEFAULT_HOMEWORKING_HOURS)
    if not 0 < hours <= 24:
        bad(
            "commuting.homeworking_hours_per_day",
            hours,
            "expected the hours of a working day, above 0 and at most 24",
        )
        hours = DEFAULT_HOMEWORKING_HOURS
    return CommutingSettings(country, tuple(sorted(days)), absence, hours)


def _feeds(raw: dict, bad) -> tuple[Feed, ...]:
    """[feeds.NAME] tables: kind (required), provider, teams, categories, source, cadence, from."""
    found = []
    for name, spec in raw.items():
        where = f"feeds.{name}"
        if not isinstance(spec, dict):
            bad(where, spec, 'expected a table: kind = "cloud-billing", provider = "aws", …')
            continue
        for key in spec:
            if key not in FEED_KEYS:
                bad(
                    f"{where}.{key}",
                    None,
                    f"unknown key; expected one of {', '.join(sorted(FEED_KEYS))}",
                )
        kind = spec.get("kind")
        if kind not in FEED_KINDS:
            bad(f"{where}.kind", kind, f"expected one of {', '.join(FEED_KINDS)}")
            continue
        lists = {}
        for key in ("teams", "categories"):
            value = spec.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                bad(f"{where}.{key}", value, "expected a list of names")
                value = []
            lists[key] = tuple(value)
        texts = {}
        for key in ("provider", "source", "from"):
            value = spec.get(key)
            if value is not None and not isinstance(value, str):
                bad(f"{where}.{key}", value, "expected a string")
                value = None
            texts[key] = value
        cadence = spec.get("cadence", "monthly")
        if cadence not in FEED_CADENCES:
            bad(f"{where}.cadence", cadence, f"expected one of {', '.join(FEED_CADENCES)}")
        found.append(
            Feed(
                name,
                kind,
                texts["provider"],
                lists["teams"],
                lists["categories"],
                texts["source"],
                "monthly",
                texts["from"],
            )
        )
    return tuple(found)


_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", list: "a list"}


def _addresses(value, key: str, bad) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
        bad(key, value, "expected an e-mail address or a list of them")
        return ()
    for a in items:
        if not _EMAIL.match(a):
            bad(key, a, "expected an e-mail address")
    return tuple(items)


def check_cron(cron: str, timezone: str) -> str | None:
    """None when `cron` is a valid 5-field crontab expression, else what is wrong."""
    from apscheduler.triggers.cron import CronTrigger

    if len(cron.split()) != 5:
        return 'expected 5 crontab fields: minute hour day month weekday (e.g. "0 6 1 * *")'
    try:
        trigger = CronTrigger.from_crontab(cron, timezone=timezone)
    except ValueError as exc:
        return f"not a valid crontab expression: {exc}"
    # A well-formed line may still name no real day (31 February, 31 April): APScheduler then
    # finds no fire time up to its last year, and a scheduler would wait forever in silence.
    if trigger.get_next_fire_time(None, datetime.now(ZoneInfo(timezone))) is None:
        return (
            "this line never fires (no date matches it, e.g. day 31 in a 30-day month or "
            "29-31 in February); pick a day every chosen month has"
        )
    return None


def check_teams(
    config: Config, declared: Iterable[str], renamed: Mapping[str, tuple[str, str]] | None = None
) -> None:
    """Refuse [recipients.managers] entries naming a team that is not in `declared` (pure).

    A typo would otherwise mail "no emissions recorded" for a team that does not exist,
    and nothing to the real team. Raises InputError naming the file, the line (when the
    config came from a file), the key, the value and the closest declared team.

    `renamed` ({former name: (current name, day)}): a former name counts for a manager (the
    renamed team's mail reaches them) but not for a [pack] scenario's lever, refused as
    `report pack` refuses it: "team 'Old' was renamed 'New' on …; use 'New'".
    """
    names = sorted(declared)
    name = config.source or "<config>"
    problems = []
    for team in sorted(config.managers):
        if team in names:
            continue
        close = did_you_mean(team, names)
        if close is None:  # a team typed in another case: difflib is case-sensitive
            close = next((n for n in names if n.casefold() == team.casefold()), None)
        if close:
            hint = f" (did you mean {close!r}?)"
        elif names:
            hint = f"; declared teams: {', '.join(names[:10])}" + (" …" if len(names) > 10 else "")
        else:
            hint = "; no team is declared yet (carbon teams add NAME)"
        problems.append(
            Problem(
                name,
                config.manager_lines.get(team),
                f"recipients.managers.{team}",
                team,
                f"unknown team {team!r}{hint}",
                key=True,
            )
        )
    if problems:
        raise InputError(
            f"{name}: recipients.managers names {len(problems)} team(s) that are not declared; "
            "nothing was produced or sent",
            problems,
        )
    renamed = renamed or {}
    current = [n for n in names if n not in renamed]
    for sc in config.scenarios:
        from carbon.scenarios import file as scenario_file

        scenario_file.check_teams(
            sc, current, renamed
        )  # a lever's team typo: refused before any pack


def _key_lines(text: str, keys) -> dict[str, int]:
    """{key: 1-based line} of each key of the [recipients.managers] table in the TOML `text`.

    Best effort, for messages only: the first `key =` (bare or quoted) after the table header,
    else anywhere (an inline table).
    """
    lines = text.splitlines()
    start = next(
        (
            i
            for i, ln in enumerate(lines)
            if re.match(r"\s*\[\s*recipients\s*\.\s*managers\s*\]", ln)
        ),
        0,
    )
    found = {}
    for key in keys:
        pat = re.compile(
            r"(^|[\s{,])("
            + re.escape(key)
            + r"|\""
            + re.escape(key)
            + r"\"|'"
            + re.escape(key)
            + r"')\s*="
        )
        for i in [*range(start, len(lines)), *range(start)]:
            if pat.search(lines[i]):
                found[key] = i + 1
                break
    return found
