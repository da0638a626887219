"""The business calendar: is it open now, when does it open next, and how to say so.

Pure functions of a `Business` and an aware datetime: no clock is read here. Every
comparison is made in UTC, because Python compares two datetimes that share a tzinfo by
their wall-clock fields, which is wrong across a daylight-saving change; local dates and
times are used only to build each day's ranges. A range that starts on a holiday is dropped;
an overnight range that starts the evening before a holiday still runs past midnight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .business import Business
from .language import Language

HORIZON_DAYS = 400
"""How far ahead `next_opening` looks before concluding the business never opens."""
_UTC = dt.UTC


def is_open(business: Business, at: dt.datetime) -> bool:
    """True when `at` (aware) falls inside an opening range; False when no hours are given."""
    now = _utc(at)
    for start, end in _intervals(business, now.astimezone(business.zone).date() - _DAY):
        if start > now:
            return False
        if now < end:
            return True
    return False


def next_opening(business: Business, after: dt.datetime) -> dt.datetime | None:
    """The first moment at or after `after` when the business is open, in its time zone.

    `after` itself when it is open then; None when the file gives no hours or nothing opens
    within `HORIZON_DAYS`.
    """
    now = _utc(after)
    for start, end in _intervals(business, now.astimezone(business.zone).date() - _DAY):
        if end > now:
            return max(start, now).astimezone(business.zone)
    return None


def opening_phrase(opening: dt.datetime, *, now: dt.datetime, language: Language = "en") -> str:
    """When `opening` is, seen from `now`, in `language`: "Monday at 09:00", "tomorrow at 09:00".

    Both datetimes are read in `opening`'s time zone. Beyond six days the date is added
    ("Monday 6 April at 09:00").
    """
    zone = opening.tzinfo
    local_now = _utc(now).astimezone(zone)
    days = (opening.date() - local_now.date()).days
    words = _WORDS[language]
    clock = f"{opening.hour:02d}:{opening.minute:02d}"
    at = words["at"]
    if language == "es" and opening.hour == 1:
        at = "a la"
    elif language == "pt" and opening.hour == 1:
        at = "à"
    if days <= 0:
        return f"{words['today']} {at} {clock}"
    if days == 1:
        return f"{words['tomorrow']} {at} {clock}"
    weekday = _WEEKDAYS[language][opening.weekday()]
    if days <= 6:
        return f"{weekday} {at} {clock}"
    month = _MONTHS[language][opening.month - 1]
    if language == "en":
        return f"{weekday} {opening.day} {month} {at} {clock}"
    if language == "pt":
        return f"{weekday}, {opening.day} de {month}, {at} {clock}"
    if language == "es":
        return f"{weekday} {opening.day} de {month} {at} {clock}"
    return f"{weekday} {opening.day} {month} {at} {clock}"


def back_sentence(opening: dt.datetime, *, now: dt.datetime, language: Language = "en") -> str:
    """ "We are back Monday at 09:00." in `language`."""
    when = opening_phrase(opening, now=now, language=language)
    if language == "pt" and not when.startswith(("hoje", "amanhã")):
        when = ("no " if opening.weekday() >= 5 else "na ") + when
    elif language == "es" and not when.startswith(("hoy", "mañana")):
        when = "el " + when
    return _WORDS[language]["back"].format(when=when)


_DAY = dt.timedelta(days=1)


def _utc(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the calendar needs an aware datetime")
    return at.astimezone(_UTC)


def _intervals(business: Business, first: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Opening intervals in UTC, in order, from the ranges starting on local date `first`."""
    zone = business.zone
    for offset in range(HORIZON_DAYS + 2):
        day = first + dt.timedelta(days=offset)
        for opening in business.ranges_on(day):
            start = _local(day, opening.start, zone)
            end_day = day + _DAY if opening.overnight or opening.end == 1440 else day
            end = _local(end_day, opening.end % 1440, zone)
            if end > start:  # a range swallowed by a DST gap has no length
                yield start, end


def _local(day: dt.date, minutes: int, zone: dt.tzinfo) -> dt.datetime:
    """Local wall time `minutes` after midnight of `day`, in UTC.

    A wall time inside a spring-forward gap (01:30 when clocks jump from 01:00 to 02:00)
    does not exist; with ``fold=0`` it is read with the offset before the change, which lands
    it as far after the gap as it was inside it (02:30), the moment a clock on the wall shows.
    An ambiguous autumn time takes its first occurrence.
    """
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), zone).astimezone(_UTC)


_WORDS: dict[Language, dict[str, str]] = {
    "en": {"today": "today", "tomorrow": "tomorrow", "at": "at", "back": "We are back {when}."},
    "es": {"today": "hoy", "tomorrow": "mañana", "at": "a las", "back": "Volvemos {when}."},
    "pt": {"today": "hoje", "tomorrow": "amanhã", "at": "às", "back": "Voltamos {when}."},
    "fr": {
        "today": "aujourd'hui",
        "tomorrow": "demain",
        "at": "à",
        "back": "Nous serons de retour {when}.",
    },
}
_WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "pt": (
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
_MONTHS: dict[Language, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "pt": (
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
