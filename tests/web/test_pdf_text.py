"""What the PDFs say, read back from the PDF files themselves (pypdf): every report says
it is not a diagnosis and when to call emergency services, with the number, in English and
Russian; a visit report shows dates, numbers and the signing time the reader's way."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.records import services as records
from quietlegs.web.records.models import PSGStudy
from quietlegs.web.scheduling.models import ClinicRules
from quietlegs.web.visitreports import services as visitreports
from tests.web.webtools import RLS_ANSWERS, login

pytestmark = pytest.mark.django_db

#: What every report must say, in each language (words of the knowledge base's texts).
STATEMENTS = {
    "en": ("is not a diagnosis", "When to call emergency services", "112", "103"),
    "ru": ("не диагноз", "Когда вызывать скорую помощь", "112", "103"),
}


def text_of(pdf: bytes) -> str:
    """The PDF's text, one space for any run of whitespace (lines are wrapped)."""
    assert pdf.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pages))


def in_language(client: Client, lang: str) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    return client


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_assessment_pdf_says_it_is_no_diagnosis_and_when_to_call(
    patient: User, lang: str
) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    response = in_language(login(patient), lang).get(f"/assessments/{assessment.pk}/pdf/")
    text = text_of(response.content)
    for statement in STATEMENTS[lang]:
        assert statement in text
    if lang == "ru":
        assert "Синдром беспокойных ног" in text
        assert "restless legs syndrome" not in text.lower().split("список литературы")[0]


@pytest.fixture
def signed(patient: User, clinician: User) -> int:
    """A signed visit report with an assessment, a lab result and a sleep study."""
    assert clinician.clinic is not None
    rules = ClinicRules.for_clinic(clinician.clinic)
    rules.time_zone = "Europe/Moscow"
    rules.save()
    Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    records.add_lab_result(
        None,
        patient,
        clinician,
        question_id="ferritin_ng_ml",
        value=42.5,
        measured_on=timezone.localdate(),
    )
    PSGStudy.objects.create(
        patient=patient,
        original_name="night.edf",
        stored_path="/nowhere",
        size_bytes=1,
        status="done",
        result={"plms_index": 22.5, "periodicity_index": 0.71, "index_basis": "sleep"},
    )
    outcome = visitreports.sign_report(
        None,
        patient,
        clinician,
        visit_date=timezone.localdate(),
        summary="Seen.",
        nonce=uuid.uuid4(),
    )
    return outcome.report.pk


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("reader", ["patient", "clinician"])
def test_the_visit_report_pdf_says_it_is_no_diagnosis_and_when_to_call(
    patient: User, clinician: User, signed: int, lang: str, reader: str
) -> None:
    user = patient if reader == "patient" else clinician
    response = in_language(login(user), lang).get(reverse("visitreports:pdf", args=[signed]))
    text = text_of(response.content)
    for statement in STATEMENTS[lang]:
        assert statement in text


def test_the_russian_visit_report_pdf_writes_dates_numbers_and_zone_the_russian_way(
    patient: User, signed: int
) -> None:
    response = in_language(login(patient), "ru").get(reverse("visitreports:pdf", args=[signed]))
    text = text_of(response.content)
    today = timezone.localdate()
    short = f"{today:%d.%m.%Y}"
    assert f"По оценке от {short}." in text
    assert f"42,5 нг/мл {short}" in text  # the lab value and the date of the sample
    assert "Индекс ПДКС (в час сна) 22,5" in text
    assert "Индекс периодичности 0,71" in text
    assert f"night.edf · {short} ·" in text
    assert re.search(r"Подписано: .+, \d+ \w+ \d{4} г\. \d{1,2}:\d{2} \(MSK\)\.", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text.split("Отпечаток")[0])
