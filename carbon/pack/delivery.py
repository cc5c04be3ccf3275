"""E-mail of a produced pack: an HTML summary as the body, the pack's files attached.

One message per team manager (their team's figures first) and one to the
finance list. Each message is tried `smtp.attempts` times, waiting
`retry_delay_s` (doubled each time) between tries; the outcome of each
message is recorded in the database (carbon.pack.store.pack_deliveries).
A message still failed after those tries is owed: each later run of the
schedule sends it again (carbon.pack.schedule), until it goes through or a newer
revision of the month supersedes it.
Delivery only reads the pack's files: a failure never touches them.

The HTML body is a plain table, not the report's SVG charts: many mail
clients strip inline SVG. The plain-text part carries the same figures (a
client or a filter reading only text must not see a bare "see the HTML").
"Actual / allocated to date" compares the year's emissions so far with what
the budget profile allowed up to this month; the annual budget is a column of
its own. A revision > 1 says why it was re-issued and what changed since the
revision it replaces. The full report.html is attached.
"""

from __future__ import annotations

import calendar
import json
import logging
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from carbon.config import Config, SmtpSettings
from carbon.core.text import clean
from carbon.core.text import html_escape as escape
from carbon.errors import DeliveryError  # noqa: F401  (raised here; defined with every error)
from carbon.pack import store as stored_packs
from carbon.pack.service import DONATION_FILE, FILES, BuiltPack
from carbon.store import Store

log = logging.getLogger("carbon.pack.delivery")
MIME = {
    "report.html": ("text", "html"),
    "report.json": ("application", "json"),
    "report.csv": ("text", "csv"),
    "manifest.json": ("application", "json"),
    DONATION_FILE: ("text", "html"),
}


@dataclass(frozen=True)
class Delivery:
    """The outcome of one message."""

    audience: str  # "finance" or "manager:<team>"
    recipients: tuple[str, ...]
    sent: bool
    attempts: int
    error: str = ""


def messages(
    config: Config, built: BuiltPack, previous: dict | None = None
) -> list[tuple[str, tuple[str, ...], EmailMessage]]:
    """The messages of a pack: (audience, recipients, message) — pure but for reading the pack's files.

    `previous`: the report.json of the revision this one replaces (None for a first
    revision, or when it is gone), so a re-issue says what changed.
    """
    report = json.loads((built.path / "report.json").read_text(encoding="utf-8"))
    manifest_file = built.path / "manifest.json"
    manifest = (
        json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.exists() else {}
    )
    attachments = [
        (name, (built.path / name).read_bytes())
        for name in (*FILES, DONATION_FILE)
        if (built.path / name).exists()
    ]
    rev = f" (revision {built.revision})" if built.revision and built.revision > 1 else ""
    reason = manifest.get("reissue_reason") or ""
    out = []
    for team, addrs in sorted(config.managers.items()):
        if addrs:
            subject = f"Carbon report {built.month}{rev}: {team}"
            note = reissue_note(built.revision, reason, report, previous, team)
            out.append(
                (
                    f"manager:{team}",
                    addrs,
                    _message(
                        config.smtp,
                        addrs,
                        subject,
                        summary_text(report, team, note),
                        summary_html(report, team, note),
                        attachments,
                    ),
                )
            )
    if config.finance:
        subject = f"Carbon report {built.month}{rev}: company"
        note = reissue_note(built.revision, reason, report, previous, None)
        out.append(
            (
                "finance",
                config.finance,
                _message(
                    config.smtp,
                    config.finance,
                    subject,
                    summary_text(report, None, note),
                    summary_html(report, None, note),
                    attachments,
                ),
            )
        )
    return out


def _message(
    smtp: SmtpSettings,
    to: tuple[str, ...],
    subject: str,
    text_body: str,
    html_body: str,
    attachments: list[tuple[str, bytes]],
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = clean(subject).replace("\n", " ")
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=smtp.sender.split("@")[-1])
    msg.set_content(clean(text_body))
    msg.add_alternative(html_body, subtype="html")
    for name, data in attachments:
        maintype, subtype = MIME[name]
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


# ---- the body: the same figures as text and as HTML ------------------------------------

ATTACHED = (
    "The full report with charts is attached (report.html), with its data "
    "(report.csv, report.json, manifest.json)."
)


@dataclass(frozen=True)
class _Line:
    """One team of the body. Month figure in t CO2e (None: no entry this month); budget
    figures in the budget file's unit, as in report.json's budget_status (None: unknown)."""

    team: str
    month_t: float | None
    budget: dict | None  # the team's budget_status record, None when it has no budget


def _lines(report: dict, team: str | None) -> list[_Line]:
    """The teams a message shows: the manager's own, or every team for finance."""
    kg = {r["team"]: r["total"] for r in report["teams"]}
    budget = {t["team"]: t for t in (report.get("budget_status") or {}).get("teams", [])}
    names = [team] if team is not None else sorted(set(kg) | set(budget))
    return [
        _Line(n, None if n not in kg else kg[n] / 1000, budget.get(n))
        for n in names
        if team is not None or n in kg or n in budget
    ]


def _num(v: float | None) -> str:
    """Two decimals; a non-zero figure too small for them is "<0.01", never a false 0.00."""
    if v is None:
        return "—"
    if v != 0 and abs(v) < 0.005:
        return "<0.01" if v > 0 else ">-0.01"
    return f"{v:,.2f}"


UNKNOWN_MONTHS = (
    "Months before a team's first month with data are unknown, not zero: its status is "
    "judged on the months from its first data, against the budget's share of those "
    "months; no data: no verdict."
)


def _status(b: dict) -> str:
    text = str(b.get("status") or "").replace("_", " ")
    if _counted_from(b):
        text += f" (from {_counted_from(b)})"
    return f"{text}: {b['reason']}" if b.get("reason") else text


def _budget_text(b: dict, unit: str, label: bool = True) -> str:
    """The budget the verdict is judged against: the annual budget, or for a team counted from a
    later month the budget's share of its months with the annual figure beside it
    ("Budget March–December: 213.20 t CO2e (annual 260.00 t CO2e)")."""
    first, covered = _counted_from(b), b.get("budget_covered")
    if first and covered is not None and covered != b.get("budget"):
        months = f"{calendar.month_name[int(first[5:7])]}–December"
        return (
            f"Budget {months}: " if label else f"{months}: "
        ) + f"{_num(covered)} {unit} (annual {_num(b.get('budget'))} {unit})"
    return ("Annual budget: " if label else "") + f"{_num(b.get('budget'))} {unit}"


def _to_date(b: dict, unit: str) -> str:
    """ "actual / allocated to date unit": allocated to date is what the profile allowed up to
    this month, the figure the actual is judged against — not the annual budget."""
    return f"{_num(b.get('actual_to_date'))} / {_num(b.get('allocated_to_date'))} {unit}"


def reissue_note(
    revision: int | None, reason: str, report: dict, previous: dict | None, team: str | None
) -> list[str]:
    """Sentences saying why a revision > 1 was issued and what changed (empty for revision 1).

    `previous` is the replaced revision's report.json; the team's (or the company's and each
    team's) month total is compared with it, in t CO2e.
    """
    if not revision or revision < 2:
        return []
    why = reason or "no reason was recorded"
    note = [
        (
            f"This is revision {revision} of the {report['month']} report; it replaces revision "
            f"{revision - 1}. Re-issued because: {why}."
        )
    ]
    if previous is None:
        return note
    before = {r["team"]: r["total"] for r in previous.get("teams", [])}
    after = {r["team"]: r["total"] for r in report["teams"]}
    pairs = [("Company total", previous.get("total"), report["total"])] if team is None else []
    teams = [team] if team is not None else sorted(set(before) | set(after))
    pairs += [(t, before.get(t), after.get(t)) for t in teams]
    changed = [
        f"{label} {_change(a, b)}"
        for label, a, b in pairs
        if (a is None) != (b is None) or a is not None and abs(a - b) > GRAM
    ]
    changed += _intensity_changes(previous, report, team)
    note.append(
        "Changed since revision " + str(revision - 1) + ": " + "; ".join(changed) + "."
        if changed
        else f"This month's emissions shown here are unchanged since revision {revision - 1}."
    )
    return note


GRAM = 0.0005  # kg: report.json keeps figures to the gram


def _intensities(report: dict, team: str | None) -> dict[tuple[str, str], tuple]:
    """{(who, metric): (value, kg per unit)} of report.json's "intensity" lists (the company's at
    the top, each team's on its row)."""
    out = {}
    if team is None:
        out.update(
            {
                ("Company", i["metric"]): (i.get("value"), i.get("kg_per_unit"))
                for i in report.get("intensity") or ()
            }
        )
    for t in report.get("teams", []):
        if team is None or t["team"] == team:
            out.update(
                {
                    (t["team"], i["metric"]): (i.get("value"), i.get("kg_per_unit"))
                    for i in t.get("intensity") or ()
                }
            )
    return out


def _intensity_changes(previous: dict, report: dict, team: str | None) -> list[str]:
    """ "Company active_users 5,000 → 5,300 (kg CO2e per unit 0.2 → 0.188679)" for each metric
    whose value or intensity differs between two revisions' report.json."""
    before, after = _intensities(previous, team), _intensities(report, team)
    out = []
    for who, metric in sorted(set(before) | set(after)):
        (bv, bk), (av, ak) = (
            before.get((who, metric), (None, None)),
            after.get((who, metric), (None, None)),
        )
        if (bv, bk) != (av, ak):
            out.append(
                f"{who} {metric} {_figure(bv)} → {_figure(av)} "
                f"(kg CO2e per unit {_figure(bk)} → {_figure(ak)})"
            )
    return out


def _figure(v) -> str:
    return "no value" if v is None else f"{v:,.6g}"


def _change(a_kg: float | None, b_kg: float | None) -> str:
    """ "before → after" in t CO2e, with as many decimals (2 to 6) as it takes to show the change
    (and never a non-zero figure as 0.00); "no emissions" for a side without any."""

    def side(kg: float | None, d: int) -> str:
        if kg is None:
            return "no emissions"
        text = f"{kg / 1000:,.{d}f}"
        if kg != 0 and float(text.replace(",", "")) == 0:
            text = "<" + f"{10**-d:.{d}f}"
        return f"{text} t CO2e"

    for d in range(2, 7):
        a, b = side(a_kg, d), side(b_kg, d)
        if a != b and "<" not in a + b:
            break
    return f"{a} → {b}"


def incomplete_note(report: dict) -> str:
    """The warning of a month with a missing or partial data feed ("" when complete), from
    report.json's "completeness" (docs/feeds.md)."""
    c = report.get("completeness") or {}
    if c.get("status") != "incomplete":
        return ""
    parts = [
        f"{f['feed']} {f['state']}" + (f" ({f['detail']})" if f.get("detail") else "")
        for f in c.get("feeds", [])
        if f.get("state") != "received"
    ]
    how = " (inferred from history)" if c.get("inferred") else ""
    return (
        f"INCOMPLETE: {c.get('month', report.get('month'))} is missing data{how}: "
        + "; ".join(parts)
        + ". Its figures will rise when the data arrives."
    )


def summary_text(report: dict, team: str | None, note: list[str] | tuple[str, ...] = ()) -> str:
    """The plain-text body: the same figures as summary_html, for mail clients without HTML."""
    unit_b = (report.get("budget_status") or {}).get("unit", "")
    has_budgets = report.get("budget_status") is not None
    out = [f"Carbon report {report['month']}: {team if team is not None else 'company'}", ""]
    if incomplete_note(report):
        out += [incomplete_note(report), ""]
    if note:
        out += [*note, ""]
    out.append(f"Company total this month: {_num(report['total'] / 1000)} t CO2e")
    for line in _lines(report, team):
        out += ["", line.team]
        out.append(
            f"  This month: {_num(line.month_t)} t CO2e"
            if line.month_t is not None
            else "  This month: no emissions recorded"
        )
        if line.budget is not None:
            out.append(f"  Actual / allocated to date: {_to_date(line.budget, unit_b)}")
            out.append(f"  {_budget_text(line.budget, unit_b)}")
            out.append(f"  Forecast to year end: {_num(line.budget.get('forecast'))} {unit_b}")
            out.append(f"  Status: {_status(line.budget)}")
        elif has_budgets:
            out.append("  Budget: none set for this team")
    if any(_counted_from(line.budget) for line in _lines(report, team)):
        out += ["", UNKNOWN_MONTHS]
    out += ["", ATTACHED, ""]
    return "\n".join(out)


def summary_html(report: dict, team: str | None, note: list[str] | tuple[str, ...] = ()) -> str:
    """A short HTML body from report.json: the team's (or the company's) figures, escaped."""
    has_budgets = report.get("budget_status") is not None
    unit_b = (report.get("budget_status") or {}).get("unit", "")
    head = f"<h2>Carbon report {escape(report['month'])}</h2>"
    lines = [
        f"<p><b>{escape(n)}</b></p>"
        for n in ([incomplete_note(report)] if incomplete_note(report) else []) + list(note)
    ]
    lines.append(f"<p>Company total: <b>{_num(report['total'] / 1000)} t CO2e</b></p>")
    shown = _lines(report, team)
    if team is not None and shown[0].month_t is None:
        lines.append(f"<p>No emissions recorded for {escape(team)} this month.</p>")
    table = [
        "<table border='1' cellpadding='4' cellspacing='0'><tr><th>Team</th><th>t CO2e this month</th>"
        + (
            "<th>Actual / allocated to date</th><th>Budget</th><th>Forecast to year end</th>"
            "<th>Status</th>"
            if has_budgets
            else ""
        )
        + "</tr>"
    ]
    for line in shown:
        b = line.budget
        cells = f"<td>{escape(line.team)}</td><td align='right'>{_num(line.month_t)}</td>"
        if has_budgets:
            cells += (
                f"<td align='right'>{escape(_to_date(b, unit_b))}</td>"
                f"<td align='right'>{escape(_budget_text(b, unit_b, label=False))}</td>"
                f"<td align='right'>{_num(b.get('forecast'))} {escape(unit_b)}</td>"
                f"<td>{escape(_status(b))}</td>"
                if b
                else "<td>no budget</td><td></td><td></td><td></td>"
            )
        table.append(f"<tr>{cells}</tr>")
    table.append("</table>")
    foot = f"<p>{escape(ATTACHED)}</p>"
    if any(_counted_from(line.budget) for line in shown):
        foot = f"<p>{escape(UNKNOWN_MONTHS)}</p>" + foot
    return "<html><body>" + head + "".join(lines) + "".join(table) + foot + "</body></html>"


def _counted_from(b: dict | None) -> str | None:
    """The month a team's figures are counted from, when it is not January (None otherwise):
    the months before it are unknown, not zero (carbon.budgets.forecast's rule)."""
    if not b or b.get("status") == "no_data":
        return None
    since = b.get("counted_from")
    return since if since and not since.endswith("-01") else None


def send(smtp: SmtpSettings, msg: EmailMessage) -> None:
    """Hand one message to the SMTP server (one try). Raises DeliveryError."""
    password = smtp.password()
    if smtp.user and password is None:
        raise DeliveryError(
            f"smtp.user is set but the environment variable {smtp.password_env} "
            "holding the password is not"
        )
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout_s, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, password)
            client.send_message(msg)
    except (ConnectionRefusedError, socket.gaierror) as exc:  # the server, not this message
        raise DeliveryError(f"{type(exc).__name__}: {exc}", unreachable=True) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None


def deliver(
    store: Store,
    pack_id: int,
    built: BuiltPack,
    config: Config,
    *,
    only: frozenset[str] | None = None,
    sender: Callable[[SmtpSettings, EmailMessage], None] = send,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Delivery]:
    """E-mail the pack to every manager and the finance list; record each outcome.

    `only` restricts it to those audiences (a later run re-sending what failed);
    an audience in `only` that the configuration no longer has is recorded as
    "dropped". Returns one Delivery per message. Never raises for an SMTP
    failure: it is retried, then recorded and logged; the pack's files are left
    as they are. A server that cannot be reached at all (connection refused, unknown
    host) fails the run fast, once: no retry, and the other messages are recorded as
    failed with the same error without being tried (a later run sends what is owed).
    """
    if not config.delivers:
        return []
    smtp = config.smtp
    results = []
    todo = [
        m
        for m in messages(config, built, previous_report(store, built))
        if only is None or m[0] in only
    ]
    for audience in sorted((only or frozenset()) - {a for a, _, _ in todo}):
        why = "no longer among the configured recipients"
        with store.transaction() as conn:
            stored_packs.record_delivery(conn, pack_id, audience, (), "dropped", 0, why)
        log.warning("delivery of %s to %s dropped: %s", built.month, audience, why)
    unreachable = ""
    for audience, to, msg in todo:
        error, attempt = unreachable, 0
        for attempt in range(1, 0 if unreachable else smtp.attempts + 1):
            try:
                sender(smtp, msg)
                error = ""
                break
            except DeliveryError as exc:
                error = str(exc)
                if exc.unreachable:
                    unreachable = (
                        f"{error} (the SMTP server {smtp.host}:{smtp.port} cannot be reached)"
                    )
                    error = unreachable
                    log.error(
                        "delivery of %s: %s; no other message of this run is tried",
                        built.month,
                        error,
                    )
                    break
                log.warning(
                    "delivery of %s to %s: try %d of %d failed: %s",
                    built.month,
                    audience,
                    attempt,
                    smtp.attempts,
                    error,
                )
                if attempt < smtp.attempts:
                    sleep(smtp.retry_delay_s * 2 ** (attempt - 1))
        result = Delivery(audience, to, not error, attempt, error)
        with store.transaction() as conn:
            stored_packs.record_delivery(
                conn, pack_id, audience, to, "sent" if result.sent else "failed", attempt, error
            )
        if result.sent:
            log.info("delivered %s to %s (%s)", built.month, audience, ", ".join(to))
        else:
            log.error(
                "delivery of %s to %s failed after %d tries: %s; the pack is kept in %s",
                built.month,
                audience,
                attempt,
                error,
                built.path,
            )
        results.append(result)
    return results


def previous_report(store: Store, built: BuiltPack) -> dict | None:
    """The report.json of the revision `built` replaces (None: a first revision, or its files are gone)."""
    if not built.revision or built.revision < 2:
        return None
    from carbon.pack.verify import current_names
    from carbon.store import team_history

    with store.engine.connect() as conn:
        older = [
            p
            for p in stored_packs.list_packs(conn, built.month)
            if p.status == stored_packs.PRODUCED and p.revision < built.revision and p.path
        ]
        renamed = team_history.former_names(conn)
    if not older:
        return None
    path = Path(older[-1].path) / "report.json"
    try:
        # a team renamed since is the same team: its figures compared under its name now
        return current_names(json.loads(path.read_text(encoding="utf-8")), renamed)[0]
    except (OSError, ValueError):
        log.warning(
            "revision %d of %s is no longer readable in %s: its e-mail cannot say what changed",
            older[-1].revision,
            built.month,
            path.parent,
        )
        return None


def deliverer(config: Config) -> Callable[..., list[Delivery]] | None:
    """The `deliver` callback of carbon.pack.schedule.run_once for `config` (None: no e-mail configured)."""
    if not config.delivers:
        return None
    return lambda store, pack_id, built, only=None: deliver(
        store, pack_id, built, config, only=only
    )
