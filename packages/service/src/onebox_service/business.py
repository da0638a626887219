"""The business file (``ONEBOX_BUSINESS_FILE``, TOML): who the bots speak for, and when.

It holds the business's name, time zone, weekly hours, holidays and exceptional openings, how
customers reach it, the away text, the handoff settings and the WhatsApp template names. Every
service reads it through `load_business`, which refuses a bad file at start with ONE line
naming the field (``hours.monday[1]: '25:00' is not a time``), so a typo never becomes a
wrong "we are back" sentence at three in the morning. The calendar itself is in `schedule`.

A range ``"HH:MM-HH:MM"`` whose end is earlier than its start runs past midnight into the next
day (``"22:00-02:00"``); it must close by 12:00 the next day, because a range like
``"19:00-09:00"`` is more likely reversed than meant. ``24:00`` ends a range at midnight.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

NotifyWhen = Literal["at_once", "at_opening"]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OVERNIGHT_LIMIT = 12 * 60
"""An overnight range must close by this minute of the next day (12:00)."""
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
KNOWN_INTENTS = ("refund", "complaint")


class BusinessFileError(ValueError):
    """The business file is unreadable or invalid; the message is one line naming the field."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OpeningRange:
    """One opening range of a day, in the business's local time.

    Attributes:
        start: minutes after local midnight (0..1439).
        end: minutes after local midnight (1..1440); at or before `start` when overnight.
    """

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        """True when the range closes the next day."""
        return self.end <= self.start

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """How customers reach the business without the bot (every field optional)."""

    phone: str | None = None
    email: str | None = None
    url: str | None = None
    address: str | None = None

    def parts(self) -> list[str]:
        """The given ways, in a fixed order (phone, email, URL, address)."""
        return [p for p in (self.phone, self.email, self.url, self.address) if p]


@dataclass(frozen=True, slots=True, kw_only=True)
class Handoff:
    """When a conversation goes to a person, and when the person is told.

    Attributes:
        idle_minutes: without an operator message for this long, the bot resumes.
        notify: tell the operator at once, or at the next opening.
        keywords: words or phrases that escalate (matched as whole words, any case/accents).
        intents: named intents that escalate (``refund``, ``complaint``), in every language
            the bot answers.
    """

    idle_minutes: int = 30
    notify: NotifyWhen = "at_once"
    keywords: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WhatsAppTemplate:
    """An approved WhatsApp template for messages outside the 24-hour window.

    An operator's reply to a WhatsApp customer carries the template in its ``meta``
    (`to_meta`), so the WhatsApp agent, which knows the window, can send it when the window
    has closed (`from_meta`).
    """

    name: str
    language: str
    takes_text: bool = False

    def to_meta(self) -> dict[str, str]:
        """The template as ``OutboundMessage.meta`` entries."""
        return {
            "template": self.name,
            "template_language": self.language,
            "template_takes_text": "1" if self.takes_text else "0",
        }

    @classmethod
    def from_meta(cls, meta: Mapping[str, str]) -> WhatsAppTemplate | None:
        """The template a reply's meta names, or None."""
        name, language = meta.get("template"), meta.get("template_language")
        if not name or not language:
            return None
        return cls(name=name, language=language, takes_text=meta.get("template_takes_text") == "1")


@dataclass(frozen=True, slots=True, kw_only=True)
class Business:
    """The parsed business file.

    Attributes:
        name: the business's name.
        time_zone: IANA name (``Europe/Lisbon``).
        hours: opening ranges per weekday (0 = Monday); None when the file gives no hours
            (then nothing is said about opening times).
        holidays: dates closed all day.
        openings: dates with their own hours, replacing the weekly ones.
        contact: how to reach the business directly.
        away_text: said outside hours instead of the built-in "we are back ..." sentence;
            ``{opening}`` in it becomes that phrase's time ("Monday at 09:00").
        handoff: the handoff settings.
        whatsapp_templates: templates by their order in the file.
    """

    name: str
    time_zone: str
    hours: tuple[tuple[OpeningRange, ...], ...] | None = None
    holidays: frozenset[dt.date] = frozenset()
    openings: Mapping[dt.date, tuple[OpeningRange, ...]] = field(default_factory=dict)
    contact: Contact = field(default_factory=Contact)
    away_text: str | None = None
    handoff: Handoff = field(default_factory=Handoff)
    whatsapp_templates: tuple[WhatsAppTemplate, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        """The time zone object."""
        return ZoneInfo(self.time_zone)

    def ranges_on(self, day: dt.date) -> tuple[OpeningRange, ...]:
        """The ranges that start on local date `day` (exception, holiday, else weekly)."""
        if day in self.openings:
            return self.openings[day]
        if day in self.holidays or self.hours is None:
            return ()
        return self.hours[day.weekday()]

    def hours_summary(self) -> str:
        """The weekly hours in one line (``Monday 09:00-19:00; ...; Sunday closed``)."""
        if self.hours is None:
            return ""
        days = []
        for name, ranges in zip(WEEKDAYS, self.hours, strict=True):
            text = ", ".join(str(r) for r in ranges) if ranges else "closed"
            days.append(f"{name.capitalize()} {text}")
        return f"{'; '.join(days)} ({self.time_zone})"


def load_business(path: Path, *, variable: str = "ONEBOX_BUSINESS_FILE") -> Business:
    """Read and validate the business file at `path`.

    Raises:
        BusinessFileError: one line, starting with `variable`, naming the bad field.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BusinessFileError(f"{variable}: cannot read {str(path)!r}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BusinessFileError(f"{variable}: not valid TOML: {exc}") from None
    try:
        return parse_business(data)
    except BusinessFileError as exc:
        raise BusinessFileError(f"{variable}: {exc}") from None


def parse_business(data: Mapping[str, object]) -> Business:
    """The `Business` described by an already-parsed TOML document.

    Raises:
        BusinessFileError: one line naming the bad field.
    """
    _known(data, "", ("name", "time_zone", "holidays", "away_text", "hours", "openings",
                      "contact", "handoff", "whatsapp_templates"))  # fmt: skip
    name = _text(data, "name", required=True)
    zone_name = _text(data, "time_zone", required=True)
    assert name is not None
    assert zone_name is not None
    try:
        ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BusinessFileError(f"time_zone: {zone_name!r} is not an IANA time zone") from None
    hours = None
    if "hours" in data:
        table = _table(data, "hours")
        for key in table:
            if key not in WEEKDAYS:
                raise BusinessFileError(f"hours: unknown weekday {key!r} (use {WEEKDAYS[0]!r}...)")
        hours = tuple(_ranges(table.get(day, []), f"hours.{day}") for day in WEEKDAYS)
    holidays: set[dt.date] = set()
    for i, raw in enumerate(_list(data, "holidays")):
        day = _date(raw, f"holidays[{i}]")
        if day in holidays:
            raise BusinessFileError(f"holidays[{i}]: {day.isoformat()} is listed twice")
        holidays.add(day)
    openings: dict[dt.date, tuple[OpeningRange, ...]] = {}
    for key, raw in _table(data, "openings").items():
        day = _date(key, f"openings.{key}")
        if day in holidays:
            raise BusinessFileError(f"openings.{key}: the date is also a holiday")
        openings[day] = _ranges(raw, f"openings.{key}")
    contact = _table(data, "contact")
    _known(contact, "contact.", ("phone", "email", "url", "address"))
    return Business(
        name=name,
        time_zone=zone_name,
        hours=hours,
        holidays=frozenset(holidays),
        openings=openings,
        contact=Contact(**{k: _text(contact, k, prefix="contact.") for k in contact}),
        away_text=_text(data, "away_text"),
        handoff=_handoff(_table(data, "handoff")),
        whatsapp_templates=_templates(_list(data, "whatsapp_templates")),
    )


def _handoff(table: Mapping[str, object]) -> Handoff:
    _known(table, "handoff.", ("idle_minutes", "notify", "keywords", "intents"))
    idle = table.get("idle_minutes", 30)
    if not isinstance(idle, int) or isinstance(idle, bool) or not 1 <= idle <= 7 * 24 * 60:
        raise BusinessFileError("handoff.idle_minutes: must be a whole number from 1 to 10080")
    notify = table.get("notify", "at_once")
    if notify not in ("at_once", "at_opening"):
        raise BusinessFileError("handoff.notify: must be 'at_once' or 'at_opening'")
    keywords = tuple(_strings(table, "keywords", "handoff."))
    intents = tuple(_strings(table, "intents", "handoff."))
    for i, intent in enumerate(intents):
        if intent not in KNOWN_INTENTS:
            known = ", ".join(KNOWN_INTENTS)
            raise BusinessFileError(f"handoff.intents[{i}]: unknown intent {intent!r} ({known})")
    return Handoff(
        idle_minutes=idle,
        notify=notify,
        keywords=keywords,
        intents=intents,
    )


def _templates(items: list[object]) -> tuple[WhatsAppTemplate, ...]:
    templates = []
    for i, item in enumerate(items):
        where = f"whatsapp_templates[{i}]"
        if not isinstance(item, dict):
            raise BusinessFileError(f"{where}: must be a table ([[whatsapp_templates]])")
        _known(item, f"{where}.", ("name", "language", "takes_text"))
        name = _text(item, "name", required=True, prefix=f"{where}.")
        language = _text(item, "language", required=True, prefix=f"{where}.")
        takes_text = item.get("takes_text", False)
        if not isinstance(takes_text, bool):
            raise BusinessFileError(f"{where}.takes_text: must be true or false")
        assert name is not None
        assert language is not None
        templates.append(WhatsAppTemplate(name=name, language=language, takes_text=takes_text))
    return tuple(templates)


def _ranges(raw: object, where: str) -> tuple[OpeningRange, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise BusinessFileError(f"{where}: must be a list of 'HH:MM-HH:MM' ranges")
    ranges = []
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        match = _RANGE.match(item) if isinstance(item, str) else None
        if match is None:
            raise BusinessFileError(f"{here}: {item!r} is not a range like '09:00-13:00'")
        start = _minutes(match.group(1), match.group(2), here, item)
        end = _minutes(match.group(3), match.group(4), here, item)
        if start == 1440:
            raise BusinessFileError(f"{here}: a range cannot start at 24:00")
        if end == start:
            raise BusinessFileError(f"{here}: {item!r} starts and ends at the same time")
        if end < start and end > OVERNIGHT_LIMIT:
            raise BusinessFileError(
                f"{here}: {item!r} ends before it starts; an overnight range must close by "
                "12:00 the next day (reversed start and end?)"
            )
        ranges.append(OpeningRange(start=start, end=end))
    ranges.sort(key=lambda r: r.start)
    for before, after in itertools.pairwise(ranges):
        if before.overnight or before.end > after.start:
            raise BusinessFileError(f"{where}: ranges {before} and {after} overlap")
    return tuple(ranges)


def _minutes(hours: str, minutes: str, where: str, item: str) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and m):
        raise BusinessFileError(f"{where}: {item!r} holds a time that does not exist")
    return h * 60 + m


def _date(raw: object, where: str) -> dt.date:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise BusinessFileError(f"{where}: {raw!r} is not a date (YYYY-MM-DD)")


def _known(table: Mapping[str, object], prefix: str, names: tuple[str, ...]) -> None:
    for key in table:
        if key not in names:
            raise BusinessFileError(f"{prefix}{key}: unknown field (known: {', '.join(names)})")


def _text(
    table: Mapping[str, object], key: str, *, required: bool = False, prefix: str = ""
) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise BusinessFileError(f"{prefix}{key}: missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise BusinessFileError(f"{prefix}{key}: must be a non-empty string")
    return value.strip()


def _table(data: Mapping[str, object], key: str) -> dict[str, object]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise BusinessFileError(f"{key}: must be a table ([{key}])")
    return cast(dict[str, object], value)


def _list(data: Mapping[str, object], key: str, prefix: str = "") -> list[object]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise BusinessFileError(f"{prefix}{key}: must be a list")
    return cast(list[object], value)


def _strings(table: Mapping[str, object], key: str, prefix: str) -> list[str]:
    values = _list(table, key, prefix)
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise BusinessFileError(f"{prefix}{key}: must be a list of non-empty strings")
    return [cast(str, v).strip() for v in values]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
