"""The business file: loading, refusing bad files with one line, and the calendar."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from onebox_service.business import BusinessFileError, load_business, parse_business
from onebox_service.language import guess_language
from onebox_service.schedule import back_sentence, is_open, next_opening, opening_phrase

LISBON = ZoneInfo("Europe/Lisbon")
WEEKDAYS = {d: ["09:00-19:00"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def shop(**extra: object) -> dict[str, object]:
    return {
        "name": "Casa Verde",
        "time_zone": "Europe/Lisbon",
        "hours": {**WEEKDAYS, "saturday": ["10:00-14:00"]},
        **extra,
    }


def example_path() -> Path:
    return Path(str(resources.files("onebox_router").joinpath("data/business.example.toml")))


def test_the_shipped_example_loads() -> None:
    business = load_business(example_path())
    assert business.name == "Casa Verde"
    assert business.contact.parts()[0] == "+351 21 000 0000"
    assert business.handoff.idle_minutes == 30
    assert business.handoff.notify == "at_once"
    assert business.handoff.intents == ("complaint",)
    [template] = business.whatsapp_templates
    assert (template.name, template.takes_text) == ("operator_reply", True)
    assert dt.date(2026, 12, 25) in business.holidays
    assert "Sunday closed" in business.hours_summary()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Europe/Lisbn"}, "time_zone:"),
        ({"hours": {"monday": ["09:00-25:00"]}}, "hours.monday[0]:"),
        ({"hours": {"monday": ["09:00-13:00", "9:60-19:00"]}}, "hours.monday[1]:"),
        ({"hours": {"monday": ["19:00-13:00"]}}, "hours.monday[0]:"),
        ({"hours": {"monday": ["09:00-09:00"]}}, "hours.monday[0]:"),
        ({"hours": {"monday": ["09:00-14:00", "13:00-19:00"]}}, "hours.monday:"),
        ({"hours": {"funday": ["09:00-13:00"]}}, "unknown weekday 'funday'"),
        ({"holidays": ["2026-12-25", "2026-12-25"]}, "holidays[1]:"),
        ({"holidays": ["25/12/2026"]}, "holidays[0]:"),
        (
            {"openings": {"2026-12-25": ["09:00-12:00"]}, "holidays": ["2026-12-25"]},
            "openings.2026-12-25:",
        ),
        ({"handoff": {"notify": "later"}}, "handoff.notify:"),
        ({"handoff": {"idle_minutes": 0}}, "handoff.idle_minutes:"),
        ({"handoff": {"intents": ["weather"]}}, "handoff.intents[0]:"),
        ({"contact": {"fax": "123"}}, "contact.fax:"),
        ({"whatsapp_templates": [{"name": "x"}]}, "whatsapp_templates[0].language:"),
        ({"nmae": "typo"}, "nmae: unknown field"),
    ],
)
def test_a_bad_field_is_refused_with_one_line_naming_it(
    change: dict[str, object], field: str
) -> None:
    with pytest.raises(BusinessFileError) as caught:
        parse_business(shop(**change))
    message = str(caught.value)
    assert field in message
    assert "\n" not in message


def test_the_loader_names_the_variable_and_refuses_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "business.toml"
    path.write_text('name = "X"\ntime_zone = "Mars/Olympus"\n', encoding="utf-8")
    with pytest.raises(BusinessFileError, match=r"^ONEBOX_BUSINESS_FILE: time_zone: "):
        load_business(path)
    path.write_text("name = \n", encoding="utf-8")
    with pytest.raises(BusinessFileError, match=r"^ONEBOX_BUSINESS_FILE: not valid TOML"):
        load_business(path)
    with pytest.raises(BusinessFileError, match="cannot read"):
        load_business(tmp_path / "missing.toml")


def test_weekend_to_monday_across_the_spring_dst_change() -> None:
    business = parse_business(shop())
    saturday_evening = dt.datetime(2026, 3, 28, 20, 0, tzinfo=LISBON)  # WET, UTC+0
    assert not is_open(business, saturday_evening)
    opening = next_opening(business, saturday_evening)
    assert opening == dt.datetime(2026, 3, 30, 9, 0, tzinfo=LISBON)
    assert opening is not None
    assert opening.utcoffset() == dt.timedelta(hours=1)  # WEST after the change
    assert opening.astimezone(dt.UTC) == dt.datetime(2026, 3, 30, 8, 0, tzinfo=dt.UTC)
    assert back_sentence(opening, now=saturday_evening) == "We are back Monday at 09:00."
    # Just before and just at 09:00 WEST, given as UTC instants.
    assert not is_open(business, dt.datetime(2026, 3, 30, 7, 59, tzinfo=dt.UTC))
    assert is_open(business, dt.datetime(2026, 3, 30, 8, 0, tzinfo=dt.UTC))


def test_a_holiday_monday_moves_the_opening_to_tuesday() -> None:
    business = parse_business(shop(holidays=["2026-03-30"]))
    saturday_night = dt.datetime(2026, 3, 28, 22, 0, tzinfo=LISBON)
    opening = next_opening(business, saturday_night)
    assert opening == dt.datetime(2026, 3, 31, 9, 0, tzinfo=LISBON)
    assert opening_phrase(opening, now=saturday_night) == "Tuesday at 09:00"
    saturday = dt.datetime(2026, 3, 28, 12, 0, tzinfo=LISBON)
    assert is_open(business, saturday)
    assert next_opening(business, saturday) == saturday


def test_an_exceptional_opening_on_a_sunday() -> None:
    business = parse_business(shop(openings={"2026-12-20": ["10:00-16:00"]}))
    saturday_evening = dt.datetime(2026, 12, 19, 18, 0, tzinfo=LISBON)
    opening = next_opening(business, saturday_evening)
    assert opening == dt.datetime(2026, 12, 20, 10, 0, tzinfo=LISBON)
    assert opening_phrase(opening, now=saturday_evening) == "tomorrow at 10:00"


def test_an_overnight_range_across_the_autumn_dst_change() -> None:
    bar = parse_business({"name": "Bar", "time_zone": "Europe/Lisbon",
                          "hours": {"saturday": ["22:00-04:00"]}})  # fmt: skip
    # 2026-10-25: clocks go back at 02:00 WEST -> 01:00 WET; the night lasts 7 real hours.
    opens = dt.datetime(2026, 10, 24, 22, 0, tzinfo=LISBON)
    assert is_open(bar, opens)
    assert not is_open(bar, opens - dt.timedelta(minutes=1))
    first_130 = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 01:30 WEST
    second_130 = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)  # 01:30 WET
    assert is_open(bar, first_130)
    assert is_open(bar, second_130)
    closes = dt.datetime(2026, 10, 25, 4, 0, tzinfo=dt.UTC)  # 04:00 WET
    assert is_open(bar, closes - dt.timedelta(seconds=1))
    assert not is_open(bar, closes)
    assert closes - opens.astimezone(dt.UTC) == dt.timedelta(hours=7)
    assert next_opening(bar, closes) == dt.datetime(2026, 10, 31, 22, 0, tzinfo=LISBON)


def test_no_hours_means_nothing_is_said_about_opening() -> None:
    business = parse_business({"name": "X", "time_zone": "UTC"})
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert not is_open(business, at)
    assert next_opening(business, at) is None
    with pytest.raises(ValueError, match="aware"):
        is_open(business, dt.datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "We are back Monday at 09:00."),
        ("es", "Volvemos el lunes a las 09:00."),
        ("pt", "Voltamos na segunda-feira às 09:00."),
        ("fr", "Nous serons de retour lundi à 09:00."),
    ],
)
def test_the_back_sentence_in_four_languages(language: str, expected: str) -> None:
    now = dt.datetime(2026, 3, 28, 20, 0, tzinfo=LISBON)
    opening = dt.datetime(2026, 3, 30, 9, 0, tzinfo=LISBON)
    assert back_sentence(opening, now=now, language=language) == expected  # type: ignore[arg-type]


def test_today_tomorrow_and_a_far_date() -> None:
    now = dt.datetime(2026, 12, 23, 8, 0, tzinfo=LISBON)
    assert opening_phrase(now.replace(hour=9), now=now, language="pt") == "hoje às 09:00"
    assert back_sentence(now.replace(day=24, hour=1), now=now, language="es") == (
        "Volvemos mañana a la 01:00."
    )
    far = dt.datetime(2027, 1, 4, 9, 0, tzinfo=LISBON)
    assert opening_phrase(far, now=now, language="fr") == "lundi 4 janvier à 09:00"
    assert back_sentence(far, now=now, language="pt") == (
        "Voltamos na segunda-feira, 4 de janeiro, às 09:00."
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("my order 4411 has not arrived", "en"),
        ("¿Cuándo abren mañana?", "es"),
        ("quero saber quando vocês abrem", "pt"),
        ("Bonjour, est-ce que vous livrez à Lyon ?", "fr"),
        ("4411", "en"),
    ],
)
def test_language_guess(text: str, language: str) -> None:
    assert guess_language(text) == language
