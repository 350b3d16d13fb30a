"""The diary core's problems reach a reader in the reader's language: a Russian patient
importing a bad file, or sending a bad entry from the form or the API, reads Russian
naming the row, the column or the field; English readers read the same in English."""

from __future__ import annotations

import datetime as dt
import html
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from quietlegs import Problem
from quietlegs.diary import COLUMNS, PROBLEM_CODES
from quietlegs.web.accounts.models import User
from quietlegs.web.api.models import ApiToken
from quietlegs.web.diary import problems
from quietlegs.web.diary.models import DiaryEntry
from tests.web.webtools import login

pytestmark = pytest.mark.django_db


def night(days_ago: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days_ago)


def in_language(client: Client, lang: str) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    return client


def csv_text(*rows: dict[str, str]) -> str:
    lines = [",".join(COLUMNS)]
    for row in rows:
        values = {"severity": "0", **row}
        lines.append(",".join(values.get(c, "") for c in COLUMNS))
    return "\n".join(lines) + "\n"


def upload(client: Client, text: str) -> str:
    handle = io.BytesIO(text.encode())
    handle.name = "diary.csv"
    response = client.post("/diary/import/", {"file": handle})
    assert response.status_code == 400
    return html.unescape(response.content.decode())


def test_every_problem_code_has_a_wording() -> None:
    assert set(problems.BODIES) == (PROBLEM_CODES | problems.WEB_CODES) - {"invalid"}


BAD_FILE: dict[str, Any] = {
    "rows": (
        {"day": night(5).isoformat(), "severity": "3", "onset": "25:00", "body_parts": "legs"},
        {"day": night(4).isoformat(), "severity": "12", "body_parts": "tail"},
        {"day": night(3).isoformat(), "nicotine": "maybe"},
    ),
    "en": [
        "row 2, column 'onset': '25:00' is not a time of day (HH:MM, 00:00 to 23:59)",
        "row 3, column 'body_parts': 'tail' not allowed; use legs, arms, other separated by ';'",
        "row 4, column 'nicotine': 'maybe' is not yes or no",
    ],
    "ru": [
        "строка 2, столбец «onset»: «25:00» — не время суток (ЧЧ:ММ, от 00:00 до 23:59)",
        "строка 3, столбец «body_parts»: нельзя указать «tail»; используйте legs, arms, other "
        "через «;»",
        "строка 4, столбец «nicotine»: «maybe» — не yes и не no",
    ],
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_bad_file_is_explained_in_the_readers_language(patient: User, lang: str) -> None:
    page = upload(in_language(login(patient), lang), csv_text(*BAD_FILE["rows"]))
    for line in BAD_FILE[lang]:
        assert f"<li>{line}</li>" in page
    assert not DiaryEntry.objects.exists()


def test_a_russian_reader_sees_no_english_of_the_core(patient: User) -> None:
    page = upload(in_language(login(patient), "ru"), csv_text(*BAD_FILE["rows"]))
    for english in ("is not a time", "not allowed", "is not yes or no", "row 2", "column"):
        assert english not in page


def test_an_out_of_range_value_and_a_night_in_the_file_twice_in_russian(patient: User) -> None:
    rows = (
        {"day": night(5).isoformat(), "severity": "12", "body_parts": "legs"},
        {"day": night(4).isoformat(), "rest_latency_min": "721", "severity": "2",
         "body_parts": "legs"},
        {"day": night(3).isoformat()},
        {"day": night(3).isoformat()},
    )  # fmt: skip
    page = upload(in_language(login(patient), "ru"), csv_text(*rows))
    assert "<li>строка 2, столбец «severity»: должно быть от 0 до 10; указано 12</li>" in page
    assert (
        "<li>строка 3, столбец «rest_latency_min»: должно быть от 0 до 720 мин; указано 721 мин"
        "</li>"
    ) in page
    assert (
        f"<li>строка 5, столбец «day»: ночь {night(3).isoformat()} уже есть в строке 4 "
        "(одна запись за ночь)</li>"
    ) in page


def test_nights_already_in_the_diary_or_in_the_future_in_russian(patient: User) -> None:
    login(patient).post("/diary/entry/", entry_form(night(4)))
    assert DiaryEntry.objects.count() == 1
    text = csv_text({"day": night(5).isoformat()}, {"day": night(4).isoformat()})
    page = upload(in_language(login(patient), "ru"), text)
    assert (
        f"<li>строка 3: за ночь на {night(4).isoformat()} в вашем дневнике уже есть запись "
        "(измените её в дневнике или уберите эту строку)</li>"
    ) in page
    future = upload(in_language(login(patient), "ru"), csv_text({"day": night(-2).isoformat()}))
    assert (
        f"<li>строка 2, столбец «day»: {night(-2).isoformat()} — дата в будущем (сегодня "
    ) in future


def test_a_bad_header_in_russian(patient: User) -> None:
    page = upload(in_language(login(patient), "ru"), "severity,notes,mood\n3,1,2\n")
    assert (
        "<li>строка 1 (заголовок): неизвестные столбцы: «notes» (может быть, «note»?), «mood»; "
        "нет обязательных столбцов: day; все столбцы: day, severity, onset, "
    ) in page
    assert page.count("строка 1 (заголовок)") == 1
    missing = upload(in_language(login(patient), "ru"), "day,onset\n2024-01-01,21:00\n")
    assert "<li>строка 1 (заголовок): нет обязательных столбцов: severity</li>" in missing


def entry_form(day: dt.date, **changes: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "day": day.isoformat(),
        "severity": "5",
        "onset": "22:30",
        "body_parts": ["legs"],
        "caffeine_drinks": "0",
        "alcohol_units": "0",
        "exercise_min": "0",
        "note": "",
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Anything else: contains control characters"),
        ("ru", "Что-то ещё: содержит управляющие символы"),
    ],
)
def test_a_bad_entry_on_the_form_names_the_field_by_its_label(
    patient: User, lang: str, message: str
) -> None:
    client = in_language(login(patient), lang)
    response = client.post("/diary/entry/", entry_form(night(1), note="a\x01b"))
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not DiaryEntry.objects.exists()


def api(patient: User, lang: str, **changes: Any) -> list[dict[str, Any]]:
    _, secret = ApiToken.issue(patient)
    payload = {"day": night(1).isoformat(), "severity": 4, "onset": "22:00",
               "body_parts": ["legs"], **changes}  # fmt: skip
    response = Client().post(
        "/api/v1/me/diary/entries",
        payload,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}", "Accept-Language": lang},
    )
    assert response.status_code == 422
    items: list[dict[str, Any]] = response.json()["detail"]
    return items


@pytest.mark.parametrize(
    ("lang", "msg"),
    [
        (
            "en",
            "onset: 22:00 given but severity is 0 (no symptoms); leave it empty or give a "
            "severity above 0",
        ),
        (
            "ru",
            "onset: указано 22:00, но выраженность — 0 (симптомов не было); оставьте поле "
            "пустым или укажите выраженность больше 0",
        ),
    ],
)
def test_the_api_keeps_the_code_and_words_the_message_in_the_requests_language(
    patient: User, lang: str, msg: str
) -> None:
    items = api(patient, lang, severity=0, body_parts=[])
    assert items == [
        {
            "loc": ["body", "onset"],
            "msg": msg,
            "type": "invalid_diary_entry",
            "code": "given_without_symptoms",
        }
    ]


def test_the_api_in_russian_names_a_future_night_with_its_date(patient: User) -> None:
    items = api(patient, "ru", day=night(-1).isoformat())
    assert [(i["loc"], i["code"]) for i in items] == [(["body", "day"], "day_in_future")]
    assert items[0]["msg"] == (
        f"day: {night(-1).isoformat()} — дата в будущем (сегодня {night(0).isoformat()})"
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Last day (if stopped): 1 March 2099 is in the future (today is"),
        (
            "ru",
            "Последний день (если лечение прекращено): 1 марта 2099 г. — дата в будущем (сегодня",
        ),
    ],
)
def test_a_treatment_problem_names_the_treatment_and_the_field(lang: str, expected: str) -> None:
    problem = Problem(
        "day_in_future",
        "treatment 'iron_oral': stop 2099-03-01 is in the future",
        "stop",
        None,
        {"treatment": "iron_oral", "day": dt.date(2099, 3, 1), "today": dt.date(2026, 1, 1)},
    )
    with translation.override(lang):
        text = problems.for_treatment(problem, lambda t: {"iron_oral": "IRON"}[t])
    assert text.startswith(f"IRON: {expected}")


@pytest.mark.parametrize(
    ("length", "ru"),
    [
        (1, "длина — 1 символ"),
        (2, "длина — 2 символа"),
        (5, "длина — 5 символов"),
        (11, "длина — 11 символов"),
        (21, "длина — 21 символ"),
        (22, "длина — 22 символа"),
        (25, "длина — 25 символов"),
    ],
)
def test_a_counted_noun_agrees_with_its_number_in_russian(length: int, ru: str) -> None:
    problem = Problem("too_long", "note is long", "note", None, {"length": length, "max": 10})
    with translation.override("ru"):
        assert problems.body(problem) == f"{ru}; можно не больше 10"
