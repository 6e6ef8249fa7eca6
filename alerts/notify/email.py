"""Email over SMTP: a plain-text and HTML message per incident change, the chart inline, threaded per incident."""

from __future__ import annotations

import html
import logging
from concurrent.futures import Executor
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

import aiosmtplib
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from badbuzz.alerts import chart, facts
from badbuzz.alerts.i18n import _
from badbuzz.alerts.incidents import Change, Incident, IncidentEvent, IncidentStatus
from badbuzz.alerts.notify.delivery import Meter, Notification, Observer, Receipt, RetryPolicy
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryError, DeliveryRejected
from badbuzz.vocabulary.signals import Severity

log = logging.getLogger(__name__)

COLOURS = {Severity.INFO: "#1f77b4", Severity.WARNING: "#d68910", Severity.CRITICAL: "#c00000"}
RESOLVED_COLOUR = "#2e7d32"
CHART_CID = "chart"


class EmailConfig(BaseModel):
    """An SMTP relay and who gets the incidents."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(description="The SMTP relay.")
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="STARTTLS (port 587), implicit TLS (port 465), or none (a local relay only)."
    )
    ca_file: str | None = Field(None, description="A CA bundle to trust for a relay with a private CA.")
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(description="The From address, e.g. 'badbuzz <alerts@brand.example>'.")
    to: tuple[str, ...] = Field(min_length=1, description="Recipients.")
    subject_prefix: str = "[badbuzz]"
    charts: bool = Field(True, description="Show the signal's chart inline.")

    @property
    def domain(self) -> str:
        return self.sender.rsplit("@", 1)[-1].strip("> ") or "badbuzz.invalid"


class EmailNotifier:
    """Sends each change as one email; the messages of an incident form one thread in mail clients.

    Message ids come from the incident and its revision: a redelivered change carries the
    id of the first copy, which lets mail systems that deduplicate by id drop it. SMTP
    4xx replies, timeouts and refused connections are retried; 5xx replies (bad address,
    authentication refused) are for good.
    """

    def __init__(
        self,
        name: str,
        config: EmailConfig,
        *,
        retry: RetryPolicy | None = None,
        observe: Observer | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.retry = retry or RetryPolicy()
        self.meter = Meter(name, observe)
        self.executor = executor

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt:
        event = notification.event
        png = await chart.chart_png(event.incident, self.executor) if self.config.charts else None
        message = self.message(event, png)
        with self.meter.delivery():
            await self.retry.run(lambda: self._send(message), self.meter)
        return Receipt.of(notification, {"message_id": message["Message-ID"]})

    async def close(self) -> None:
        """Nothing held between messages: each one is its own SMTP session."""

    async def _send(self, message: EmailMessage) -> None:
        config = self.config
        try:
            refused, _ = await aiosmtplib.send(
                message,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password.get_secret_value() if config.password else None,
                use_tls=config.security == "tls",
                start_tls=config.security == "starttls",
                cert_bundle=config.ca_file,
                timeout=self.retry.timeout,
            )
        except aiosmtplib.SMTPException as error:
            raise self._failure(error) from error
        except OSError as error:
            raise ChannelUnavailable(f"{self.name}: {config.host}:{config.port}: {error}", channel=self.name) from error
        if refused:
            log.warning("%s: some recipients refused %s: %s", self.name, message["Message-ID"], refused)

    def _failure(self, error: aiosmtplib.SMTPException) -> DeliveryError:
        message = f"{self.name}: {self.config.host}:{self.config.port}: {error}"
        codes = [
            refusal.code
            for refusal in (error.recipients if isinstance(error, aiosmtplib.SMTPRecipientsRefused) else [error])
            if isinstance(refusal, aiosmtplib.SMTPResponseException)
        ]
        if isinstance(error, ConnectionError | TimeoutError) or (codes and any(code < 500 for code in codes)):
            return ChannelUnavailable(message, channel=self.name)
        # A 5xx reply, or a relay lacking what the configuration asks of it (STARTTLS, AUTH).
        return DeliveryRejected(message, channel=self.name)

    def message(self, event: IncidentEvent, png: bytes | None) -> EmailMessage:
        incident = event.incident
        message = EmailMessage()
        message["Subject"] = f"{self.config.subject_prefix} {incident.headline()}".strip()
        message["From"] = self.config.sender
        message["To"] = ", ".join(self.config.to)
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = self._message_id(incident, event.change)
        if event.change is not Change.OPENED:
            first = self._message_id(incident, Change.OPENED, revision=1)
            message["In-Reply-To"] = first
            message["References"] = first
        message["X-Badbuzz-Incident"] = incident.dedup_key
        message.set_content(facts.plain_text(event))
        message.add_alternative(html_body(event, with_chart=png is not None), subtype="html")
        if png is not None:
            message.get_payload()[1].add_related(
                png, maintype="image", subtype="png", cid=f"<{CHART_CID}>", filename="chart.png"
            )
        return message

    def _message_id(self, incident: Incident, change: Change, revision: int | None = None) -> str:
        opened = int(incident.opened_at.timestamp())
        revision = incident.revision if revision is None else revision
        return f"<{incident.brand}.{incident.signal}.{opened}.{revision}.{change}@{self.config.domain}>"


def html_body(event: IncidentEvent, *, with_chart: bool) -> str:
    """A compact HTML view of the same facts; inline styles only, as mail clients want."""
    incident = event.incident
    context = incident.context
    resolved = incident.status is IncidentStatus.RESOLVED
    colour = RESOLVED_COLOUR if resolved else COLOURS[incident.severity]
    e = html.escape
    parts = [
        f'<div style="font-family:sans-serif;max-width:640px">'
        f'<h2 style="color:{colour};margin:0 0 8px">{e(incident.headline())}</h2>',
        f'<p style="font-size:16px;margin:0 0 4px"><b>{e(facts.capitalised(facts.deviation(incident)))}.</b></p>',
    ]
    if event.change is not Change.OPENED:
        parts.append(f'<p style="margin:0 0 12px;color:#555">{e(facts.change_note(event))}</p>')
    progress = facts.state(incident)
    if progress:
        parts.append(f'<p style="margin:0 0 12px">{e(progress)}.</p>')
    if with_chart:
        parts.append(f'<img src="cid:{CHART_CID}" alt="{e(chart.alt_text(incident))}" width="640">')
    rows = [
        (_("Emerging terms"), e(" · ".join(facts.term_phrase(t) for t in context.emerging_terms[: facts.TOP_TERMS]))),
        (_("Amplification"), e(facts.amplification(context))),
        (_("Languages"), e(facts.mix(context.languages))),
        (_("Platforms"), e(facts.mix(context.platforms))),
        (_("Top authors"), "<br>".join(e(facts.author_phrase(a)) for a in context.top_authors[: facts.TOP_AUTHORS])),
    ]
    table = "".join(
        f'<tr><th style="text-align:left;vertical-align:top;padding:2px 12px 2px 0">{e(title)}</th>'
        f"<td>{value}</td></tr>"
        for title, value in rows
        if value
    )
    if table:
        parts.append(f'<table style="margin:12px 0;font-size:14px">{table}</table>')
    posts = facts.top_posts(incident)
    if posts:
        parts.append('<h3 style="margin:12px 0 4px">{}</h3>'.format(e(_("Top posts by reach"))))
        for post in posts:
            link = ' · <a href="{}">{}</a>'.format(e(post.url), e(_("open"))) if post.url else ""
            parts.append(
                f'<p style="margin:0 0 8px"><b>{e(facts.post_byline(post))}</b>{link}<br>'
                f'<span style="color:#333">{e(facts.clip(post.text, 400))}</span></p>'
            )
    links = " · ".join(f'<a href="{e(url)}">{e(label)}</a>' for label, url in facts.links(context).items())
    footer = facts.identity(event)
    parts.append(f'<p style="color:#777;font-size:12px">{links}{" · " if links else ""}{e(footer)}</p></div>')
    return "\n".join(parts)
