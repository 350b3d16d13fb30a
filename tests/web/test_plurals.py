"""Counted nouns agree with their numbers in Russian (three forms: 1 ночь, 2 ночи, 5 ночей;
21 ночь, 22 ночи, 25 ночей; 11 ночей), and in English (1 night, 2 nights).

Each text below is rendered as the app renders it (the template's blocktranslate or the
Python ngettext) for 1, 2, 5, 11, 21, 22 and 25, in Russian and English.
"""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

COUNTS = (1, 2, 5, 11, 21, 22, 25)


def forms(one: str, few: str, many: str) -> dict[int, str]:
    """The Russian word for each of COUNTS: 1, 21 -> one; 2, 22 -> few; 5, 11, 25 -> many."""
    return {1: one, 2: few, 5: many, 11: many, 21: one, 22: few, 25: many}


NIGHTS_OF = forms("ночи", "ночей", "ночей")  # "из последних 21 ночи", "меньше 2 ночей"
NIGHTS = forms("ночь", "ночи", "ночей")
DAYS = forms("день", "дня", "дней")
HOURS = forms("час", "часа", "часов")
MINUTES = forms("минута", "минуты", "минут")
TRIGGERS = forms("фактор", "фактора", "факторов")


def render(template: str, **context: object) -> str:
    return Template("{% load i18n %}" + template).render(Context(context))


#: (the template text as the app has it, the count variable, the other variables, the Russian
#: words expected around the number, the English nouns for 1 and for more).
TEMPLATES = [
    (
        "{% blocktranslate with meeting=3 required=5 count week=n %}The diary meets the "
        "earlier-onset criteria of the MPI definition of augmentation on {{ meeting }} of the "
        "last {{ week }} night (at least {{ required }} needed). The diary cannot judge whether "
        "the worsening is explained by other factors, whether there was a response to treatment "
        "before, or whether symptoms respond paradoxically to dose changes: assess these at the "
        "visit.{% plural %}The diary meets the earlier-onset criteria of the MPI definition of "
        "augmentation on {{ meeting }} of the last {{ week }} nights (at least {{ required }} "
        "needed). The diary cannot judge whether the worsening is explained by other factors, "
        "whether there was a response to treatment before, or whether symptoms respond "
        "paradoxically to dose changes: assess these at the visit.{% endblocktranslate %}",
        "из последних {n} {w}",
        NIGHTS_OF,
        "of the last {n} night{s} (at least",
    ),
    (
        "{% blocktranslate with onset='22:00' latency='x' severity=5 parts='legs' count "
        "nights=n %}Before the treatment ({{ nights }} night with symptoms): symptoms usually "
        "began at {{ onset }}, {{ latency }}, with severity {{ severity }}, in the {{ parts }}."
        "{% plural %}Before the treatment ({{ nights }} nights with symptoms): symptoms usually "
        "began at {{ onset }}, {{ latency }}, with severity {{ severity }}, in the {{ parts }}."
        "{% endblocktranslate %}",
        "До лечения ({n} {w} с симптомами)",
        NIGHTS,
        "({n} night{s} with symptoms)",
    ),
    (
        "{% blocktranslate count week=n %}The evidence: the last {{ week }} night compared with "
        "before the treatment{% plural %}The evidence: the last {{ week }} nights compared with "
        "before the treatment{% endblocktranslate %}",
        "последние {n} {w} в сравнении",
        NIGHTS,
        "the last {n} night{s} compared",
    ),
    (
        "{% blocktranslate count min=n %}Up to two weeks before each change are compared with up "
        "to two weeks after it (the first three days after it left out). With fewer than "
        "{{ min }} night on a side there is no estimate.{% plural %}Up to two weeks before each "
        "change are compared with up to two weeks after it (the first three days after it left "
        "out). With fewer than {{ min }} nights on a side there is no estimate."
        "{% endblocktranslate %}",
        "меньше {n} {w}, оценка",
        NIGHTS_OF,
        "fewer than {n} night{s} on a side",
    ),
    (
        "{% blocktranslate count min=n %}No possible trigger has {{ min }} night with it and "
        "{{ min }} without it yet: nothing can be said about triggers.{% plural %}No possible "
        "trigger has {{ min }} nights with it and {{ min }} without it yet: nothing can be said "
        "about triggers.{% endblocktranslate %}",
        "нет {n} {w} с ним",
        NIGHTS_OF,
        "has {n} night{s} with it",
    ),
    (
        "{% blocktranslate count min=n %}A trigger needs at least {{ min }} night on each side."
        "{% plural %}A trigger needs at least {{ min }} nights on each side."
        "{% endblocktranslate %}",
        "не меньше {n} {w} с каждой",
        NIGHTS_OF,
        "at least {n} night{s} on each side",
    ),
    (
        "{% blocktranslate with level=99 count tested=n %}When {{ tested }} trigger is compared, "
        "it may look different by chance: a difference counts only when its interval, widened "
        "for the number of comparisons ({{ level }} % each), excludes zero.{% plural %}When "
        "{{ tested }} triggers are compared at once, one may look different by chance: a "
        "difference counts only when its interval, widened for the number of comparisons "
        "({{ level }} % each), excludes zero.{% endblocktranslate %}",
        "{n} {w}",
        TRIGGERS,
        "When {n} trigger{s} ",
    ),
    (
        "{% blocktranslate count hours=n %}Appointments can be cancelled online up to {{ hours }} "
        "hour before they start. Please call the clinic.{% plural %}Appointments can be "
        "cancelled online up to {{ hours }} hours before they start. Please call the clinic."
        "{% endblocktranslate %}",
        "за {n} {w} до приёма",
        HOURS,
        "up to {n} hour{s} before",
    ),
    (
        "{% blocktranslate count hours=n %}Appointments can be changed online up to {{ hours }} "
        "hour before they start. To cancel or move this one, please call the clinic.{% plural %}"
        "Appointments can be changed online up to {{ hours }} hours before they start. To cancel "
        "or move this one, please call the clinic.{% endblocktranslate %}",
        "за {n} {w} до приёма",
        HOURS,
        "up to {n} hour{s} before",
    ),
    (
        "{% blocktranslate count hours=n %}Your assessment says you should see a doctor within "
        "24–48 hours, and the clinic has no free time within {{ hours }} hour. Go to an urgent "
        "care centre or a hospital emergency department today, or call your doctor.{% plural %}"
        "Your assessment says you should see a doctor within 24–48 hours, and the clinic has no "
        "free time within {{ hours }} hours. Go to an urgent care centre or a hospital emergency "
        "department today, or call your doctor.{% endblocktranslate %}",
        "в ближайшие {n} {w}.",
        HOURS,
        "within {n} hour{s}.",
    ),
    (
        "{% blocktranslate count minutes=n %}{{ minutes }} minute{% plural %}{{ minutes }} "
        "minutes{% endblocktranslate %}",
        "{n} {w}",
        MINUTES,
        "{n} minute{s}",
    ),
]


@pytest.mark.parametrize(("template", "russian", "words", "english"), TEMPLATES)
@pytest.mark.parametrize("n", COUNTS)
def test_a_template_text_agrees_with_its_number(
    template: str, russian: str, words: dict[int, str], english: str, n: int
) -> None:
    with translation.override("ru"):
        text = render(template, n=n)
    assert russian.format(n=n, w=words[n]) in text, text
    with translation.override("en"):
        text = render(template, n=n)
    assert english.format(n=n, s="" if n == 1 else "s") in text, text


def python_texts() -> list[tuple[str, str, str, dict[int, str]]]:
    """The Python ngettext texts: (singular, plural, the Russian around the number, words)."""
    return [
        (
            "Possible augmentation: on %(meeting)s of the last %(week)s night the symptoms "
            "began much earlier than before the dopaminergic treatment.",
            "Possible augmentation: on %(meeting)s of the last %(week)s nights the symptoms "
            "began much earlier than before the dopaminergic treatment.",
            "из последних {n} {w} симптомы",
            NIGHTS_OF,
        ),
        (
            "No sign of augmentation in the last %(week)s night (checked against the "
            "time-of-onset criteria).",
            "No sign of augmentation in the last %(week)s nights (checked against the "
            "time-of-onset criteria).",
            "За последние {n} {w} признаков",
            NIGHTS,
        ),
        (
            "Fewer than %(required)s of the last %(week)s night are recorded on the "
            "dopaminergic treatment: the augmentation check cannot tell yet.",
            "Fewer than %(required)s of the last %(week)s nights are recorded on the "
            "dopaminergic treatment: the augmentation check cannot tell yet.",
            "из последних {n} {w}:",
            NIGHTS_OF,
        ),
        (
            "No augmentation check: too few nights with symptoms were recorded in the "
            "%(baseline)s day before the dopaminergic treatment began.",
            "No augmentation check: too few nights with symptoms were recorded in the "
            "%(baseline)s days before the dopaminergic treatment began.",
            "за {n} {w} до начала",
            DAYS,
        ),
        (
            "Symptom and sleep diary: the %(week)s night up to %(day)s",
            "Symptom and sleep diary: the %(week)s nights up to %(day)s",
            "последние {n} {w} по",
            NIGHTS,
        ),
        (
            "Enter a day from today (%(first)s) to %(last)s: appointments are booked up to "
            "%(days)s day ahead.",
            "Enter a day from today (%(first)s) to %(last)s: appointments are booked up to "
            "%(days)s days ahead.",
            "на {n} {w} вперёд",
            DAYS,
        ),
        (
            "This time is too far ahead: appointments can be booked up to %(days)s day ahead. "
            "Choose an earlier one.",
            "This time is too far ahead: appointments can be booked up to %(days)s days ahead. "
            "Choose an earlier one.",
            "на {n} {w} вперёд",
            DAYS,
        ),
        (
            "Appointments can be changed online up to %(hours)s hour before they start. Please "
            "call the clinic.",
            "Appointments can be changed online up to %(hours)s hours before they start. Please "
            "call the clinic.",
            "за {n} {w} до приёма",
            HOURS,
        ),
    ]


@pytest.mark.parametrize(("singular", "plural", "russian", "words"), python_texts())
@pytest.mark.parametrize("n", COUNTS)
def test_a_python_text_agrees_with_its_number(
    singular: str, plural: str, russian: str, words: dict[int, str], n: int
) -> None:
    params: dict[str, object] = dict.fromkeys(
        ("week", "days", "hours", "baseline", "meeting", "required"), n
    )
    params |= {"first": "A", "last": "B", "day": "C"}
    with translation.override("ru"):
        text = translation.ngettext(singular, plural, n) % params
    assert russian.format(n=n, w=words[n]) in text, text
    with translation.override("en"):
        assert translation.ngettext(singular, plural, n) == (singular if n == 1 else plural)
