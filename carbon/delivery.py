"""E-mail of a produced pack: an HTML summary as the body, the pack's files attached.

One message per team manager (their team's figures first) and one to the
finance list. Each message is tried `smtp.attempts` times, waiting
`retry_delay_s` (doubled each time) between tries; the outcome of each
message is recorded in the database (carbon.store.packs.pack_deliveries).
A message still failed after those tries is owed: each later run of the
schedule sends it again (carbon.schedule), until it goes through or a newer
revision of the month supersedes it.
Delivery only reads the pack's files: a failure never touches them.

The HTML body is a plain table, not the report's SVG charts: many mail
clients strip inline SVG. The full report.html is attached.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape

from carbon.config import Config, SmtpSettings
from carbon.pack import DONATION_FILE, FILES, BuiltPack
from carbon.store import Store
from carbon.store import packs as stored_packs

log = logging.getLogger("carbon.delivery")
MIME = {"report.html": ("text", "html"), "report.json": ("application", "json"),
        "report.csv": ("text", "csv"), "manifest.json": ("application", "json"),
        DONATION_FILE: ("text", "html")}


class DeliveryError(Exception):
    """A message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class Delivery:
    """The outcome of one message."""

    audience: str  # "finance" or "manager:<team>"
    recipients: tuple[str, ...]
    sent: bool
    attempts: int
    error: str = ""


def messages(config: Config, built: BuiltPack) -> list[tuple[str, tuple[str, ...], EmailMessage]]:
    """The messages of a pack: (audience, recipients, message) — pure but for reading the pack's files."""
    report = json.loads((built.path / "report.json").read_text(encoding="utf-8"))
    attachments = [(name, (built.path / name).read_bytes()) for name in (*FILES, DONATION_FILE)
                   if (built.path / name).exists()]
    rev = f" (revision {built.revision})" if built.revision and built.revision > 1 else ""
    out = []
    for team, addrs in sorted(config.managers.items()):
        if addrs:
            subject = f"Carbon report {built.month}{rev}: {team}"
            out.append((f"manager:{team}", addrs,
                        _message(config.smtp, addrs, subject, summary_html(report, team), attachments)))
    if config.finance:
        subject = f"Carbon report {built.month}{rev}: company"
        out.append(("finance", config.finance,
                    _message(config.smtp, config.finance, subject, summary_html(report, None), attachments)))
    return out


def _message(smtp: SmtpSettings, to: tuple[str, ...], subject: str, html_body: str,
             attachments: list[tuple[str, bytes]]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=smtp.sender.split("@")[-1])
    msg.set_content("This report is in HTML; the full report (report.html) and its data "
                    "(report.csv, report.json, manifest.json) are attached.\n")
    msg.add_alternative(html_body, subtype="html")
    for name, data in attachments:
        maintype, subtype = MIME[name]
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def summary_html(report: dict, team: str | None) -> str:
    """A short HTML body from report.json: the team's (or the company's) figures, escaped."""
    rows = report["teams"]
    budget = {t["team"]: t for t in (report.get("budget_status") or {}).get("teams", [])}
    unit_b = (report.get("budget_status") or {}).get("unit", "")
    head = f"<h2>Carbon report {escape(report['month'])}</h2>"
    lines = [f"<p>Company total: <b>{report['total'] / 1000:,.2f} t CO2e</b></p>"]
    shown = [r for r in rows if team is None or r["team"] == team]
    if team is not None and not shown:
        lines.append(f"<p>No emissions recorded for {escape(team)} this month.</p>")
    table = ["<table border='1' cellpadding='4' cellspacing='0'><tr><th>Team</th><th>t CO2e this month</th>"
             + ("<th>Actual / budget to date</th><th>Status</th>" if budget else "") + "</tr>"]
    for r in shown:
        b = budget.get(r["team"])
        cells = f"<td>{escape(r['team'])}</td><td align='right'>{r['total'] / 1000:,.2f}</td>"
        if budget:
            cells += (f"<td align='right'>{b['actual_to_date']:,.2f} / {b['budget']:,.2f} {escape(unit_b)}</td>"
                      f"<td>{escape(_status_text(b))}</td>" if b else "<td>no budget</td><td></td>")
        table.append(f"<tr>{cells}</tr>")
    table.append("</table>")
    foot = "<p>The full report with charts is attached (report.html).</p>"
    if any(_status_text(budget[r["team"]]) != budget[r["team"]]["status"].replace("_", " ")
           for r in shown if r["team"] in budget):
        # The rule of carbon.forecast, as `budget status` and the pack state it.
        foot = ("<p>Months before a team's first month with data are unknown, not zero: its status "
                "is judged on the months from its first data, against the budget's share of those "
                "months; no data: no verdict.</p>") + foot
    return "<html><body>" + head + "".join(lines) + "".join(table) + foot + "</body></html>"


def _status_text(b: dict) -> str:
    """A team's budget status for the e-mail: "at risk", "on track (from 2026-09)", "no data"."""
    text = b["status"].replace("_", " ")
    since = b.get("counted_from")
    if since and not since.endswith("-01") and b["status"] != "no_data":
        text += f" (from {since})"
    return text


def send(smtp: SmtpSettings, msg: EmailMessage) -> None:
    """Hand one message to the SMTP server (one try). Raises DeliveryError."""
    password = smtp.password()
    if smtp.user and password is None:
        raise DeliveryError(f"smtp.user is set but the environment variable {smtp.password_env} "
                            "holding the password is not")
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, password)
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None


def deliver(store: Store, pack_id: int, built: BuiltPack, config: Config, *,
            only: frozenset[str] | None = None,
            sender: Callable[[SmtpSettings, EmailMessage], None] = send,
            sleep: Callable[[float], None] = time.sleep) -> list[Delivery]:
    """E-mail the pack to every manager and the finance list; record each outcome.

    `only` restricts it to those audiences (a later run re-sending what failed);
    an audience in `only` that the configuration no longer has is recorded as
    "dropped". Returns one Delivery per message. Never raises for an SMTP
    failure: it is retried, then recorded and logged; the pack's files are left
    as they are.
    """
    if not config.delivers:
        return []
    smtp = config.smtp
    results = []
    todo = [m for m in messages(config, built) if only is None or m[0] in only]
    for audience in sorted((only or frozenset()) - {a for a, _, _ in todo}):
        why = "no longer among the configured recipients"
        with store.transaction() as conn:
            stored_packs.record_delivery(conn, pack_id, audience, (), "dropped", 0, why)
        log.warning("delivery of %s to %s dropped: %s", built.month, audience, why)
    for audience, to, msg in todo:
        error, attempt = "", 0
        for attempt in range(1, smtp.attempts + 1):
            try:
                sender(smtp, msg)
                error = ""
                break
            except DeliveryError as exc:
                error = str(exc)
                log.warning("delivery of %s to %s: try %d of %d failed: %s", built.month, audience, attempt,
                            smtp.attempts, error)
                if attempt < smtp.attempts:
                    sleep(smtp.retry_delay_s * 2 ** (attempt - 1))
        result = Delivery(audience, to, not error, attempt, error)
        with store.transaction() as conn:
            stored_packs.record_delivery(conn, pack_id, audience, to, "sent" if result.sent else "failed",
                                         attempt, error)
        if result.sent:
            log.info("delivered %s to %s (%s)", built.month, audience, ", ".join(to))
        else:
            log.error("delivery of %s to %s failed after %d tries: %s; the pack is kept in %s",
                      built.month, audience, attempt, error, built.path)
        results.append(result)
    return results


def deliverer(config: Config) -> Callable[..., list[Delivery]] | None:
    """The `deliver` callback of carbon.schedule.run_once for `config` (None: no e-mail configured)."""
    if not config.delivers:
        return None
    return lambda store, pack_id, built, only=None: deliver(store, pack_id, built, config, only=only)
