"""A realistic French crisis rendered in English and in French, in every channel, within each channel's limits."""

from __future__ import annotations

import json
import re

import pytest
from rich.console import Console

from badbuzz.alerts import chart
from badbuzz.alerts.i18n import Language, speaking
from badbuzz.alerts.incidents import Action, Change
from badbuzz.alerts.notify.console import render
from badbuzz.alerts.notify.opsgenie import DESCRIPTION_MAX_CHARS, DETAIL_MAX_CHARS, MESSAGE_MAX_CHARS
from badbuzz.alerts.notify.pagerduty import SUMMARY_MAX_CHARS
from badbuzz.alerts.notify.receivers import notifier_for
from badbuzz.alerts.notify.slack.blocks import (
    FIELD_MAX_CHARS,
    HEADER_MAX_CHARS,
    SECTION_MAX_CHARS,
    fallback_text,
    incident_blocks,
)
from badbuzz.alerts.notify.webhook import alertmanager_body
from tests.alerts.factories import crisis, crisis_over, notification
from tests.alerts.notify.receiver_examples import load
from tests.layout import ROOT

#: What each language must say of the example crisis (612 negative mentions in 10 min, ×15, usually 40 (33–48)).
SAYS = {
    Language.ENGLISH: ("612 negative mentions in 10 min", "usually 40 (33–48)", "58 % negative, usually 12 %"),
    Language.FRENCH: (
        "612 mentions négatives en 10 min",
        "habituellement 40 (33–48)",
        "58\u00a0% de mentions négatives, habituellement 12\u00a0%",
    ),
}
ENGLISH_ONLY = ("usually", "followers", "Top posts", "negative mentions", "suspected bots")


def receivers() -> dict[str, object]:
    return {receiver.kind: receiver for receiver in load()}


def changes():
    """The incident as it goes: opened, acknowledged, escalated to PR, judged, resolved."""
    people = {"acknowledged_by": "camille", "escalated_by": "marc"}
    return [
        notification(),
        notification(Change.ACKNOWLEDGED, crisis(acknowledged_by="camille", revision=2)),
        notification(Change.ESCALATED_TO_PR, crisis(revision=3, **people)),
        notification(Change.CONFIRMED, crisis(revision=4, verdict=Action.REAL_CRISIS, verdict_by="lea", **people)),
        notification(Change.RESOLVED, crisis_over(revision=5, verdict=Action.REAL_CRISIS, verdict_by="lea", **people)),
    ]


def rendered(language: Language) -> dict[str, list[str]]:
    """Every channel's text for every change of the incident, as each notifier builds it."""
    found = receivers()
    out: dict[str, list[str]] = {name: [] for name in ("slack", "console", "pagerduty", "opsgenie", "webhook", "email")}
    pagerduty = notifier_for(found["pagerduty"], language=language)
    opsgenie = notifier_for(found["opsgenie"], language=language)
    email = notifier_for(found["email"], language=language)
    with speaking(language):
        for note in changes():
            event = note.event
            blocks = [block.to_dict() for block in incident_blocks(event)]
            check_slack_limits(blocks, fallback_text(event))
            out["slack"].append(json.dumps([fallback_text(event), blocks], ensure_ascii=False))

            terminal = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
            terminal.print(render(event.change, event.incident))
            out["console"].append(terminal.export_text())

            trigger = pagerduty.event(note)
            if "payload" in trigger:
                assert len(trigger["payload"]["summary"]) <= SUMMARY_MAX_CHARS
            out["pagerduty"].append(json.dumps(trigger, ensure_ascii=False))

            alert = opsgenie.alert(event)
            assert len(alert["message"]) <= MESSAGE_MAX_CHARS
            assert len(alert["description"]) <= DESCRIPTION_MAX_CHARS
            assert all(len(value) <= DETAIL_MAX_CHARS for value in alert["details"].values())
            out["opsgenie"].append(json.dumps(alert, ensure_ascii=False))

            out["webhook"].append(json.dumps(alertmanager_body(note, receiver="itsm"), ensure_ascii=False))

            message = email.message(event, png=None)
            out["email"].append(message["Subject"] + "\n" + message.get_body(("plain",)).get_content())
            out["email"].append(message.get_body(("html",)).get_content())
            assert chart.alt_text(event.incident)
    return out


def check_slack_limits(blocks: list[dict], text: str) -> None:
    assert len(blocks) <= 50 and len(text) <= 40_000
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= HEADER_MAX_CHARS
        assert len(block.get("text", {}).get("text", "")) <= SECTION_MAX_CHARS
        assert len(block.get("fields", [])) <= 10
        assert all(len(field["text"]) <= FIELD_MAX_CHARS for field in block.get("fields", []))
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75 and len(element["value"]) <= 2000


@pytest.mark.parametrize("language", list(Language))
def test_every_channel_says_the_crisis_in_the_teams_language(language):
    out = rendered(language)
    for channel, texts in out.items():
        opened = texts[0]
        for phrase in SAYS[language]:
            assert phrase in re.sub(r"\s+", lambda m: m.group(0) if "\u00a0" in m.group(0) else " ", opened), (
                channel,
                phrase,
            )
        if language is Language.FRENCH:
            for text in texts:
                leftovers = [word for word in ENGLISH_ONLY if word in text]
                assert not leftovers, (channel, leftovers, text[:2000])


def test_the_french_says_what_people_did_as_a_community_manager_would():
    out = rendered(Language.FRENCH)
    slack = out["slack"]
    assert "Pris en charge par @camille" in slack[1]
    assert "Équipe RP alertée par @marc" in out["opsgenie"][2] or "équipe RP alertée par @marc" in slack[2]
    assert "verdict\u00a0: vraie crise (@lea)" in slack[3]
    assert "Résolu\u00a0: nuvola, retour à la normale au bout de 1 h 40 min (mentions négatives)" in slack[4]
    assert "2,4\u00a0M abonnés" in slack[0] and "portée 1,8\u00a0M" in slack[0]
    assert "Prendre en charge" in slack[0] and "Fausse alerte" in slack[0]


async def test_a_receivers_own_language_reaches_slack_over_http(fake_slack):
    from pydantic import SecretStr

    from tests.fakes.slack_api import TOKEN

    french_room = receivers()["slack"].model_copy(update={"name": "salle-de-crise", "language": Language.FRENCH})
    english_room = load()[1]  # charts off: the words are what this test reads
    french_room = french_room.model_copy(update={"slack": english_room.slack})
    for receiver in (french_room, english_room):
        notifier = notifier_for(
            receiver, slack_token=SecretStr(TOKEN), slack_base_url=fake_slack.url, language=Language.ENGLISH
        )
        await notifier.deliver(notification(channel=receiver.name), previous=None)
    french, english = fake_slack.messages(threaded=False)
    assert french["text"].startswith("CRITIQUE\u00a0: nuvola — mentions négatives en forte hausse")
    assert english["text"].startswith("CRITICAL: nuvola negative mentions spiking")


def test_the_french_catalog_is_complete_and_compiled():
    """Every phrase the code marks has its French, and the shipped .mo says what the .po says."""
    import gettext

    from babel.messages.pofile import read_po

    from badbuzz.alerts.i18n import DOMAIN, LOCALE_DIR

    template = read_po((LOCALE_DIR / f"{DOMAIN}.pot").open("rb"))
    french = read_po((LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb"))
    compiled = gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=["fr"])
    assert {m.id for m in template if m.id} <= {m.id for m in french if m.string}, "run pybabel update, then translate"
    for message in french:
        if message.id and isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, f"run pybabel compile: {message.id!r}"


def test_every_phrase_the_code_marks_is_in_the_template():
    """A phrase added without ``pybabel extract`` would stay English in French alerts."""

    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    from badbuzz.alerts.i18n import DOMAIN, LOCALE_DIR

    # What `pybabel extract -F babel.cfg` reads, as babel.cfg says.
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    extracted = extract_from_dir(ROOT, method_map, options_map, keywords=keywords)
    marked = {message for _file, _line, message, _c, _ctx in extracted}
    template = {m.id for m in read_po((LOCALE_DIR / f"{DOMAIN}.pot").open("rb")) if m.id}
    assert len(marked) > 100, "the extraction found the phrases"
    assert marked <= template, sorted(map(str, marked - template))
