"""The tremor and diary sections of visit reports: registered by their apps, frozen in both
languages when the report is signed, shown on the page and in the PDF."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.diary.models import TreatmentChange, TreatmentPeriod
from quietlegs.web.tremor.models import TremorRecording
from quietlegs.web.visitreports import pdf, sections, services
from quietlegs.web.visitreports.content import in_language
from quietlegs.web.visitreports.models import VisitReport
from tests.web.diarytools import augmented_patient
from tests.web.integtools import diary_nights, tremor_recording
from tests.web.webtools import login

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Today, read when a test runs (a date read at import went stale in a run that
    crossed midnight)."""
    return timezone.localdate()


@pytest.fixture(autouse=True)
def fake_pdf(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Capture the HTML given to WeasyPrint instead of rendering a PDF."""
    seen: list[str] = []

    def capture(html: str, base_url: str | None = None) -> bytes:
        seen.append(html)
        return b"%PDF-fake"

    monkeypatch.setattr(pdf, "render_pdf", capture)
    return seen


def sign(patient: User, clinician: User) -> VisitReport:
    return services.sign_report(
        None, patient, clinician, visit_date=today(), summary="Seen.", nonce=uuid.uuid4()
    ).report


def by_id(report: VisitReport, section_id: str) -> list[dict[str, Any]]:
    return [s for s in report.content["sections"] if s["id"] == section_id]


def rows(section: dict[str, Any], lang: str) -> dict[str, str]:
    return {r["label"][lang]: r["value"][lang] for r in section["rows"]}


def page_of(user: User, report: VisitReport, lang: str = "en") -> str:
    client = login(user)
    client.cookies["django_language"] = lang
    return client.get(reverse("visitreports:report", args=[report.pk])).content.decode()


def test_the_apps_register_their_sections_after_the_sleep_studies() -> None:
    assert list(sections.section_providers()) == ["psg", "tremor", "diary"]


def test_nothing_recorded_adds_no_section(patient: User, clinician: User) -> None:
    assert sign(patient, clinician).content["sections"] == []


# --- tremor ------------------------------------------------------------------------------------


def test_the_latest_measurement_of_each_task_is_signed_in_both_languages(
    patient: User, clinician: User, fake_pdf: list[str]
) -> None:
    earlier = timezone.now() - dt.timedelta(days=10)
    tremor_recording(patient, 6.5, 0.3, "rest", name="old-rest.csv", created_at=earlier)
    rest = tremor_recording(patient, 5.0, 0.3, "rest", name="rest.csv")
    tremor_recording(patient, 9.0, 0.0, "posture", name="posture.csv")
    report = sign(patient, clinician)
    tremor = by_id(report, "tremor")
    # rest first, then posture; the older rest recording is left out
    assert [s["subtitle"]["en"].split(" · ")[0] for s in tremor] == ["rest.csv", "posture.csv"]
    assert tremor[0]["subtitle"]["en"].endswith(" · At rest")
    assert tremor[0]["subtitle"]["ru"].endswith(" · В покое")
    freq = f"{rest.result['dominant_frequency_hz']:.2f}"
    assert rows(tremor[0], "en") == {
        "Band": "3–7 Hz at rest",
        "Dominant frequency": f"{freq} Hz",
        "Amplitude (RMS)": f"{rest.result['amplitude']['rms']:.3f} m/s²",
        "Displacement (RMS / peak to peak)": (
            f"{rest.result['amplitude']['displacement_rms_mm']:.3f} / "
            f"{rest.result['amplitude']['displacement_peak_to_peak_mm']:.3f} mm"
        ),
        "Windows with tremor": "14 of 14 (100 %)",
    }
    ru = rows(tremor[0], "ru")
    assert ru["Диапазон"] == "3–7 Гц в покое"
    assert ru["Доминирующая частота"] == f"{freq.replace('.', ',')} Гц"
    assert ru["Окна с тремором"] == "14 из 14 (100 %)"
    statement = tremor[0]["paragraphs"][0]
    assert statement["en"].startswith("A 5.0 Hz tremor was measured at rest.")
    assert statement["en"].endswith("This is a measurement, not a diagnosis.")
    assert statement["ru"].startswith("В покое измерен тремор с частотой 5,0 Гц.")
    assert statement["ru"].endswith("Это измерение, а не диагноз.")
    # no tremor found in posture: said so, no numbers made up
    assert rows(tremor[1], "en")["Band"] == "no tremor found"
    assert rows(tremor[1], "en")["Dominant frequency"] == "—"
    assert tremor[1]["paragraphs"][0]["en"].startswith("No tremor above the sensor's")
    # never a diagnosis: "diagnosis" only ever follows "not a"
    text = str(tremor)
    assert text.count("diagnosis") == text.count("not a diagnosis") == 2
    # the page and the PDF show them in the reader's language
    page = page_of(clinician, report)
    assert 'data-section="tremor"' in page
    assert "A 5.0 Hz tremor was measured at rest." in page
    assert "old-rest.csv" not in page
    assert "В покое измерен тремор с частотой 5,0 Гц." in page_of(patient, report, "ru")
    login(patient).get(reverse("visitreports:pdf", args=[report.pk]))
    assert "A 5.0 Hz tremor was measured at rest." in fake_pdf[-1]
    # frozen: a later recording changes nothing signed
    tremor_recording(patient, 12.0, 0.3, "posture", name="later.csv")
    TremorRecording.objects.filter(original_name="rest.csv").delete()
    assert report.verify()
    assert "A 5.0 Hz tremor was measured at rest." in page_of(clinician, report)


# --- diary -------------------------------------------------------------------------------------


def test_the_augmentation_warning_comes_first_with_its_evidence(
    patient: User, clinician: User, fake_pdf: list[str]
) -> None:
    start = augmented_patient(patient, clinician)
    report = sign(patient, clinician)
    ids = [s["id"] for s in report.content["sections"]]
    assert ids == ["diary-augmentation", "diary", "diary-treatments"]
    warning, weeks, treatments = report.content["sections"]
    assert warning["prominent"] is True
    assert weeks["prominent"] is treatments["prominent"] is False
    assert warning["title"] == {"en": "Possible augmentation", "ru": "Возможна аугментация"}
    message, treatment, criteria, baseline, citation = warning["paragraphs"]
    assert message["en"].startswith("Possible augmentation: on ")
    assert message["ru"].startswith("Возможна аугментация: в ")
    assert treatment["en"].startswith("Dopaminergic treatment: Dopamine agonists")
    assert "at least 5 needed" in criteria["en"]
    assert "assess these at the visit" in criteria["en"]
    assert baseline["en"].startswith("Before the treatment (")
    assert "Sleep Med 2007" in citation["en"]
    # the evidence: each of the last 7 nights, worded in both languages
    assert len(warning["rows"]) == 7
    last_night = warning["rows"][-1]
    assert last_night["label"]["en"] == (today() - dt.timedelta(days=1)).isoformat()
    assert "h earlier than before the treatment" in last_night["value"]["en"]
    assert "criterion met: began at least 4 h earlier" in last_night["value"]["en"]
    assert "раньше, чем до лечения" in last_night["value"]["ru"]
    # the last four weeks, then the treatments (names and dates only)
    assert weeks["title"]["en"] == "Symptom and sleep diary: the last 4 weeks"
    assert len(weeks["rows"]) == 4
    assert weeks["rows"][-1]["label"]["en"].startswith("Week from ")
    assert "mean severity" in weeks["rows"][0]["value"]["en"]
    assert "средняя выраженность" in weeks["rows"][0]["value"]["ru"]
    assert weeks["paragraphs"] == []  # the warning has its own section
    (period,) = treatments["rows"]
    assert period["label"]["en"].startswith("Dopamine agonists")
    assert period["label"]["ru"].startswith("Агонисты дофамина")
    assert period["value"]["en"] == f"since {start.isoformat()} (ongoing)"
    # the page: boxed, before the weeks
    page = page_of(clinician, report)
    boxed = page.index('class="extra-section emergency" data-section="diary-augmentation"')
    assert boxed < page.index('data-section="diary"')
    ru_page = page_of(patient, report, "ru")
    assert "Возможна аугментация: в " in ru_page
    login(clinician).get(reverse("visitreports:pdf", args=[report.pk]))
    assert 'class="extra-section emergency" data-section="diary-augmentation"' in fake_pdf[-1]


def test_a_diary_without_warning_shows_the_weeks_and_the_check(
    patient: User, clinician: User
) -> None:
    diary_nights(patient, 10, severity=4)
    period = TreatmentPeriod.objects.create(
        patient=patient,
        treatment_id="oral_ferrous_sulfate",
        start=today() - dt.timedelta(days=40),
        stop=today() - dt.timedelta(days=5),
        recorded_as=TreatmentPeriod.RecordedAs.PATIENT,
        recorded_by=patient,
        note="two tablets",  # free text never goes into the report
    )
    TreatmentChange.objects.create(period=period, day=today() - dt.timedelta(days=20))
    report = sign(patient, clinician)
    assert [s["id"] for s in report.content["sections"]] == ["diary", "diary-treatments"]
    weeks, treatments = report.content["sections"]
    assert weeks["subtitle"]["en"].startswith("10 of the last 28 nights recorded; the latest is")
    recorded = [r for r in weeks["rows"] if "no nights recorded" not in r["value"]["en"]]
    assert recorded
    assert all("mean severity 4.0 (moderate)" in r["value"]["en"] for r in recorded)
    assert all("symptoms usually began at 21:30" in r["value"]["en"] for r in recorded)
    assert weeks["paragraphs"] == []  # no dopaminergic treatment: no check to report
    (row,) = treatments["rows"]
    start, stop, change = (today() - dt.timedelta(days=d) for d in (40, 5, 20))
    assert row["value"]["en"] == (
        f"from {start.isoformat()} to {stop.isoformat()}; changed on {change.isoformat()}; "
        "recorded by the patient"
    )
    assert "two tablets" not in str(report.content)
    view = in_language(report.content, "ru")
    assert view["sections"][0]["title"] == "Дневник симптомов и сна: последние 4 недели"
