"""The email notifier against a local SMTP server (aiosmtpd), in clear and with STARTTLS and authentication."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pydantic import SecretStr

from badbuzz.alerts.incidents import Change
from badbuzz.alerts.notify.delivery import RetryPolicy
from badbuzz.alerts.notify.email import EmailConfig, EmailNotifier
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryRejected
from tests.alerts.factories import crisis, crisis_over, notification
from tests.fakes.smtp import PASSWORD, USERNAME, FakeSmtp

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, timeout=1.0)
SENDER = "badbuzz <alerts@brand.example>"


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    server = FakeSmtp().start()
    yield server
    server.stop()


def make_notifier(port: int, **config) -> EmailNotifier:
    fields = dict(
        host="127.0.0.1", port=port, security="none", sender=SENDER, to=("pr@brand.example", "cm@brand.example")
    )
    return EmailNotifier("pr-mail", EmailConfig(**{**fields, **config}), retry=FAST)


async def test_an_incident_is_a_multipart_email_with_its_context_and_chart(smtp):
    receipt = await make_notifier(smtp.port).deliver(notification(), previous=None)

    [message] = smtp.recorder.messages
    assert smtp.recorder.envelopes == [("alerts@brand.example", ["pr@brand.example", "cm@brand.example"])]
    assert message["Subject"] == "[badbuzz] CRITICAL: nuvola negative mentions spiking"
    assert message["Message-ID"] == receipt.ref["message_id"]
    plain = message.get_body(("plain",)).get_content()
    assert "612 negative mentions in 10 min, usually 40 (33–48); 58 % negative, usually 12 %." in plain
    assert "- #NuvolaPanne 212 (usually 3)" in plain and "Runbook: https://wiki.example/runbooks/" in plain
    html = message.get_body(("html",)).get_content()
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|clique ici&gt;" in html, "user text is escaped"
    assert '<img src="cid:chart"' in html
    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<chart>" and image.get_content().startswith(b"\x89PNG")


async def test_changes_thread_under_the_first_message(smtp):
    notifier = make_notifier(smtp.port, charts=False)
    opened = await notifier.deliver(notification(), previous=None)
    await notifier.deliver(
        notification(Change.ACKNOWLEDGED, crisis(revision=2, acknowledged_by="claire")), previous=opened
    )
    await notifier.deliver(notification(Change.RESOLVED, crisis_over(revision=3)), previous=opened)

    first, ack, resolved = smtp.recorder.messages
    assert ack["In-Reply-To"] == first["Message-ID"] == resolved["References"]
    assert "Acknowledged by @claire." in ack.get_body(("plain",)).get_content()
    assert "Resolved after 1 h 40 min; peak 612" in resolved.get_body(("plain",)).get_content()
    assert len({first["Message-ID"], ack["Message-ID"], resolved["Message-ID"]}) == 3


async def test_a_redelivery_keeps_its_message_id(smtp):
    notifier = make_notifier(smtp.port, charts=False)
    await notifier.deliver(notification(), previous=None)
    await notifier.deliver(notification(), previous=None)

    first, again = smtp.recorder.messages
    assert first["Message-ID"] == again["Message-ID"], "mail systems that deduplicate by id drop the copy"


async def test_temporary_refusals_and_a_hung_server_are_retried(smtp):
    smtp.recorder.fail_next("451 4.3.0 Mail server temporarily rejected message", 2.0)
    await make_notifier(smtp.port, charts=False).deliver(notification(), previous=None)

    assert smtp.recorder.attempts == 3 and len(smtp.recorder.messages) == 1


async def test_a_permanent_refusal_is_rejected_without_retry(smtp):
    smtp.recorder.fail_next("554 5.7.1 Message rejected as spam")
    with pytest.raises(DeliveryRejected, match="554"):
        await make_notifier(smtp.port, charts=False).deliver(notification(), previous=None)
    assert smtp.recorder.attempts == 1


async def test_an_outage_then_recovery_delivers_every_notification_once():
    server = FakeSmtp()
    notifier = make_notifier(server.port, charts=False)
    pending = [notification(), notification(Change.RESOLVED)]
    for item in pending:
        with pytest.raises(ChannelUnavailable):
            await notifier.deliver(item, previous=None)

    server.start()
    try:
        for item in pending:
            await notifier.deliver(item, previous=None)
    finally:
        server.stop()
    # strip(): Python's email parser keeps the space of a subject folded before its first word.
    assert [message["Subject"].strip() for message in server.recorder.messages] == [
        "[badbuzz] CRITICAL: nuvola negative mentions spiking",
        "[badbuzz] Resolved: nuvola negative mentions back to normal after 1 h 40 min",
    ]


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[FakeSmtp, Path]]:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    server = FakeSmtp(tls=server_context).start()
    yield server, ca_file
    server.stop()


async def test_starttls_and_authentication(tls_smtp):
    server, ca_file = tls_smtp
    notifier = make_notifier(
        server.port,
        security="starttls",
        ca_file=str(ca_file),
        username=USERNAME,
        password=SecretStr(PASSWORD),
        charts=False,
    )
    await notifier.deliver(notification(), previous=None)
    assert len(server.recorder.messages) == 1


async def test_a_wrong_password_is_rejected_for_good(tls_smtp):
    server, ca_file = tls_smtp
    notifier = make_notifier(
        server.port, security="starttls", ca_file=str(ca_file), username=USERNAME, password=SecretStr("nope")
    )
    with pytest.raises(DeliveryRejected, match="535"):
        await notifier.deliver(notification(), previous=None)


async def test_a_relay_without_starttls_is_rejected_for_good(smtp):
    with pytest.raises(DeliveryRejected):
        await make_notifier(smtp.port, security="starttls", charts=False).deliver(notification(), previous=None)
