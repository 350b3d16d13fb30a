"""The Russian UI: every catalogue entry translated, the compiled catalogue in step with
the .po, and pages in Russian showing Russian UI text and none of the English one.

Clinical texts come from the knowledge base (already bilingual); these tests are about
the web app's own strings in ``src/quietlegs/web/locale/ru/LC_MESSAGES/django.po``.
When they fail after new UI strings were added, run ``make messages`` and translate the
new entries.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

import quietlegs.web
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.forms import ClinicSettingsForm, InvitationForm
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.knowledge import kb
from quietlegs.web.records.forms import ClinicalNoteForm, ExamFindingForm, LabResultForm
from quietlegs.web.records.models import LabResult
from tests.web.webtools import RLS_ANSWERS, login

pytestmark = pytest.mark.django_db

WEB_DIR = Path(quietlegs.web.__file__).resolve().parent
PO_FILE = WEB_DIR / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    """Hashing with the production hasher costs a third of a second per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# -- the catalogue -------------------------------------------------------------------


@dataclass
class Entry:
    """One entry of a .po file."""

    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def parse_po(path: Path) -> list[Entry]:
    """Read a .po file (the subset GNU gettext writes), header entry included.

    Parameters
    ----------
    path : Path
        The .po file.

    Returns
    -------
    entries : list of Entry
        In file order; obsolete (``#~``) entries are left out.
    """
    entries: list[Entry] = []
    entry: Entry | None = None
    key = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                entry = None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if match:
            key = match.group(1)
            text = ast.literal_eval(match.group(3))
            if key == "msgctxt":
                entry.msgctxt = text
            elif key == "msgid":
                entry.msgid = text
            elif key == "msgid_plural":
                entry.msgid_plural = text
            else:
                entry.msgstr[int(match.group(2) or 0)] = text
            continue
        assert line.startswith('"'), f"{path.name}:{number}: cannot read {line!r}"
        text = ast.literal_eval(line)
        if key == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        elif key == "msgid":
            entry.msgid += text
        elif key == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            index = max(entry.msgstr)
            entry.msgstr[index] += text
    return entries


def messages() -> list[Entry]:
    """The entries of the Russian catalogue, without the header."""
    return [e for e in parse_po(PO_FILE) if e.msgid]


def where(entry: Entry) -> str:
    return f"{PO_FILE.name}:{entry.line} {entry.msgid!r}"


def test_po_header_is_russian_with_three_plural_forms() -> None:
    header = parse_po(PO_FILE)[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: ru\n" in header.msgstr[0]
    assert "Content-Type: text/plain; charset=UTF-8\n" in header.msgstr[0]
    assert (
        "Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);\n"
    ) in header.msgstr[0]


def test_every_entry_is_translated_and_not_fuzzy() -> None:
    entries = messages()
    assert len(entries) > 250  # the whole UI, not a stub
    fuzzy = [where(e) for e in entries if "fuzzy" in e.flags]
    untranslated = [where(e) for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    assert not fuzzy, "fuzzy entries: " + "; ".join(fuzzy)
    assert not untranslated, "untranslated entries: " + "; ".join(untranslated)
    for entry in entries:
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == [0, 1, 2], where(entry)


def test_translations_keep_every_placeholder() -> None:
    for entry in messages():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in entry.msgstr.values():
            assert sorted(PLACEHOLDER.findall(text)) == wanted, where(entry)
        # blocktranslate variables reach the catalogue as %(name)s; no {{ }} may survive
        assert "{{" not in "".join(entry.msgstr.values()), where(entry)


def test_translations_are_russian() -> None:
    """Every entry but a few names reads in Cyrillic (nothing left in English)."""
    same = {"quietlegs", "API", "AASM", "WASM/IRLSSG 2016"}  # names of standards stay as they are
    for entry in messages():
        if entry.msgid in same:
            continue
        if not re.search("[a-z]", PLACEHOLDER.sub("", entry.msgid), re.IGNORECASE):
            continue  # no words: only punctuation around a placeholder (quotation marks)
        for text in entry.msgstr.values():
            assert re.search("[а-яё]", text, re.IGNORECASE), where(entry)


def test_compiled_catalogue_matches_the_po() -> None:
    with MO_FILE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in messages():
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                got = catalogue.gettext(entry.msgid)
            else:
                got = catalogue.pgettext(entry.msgctxt, entry.msgid)
            assert got == entry.msgstr[0], f"{where(entry)}: run `make messages`"
        else:
            for n, form in ((1, 0), (21, 0), (3, 1), (24, 1), (5, 2), (11, 2), (12, 2), (111, 2)):
                got = catalogue.ngettext(entry.msgid, entry.msgid_plural, n)
                assert got == entry.msgstr[form], f"{where(entry)} n={n}: run `make messages`"


def test_every_translate_tag_of_the_templates_is_in_the_catalogue() -> None:
    msgids = {e.msgid for e in messages()}
    tag = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')""")
    missing = []
    for template in sorted(WEB_DIR.rglob("templates/**/*")):
        if template.suffix not in (".html", ".txt"):
            continue
        for match in tag.finditer(template.read_text(encoding="utf-8")):
            text = match.group(1) if match.group(1) is not None else match.group(2)
            if text not in msgids:
                missing.append(f"{template.relative_to(WEB_DIR)}: {text!r}")
    assert not missing, "run `make messages` and translate: " + "; ".join(missing)


def test_russian_plural_forms_in_the_running_app() -> None:
    with translation.override("ru"):
        words = [
            translation.ngettext(
                "%(count)d invitation revoked.", "%(count)d invitations revoked.", n
            )
            % {"count": n}
            for n in (1, 2, 5, 21)
        ]
    assert words == [
        "Отозвано 1 приглашение.",
        "Отозвано 2 приглашения.",
        "Отозвано 5 приглашений.",
        "Отозвано 21 приглашение.",
    ]


# -- form labels and choices from models (gettext_lazy) ------------------------------


def test_model_labels_and_choices_in_forms_are_translated(clinic: Clinic) -> None:
    with translation.override("ru"):
        settings_form = ClinicSettingsForm(instance=clinic)
        assert str(settings_form.fields["name"].label) == "Название"
        assert str(settings_form.fields["emergency_number"].label) == (
            "Местный номер экстренных служб"
        )
        assert str(settings_form.fields["emergency_number"].help_text) == (
            "Показывается на экране экстренной помощи, например 112 или 103."
        )
        role = str(InvitationForm()["role"])  # the radio buttons as rendered
        assert "Врач</label>" in role
        assert "Администратор клиники</label>" in role
        assert str(InvitationForm()["role"].label) == "Роль"
        assert str(ExamFindingForm().fields["text"].label) == "Данные осмотра"
        assert str(ClinicalNoteForm().fields["text"].label) == "Заметка"
        lab = LabResultForm()
        assert str(lab.fields["measured_on"].label) == "Дата взятия биоматериала"
        assert str(User.Role.CLINIC_ADMIN.label) == "Администратор клиники"
        assert str(Assessment.Source.CLINICIAN.label) == (
            "Пересчитано врачом с учётом результатов анализов"
        )
    with translation.override("en"):
        assert str(ExamFindingForm().fields["text"].label) == "Finding"


# -- pages in Russian ----------------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes and accessible-name attributes.

    Scripts, styles and the list of references (citations of English papers) are
    left out.
    """

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self._skip:
            if tag == self._skip[0]:
                self._skip.append(tag)
            return
        if tag in ("script", "style") or "references" in (values.get("class") or "").split():
            self._skip.append(tag)
            return
        for name in ("aria-label", "title", "placeholder", "alt"):
            if values.get(name):
                self.nodes.append(str(values[name]).strip())

    def handle_endtag(self, tag: str) -> None:
        if self._skip and tag == self._skip[0]:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.nodes.append(" ".join(data.split()))


def visible(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.nodes


def english_ui_strings() -> list[tuple[str, str, re.Pattern[str]]]:
    """Every English UI string of the catalogue, and how to look for it in a page.

    Returns ``(english, where, pattern)``: ``where`` is ``"text"`` for strings of two
    words or more without placeholders (looked for anywhere in the page's text),
    ``"node"`` for strings with placeholders (matching any text, inside one text node)
    and for single words, which must make up a whole text node (``Next``, ``Patients``)
    or start one if they end in a colon (``Met:``), since short words also occur inside
    names and e-mail addresses.
    """
    patterns = []
    for entry in messages():
        for english in filter(None, (entry.msgid, entry.msgid_plural)):
            if entry.msgstr.get(0) == english or english in LANGUAGE_NAMES:
                continue  # the same in both languages (quietlegs, API); the switcher
            parts = [re.escape(p) for p in PLACEHOLDER.split(english)[::2]]
            if len(english.split()) < 2:
                # a whole node, or its start for labels such as "Met:" before a text
                end = "" if english.endswith(":") else "[:.]?$"
                patterns.append((english, "node", re.compile(rf"^[←\s]*{parts[0]}{end}")))
            elif len(parts) > 1:
                patterns.append((english, "node", re.compile(".+?".join(parts))))
            else:
                patterns.append((english, "text", re.compile(parts[0])))
    return patterns


#: The language switcher names each language in that language ("English", "Русский").
LANGUAGE_NAMES = {"English", "Russian"}

#: English UI text that must never show on a Russian page, whatever the catalogue says.
KNOWN_ENGLISH = [
    "Skip to content",
    "Log in",
    "Log out",
    "Sign up",
    "My assessments",
    "Leg symptoms check",
    "Start the check",
    "Skip / I don't know",
    "Your report",
    "What your answers point to",
    "Download PDF",
    "Forgot your password?",
    "E-mail address",
    "Patients",
    "Lab results",
    "Examination findings",
    "Clinic settings",
    "This may be an emergency",
    "quietlegs gives information, not a diagnosis.",
]


def assert_russian_page(html: str, expected: list[str]) -> None:
    """``html`` is in Russian: it says every ``expected`` text and no English UI string."""
    nodes = visible(html)
    text = " ".join(nodes)
    assert '<html lang="ru">' in html
    missing = [e for e in expected if e not in text]
    assert not missing, f"Russian text missing: {missing}\n{text[:3000]}"
    english = [s for s in KNOWN_ENGLISH if s in text]
    for source, scope, pattern in english_ui_strings():
        if pattern.search(text) if scope == "text" else any(map(pattern.search, nodes)):
            english.append(source)
    english = list(dict.fromkeys(english))
    assert not english, f"English UI text on a Russian page: {english}\n{text[:3000]}"


def russian_client(user: User | None = None) -> Client:
    client = login(user) if user is not None else Client()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    return client


def get(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def test_start_page_in_russian() -> None:
    html = get(russian_client(), "/")
    assert_russian_page(
        html,
        [
            "Проверка симптомов в ногах",
            "Начать проверку",
            "Перейти к содержимому",
            "Войти",
            "Регистрация",
            "Это не диагноз.",
            "quietlegs предоставляет информацию, но не ставит диагноз.",
        ],
    )


def test_question_pages_in_russian() -> None:
    client = russian_client()
    assert client.post("/assess/start/")["Location"] == "/assess/q/emergency_signs/"
    question = kb().questions["emergency_signs"]
    html = get(client, "/assess/q/emergency_signs/")
    assert_russian_page(
        html,
        [
            "Часть 1 из 11: " + kb().meta.section_names["red_flags"].ru,
            question.text.ru,
            question.choices[0].text.ru,
            "Далее",
            "Назад",
        ],
    )
    refused = client.post("/assess/q/emergency_signs/", {"skip": "1"})
    assert_russian_page(
        refused.content.decode(),
        ["Этот вопрос нельзя пропустить: он нужен, чтобы выявить тревожные признаки."],
    )
    response = client.post("/assess/q/emergency_signs/", {"answer": ["none"]})
    assert response.status_code == 302
    html = get(client, "/assess/q/age/")
    assert_russian_page(html, ["Часть 2 из 11", "Пропустить / Не знаю"])
    refused = client.post("/assess/q/age/", {"answer": "500"})
    assert_russian_page(refused.content.decode(), ["Введите число от 0 до 120"])
    refused = client.post("/assess/q/age/", {"answer": ""})
    assert_russian_page(
        refused.content.decode(), ["Введите ответ или нажмите «Пропустить / Не знаю»."]
    )


def test_emergency_screen_in_russian() -> None:
    client = russian_client()
    client.post("/assess/start/")
    flag = next(c.id for c in kb().questions["emergency_signs"].choices if not c.exclusive)
    response = client.post("/assess/q/emergency_signs/", {"answer": [flag]})
    assert response.status_code == 302
    html = get(client, response["Location"])
    assert_russian_page(
        html,
        [
            "Возможно, это экстренная ситуация",
            "Позвоните по номеру",
            "Ваши ответы указывают на следующие тревожные признаки",
            "Что сказать диспетчеру",
            "Посмотреть полный отчёт",
        ],
    )


def test_report_page_in_russian(patient: User) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    html = get(russian_client(patient), f"/assessments/{assessment.pk}/")
    assert "Список литературы" in html  # the references themselves are English papers
    report = assessment.report("ru")
    assert_russian_page(
        html,
        [
            "Ваш отчёт",
            report["urgency_label"],
            "Когда вызывать скорую помощь",
            "На что указывают ваши ответы",
            "Синдром беспокойных ног",
            "Диагностические критерии",
            "выполнен",
            "Обследования, о которых стоит спросить врача",
            "ферритин",
            "Информация о лечении",
            "Для обсуждения с лечащим врачом. Дозировки не указываются.",
            "Распечатать",
            "Скачать PDF",
        ],
    )


def test_login_and_signup_pages_in_russian(clinic: Clinic) -> None:
    client = russian_client()
    assert_russian_page(
        get(client, "/accounts/login/"),
        ["Войти", "Адрес электронной почты", "Пароль", "Забыли пароль?", "Создать учётную запись"],
    )
    refused = client.post("/accounts/login/", {"username": "nobody@example.org", "password": "x"})
    assert_russian_page(refused.content.decode(), ["Пожалуйста, введите правильные"])
    assert_russian_page(
        get(client, "/accounts/signup/"),
        ["Создать учётную запись", "Повторите пароль", "Ваша клиника (необязательно)"],
    )
    refused = client.post(
        "/accounts/signup/", {"email": "new@example.org", "password1": "a", "password2": "b"}
    )
    assert_russian_page(refused.content.decode(), ["Пароли не совпадают.", "Обязательное поле."])
    assert_russian_page(
        get(client, "/accounts/password_reset/"), ["Восстановить пароль", "Отправить ссылку"]
    )


def test_password_reset_email_in_russian(patient: User) -> None:
    client = russian_client()
    response = client.post("/accounts/password_reset/", {"email": patient.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Восстановление пароля quietlegs"
    assert "Поступил запрос на восстановление пароля" in str(message.body)
    assert "reset the password" not in str(message.body)


def test_patient_pages_in_russian(patient: User) -> None:
    first = Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    second = Assessment.create_from_answers(
        dict(RLS_ANSWERS, known_conditions=["iron_deficiency"]), patient=patient
    )
    client = russian_client(patient)
    assert_russian_page(
        get(client, "/accounts/"),
        ["Мои оценки симптомов", "Новая проверка", "Открыть отчёт", "Ваши данные"],
    )
    assert_russian_page(get(client, "/accounts/profile/"), ["Мой профиль", "Сохранить профиль"])
    assert_russian_page(
        get(client, f"/accounts/compare/?a={first.pk}&b={second.pk}"),
        ["Сравнить две оценки", "Срочность", "Что изменилось"],
    )
    assert_russian_page(
        get(client, "/accounts/delete/"), ["Удалить мою учётную запись и данные", "Отмена"]
    )


def test_clinician_workspace_in_russian(patient: User, clinician: User) -> None:
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    LabResult.objects.create(
        patient=patient,
        recorded_by=clinician,
        question_id="ferritin_ng_ml",
        value=40,
        measured_on="2025-01-10",
    )
    client = russian_client(clinician)
    assert_russian_page(
        get(client, "/clinic/"),
        ["Пациенты", "Имя или адрес электронной почты", "Наиболее вероятный диагноз", "Найти"],
    )
    html = get(client, f"/clinic/patients/{patient.pk}/")
    assert_russian_page(
        html,
        [
            "Оценки симптомов",
            "Вероятные диагнозы",
            "Выполнено критериев: 5 из 5",
            "Результаты анализов",
            "Добавить результат анализа",
            "Дата взятия биоматериала",
            "Данные осмотра",
            "Сохранить заметку",
        ],
    )
    refused = client.post(
        f"/clinic/patients/{patient.pk}/labs/",
        {"lab-question_id": "ferritin_ng_ml", "lab-value": "", "lab-measured_on": "2999-01-01"},
    )
    assert refused.status_code == 400
    assert_russian_page(
        refused.content.decode(),
        ["Обязательное поле.", "Дата взятия биоматериала не может быть позже сегодняшнего дня."],
    )


def test_clinic_admin_page_and_invitation_in_russian(clinic: Clinic, clinic_admin: User) -> None:
    client = russian_client(clinic_admin)
    assert_russian_page(
        get(client, "/clinic/manage/"),
        ["Настройки клиники", "Название", "Сотрудники", "Пригласить врача", "Приглашения"],
    )
    response = client.post(
        "/clinic/manage/invite/", {"invite-email": "new@example.org", "invite-role": "clinician"}
    )
    assert response.status_code == 302
    assert mail.outbox[0].subject == f"Приглашение в клинику «{clinic.name}» в quietlegs"
    assert "Ваша роль: Врач." in str(mail.outbox[0].body)
    html = get(client, "/clinic/manage/")
    assert_russian_page(html, ["Приглашение отправлено на адрес new@example.org."])
    link = re.search(r"/clinic/manage/invite/[\w-]+/", str(mail.outbox[0].body))
    assert link is not None
    assert_russian_page(
        get(russian_client(), link.group(0)),
        ["Присоединиться к клинике", "Ваша роль по приглашению: Врач.", "Зарегистрироваться"],
    )


def test_language_cookie_and_switcher_choose_russian() -> None:
    client = Client()
    assert "Leg symptoms check" in get(client, "/")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert_russian_page(get(client, "/"), ["Проверка симптомов в ногах"])
    client = Client()
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert_russian_page(get(client, "/"), ["Проверка симптомов в ногах"])


def test_english_stays_english(patient: User) -> None:
    """The catalogue is only used for Russian: the default language is untouched."""
    html = get(Client(), "/")
    assert "Leg symptoms check" in html
    assert "Проверка симптомов в ногах" not in html


def test_english_dates_are_day_first_with_a_24_hour_clock() -> None:
    import datetime

    from django.utils import formats, translation

    moment = datetime.datetime(2026, 11, 25, 21, 5)
    with translation.override("en"):
        assert formats.date_format(moment, "DATETIME_FORMAT") == "25 November 2026, 21:05"
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "2026-11-25"
    with translation.override("ru"):
        assert formats.date_format(moment, "DATETIME_FORMAT").startswith("25 ноября 2026")


def test_translation_functions_are_imported_under_names_makemessages_knows() -> None:
    """xgettext extracts _(), gettext(), gettext_lazy(), ngettext()... by name: a string
    passed to an alias such as ``_lazy`` never reaches the catalogue and stays English."""
    import re
    from pathlib import Path

    import quietlegs.web

    known = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext",
             "pgettext_lazy", "npgettext", "npgettext_lazy", "gettext_noop"}  # fmt: skip
    alias = re.compile(r"from django\.utils\.translation import .*\b(\w+) as (\w+)")
    bad = []
    for path in Path(quietlegs.web.__file__).parent.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for found in alias.finditer(line):
                if found.group(1) in known and found.group(2) not in known:
                    bad.append(f"{path.name}:{number}: {found.group(1)} as {found.group(2)}")
    assert not bad, bad


def test_every_date_input_writes_its_value_as_iso_in_every_language() -> None:
    # A date input shows only YYYY-MM-DD: a Russian 02.03.2026 left the field empty.
    import importlib
    import pkgutil

    from django import forms

    import quietlegs.web

    checked = []
    for info in pkgutil.walk_packages(quietlegs.web.__path__, "quietlegs.web."):
        if not info.name.endswith(".forms"):
            continue
        module = importlib.import_module(info.name)
        for form in vars(module).values():
            if not (isinstance(form, type) and issubclass(form, forms.BaseForm)):
                continue
            for name, form_field in getattr(form, "base_fields", {}).items():
                widget = form_field.widget
                if isinstance(widget, forms.DateInput) and widget.input_type == "date":
                    checked.append(f"{form.__name__}.{name}")
                    assert widget.format == "%Y-%m-%d", f"{form.__name__}.{name}"
    assert "VisitReportForm.visit_date" in checked
    assert len(checked) >= 9
