"""The team's language: gettext catalogs for the words, Babel for numbers, shares, dates and times.

Alerts are phrased in :mod:`badbuzz.alerts.facts` and laid out by each notifier; both ask
for their words through :func:`_` and their numbers through the formatters here,
which follow the language :func:`speaking` set for the current task (a receiver's,
or the worker's default). English is the source language; French comes from
``alerts/locale/fr/LC_MESSAGES/badbuzz.mo``, compiled from its ``.po`` by Babel::

    pybabel extract -F babel.cfg -o alerts/locale/badbuzz.pot .
    pybabel update -i alerts/locale/badbuzz.pot -d alerts/locale -D badbuzz
    pybabel compile -d alerts/locale -D badbuzz

>>> with speaking("fr"):
...     number(1204), percent(0.583), _("Not a crisis")
('1\\u202f204', '58\\xa0%', 'Fausse alerte')
>>> number(1204), percent(0.583), percent(0.004)
('1,204', '58 %', '0.4 %')
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo
from enum import StrEnum
from functools import cache
from pathlib import Path

from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "badbuzz"


class Language(StrEnum):
    ENGLISH = "en"
    FRENCH = "fr"


_current: ContextVar[Language] = ContextVar("badbuzz_language", default=Language.ENGLISH)


@contextmanager
def speaking(language: Language | str | None) -> Iterator[None]:
    """Phrase what is rendered inside the block in ``language`` (``None``: leave it as it is)."""
    if language is None:
        yield
        return
    token = _current.set(Language(language))
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Language:
    return _current.get()


@cache
def _translations(language: Language) -> gettext.NullTranslations:
    if language is Language.ENGLISH:
        return gettext.NullTranslations()
    # fallback=False: a French build without its catalog is a packaging bug, not English alerts.
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language.value])


def _(message: str) -> str:
    return _translations(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translations(current()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message


def number(value: float, decimals: int = 0) -> str:
    """A count or amount with the language's grouping, e.g. ``1,204`` or ``1 204``."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=current().value)


def percent(share: float) -> str:
    """A share of 1 as a percentage; a tenth of a point below 1 %, e.g. ``"58 %"``, ``"0.4 %"``.

    English keeps the space before ``%`` the on-call team's reports use; French puts
    its non-breaking one.
    """
    decimals = 0 < share * 100 < 1
    if current() is Language.ENGLISH:
        pattern = "#,##0.0 %" if decimals else "#,##0 %"
        return format_percent(share, format=pattern.replace(" %", "%"), locale="en").replace("%", " %")
    return format_percent(share, format="#,##0.0\u00a0%" if decimals else "#,##0\u00a0%", locale="fr")


def moment(at: datetime, zone: tzinfo, *, day: bool = True) -> str:
    """A time in ``zone`` as people of the language write it, with the zone, e.g. ``"2 Mar 15:03 CET"``."""
    pattern = "d MMM HH:mm" if day else "HH:mm"
    # The zone's own abbreviation (CET, CEST, UTC): CLDR's English has none for most of Europe.
    return f"{format_datetime(at, pattern, tzinfo=zone, locale=current().value)} {at.astimezone(zone).tzname()}"
