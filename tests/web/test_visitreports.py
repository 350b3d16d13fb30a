"""Visit reports: signing freezes the record, the hash detects changes, amendments are
new versions, the PDF, who may see what, section providers, bad input."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.orders import services as orders
from quietlegs.web.records import psg as psg_module
from quietlegs.web.records import services as records
from quietlegs.web.records.models import PSGStudy
from quietlegs.web.visitreports import pdf, sections, services
from quietlegs.web.visitreports.content import in_language
from quietlegs.web.visitreports.models import VisitReport, content_hash
from quietlegs.web.visitreports.sections import Section, both, same
from tests.web.webtools import RLS_ANSWERS, login

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    """Today, read when a test runs (a date read at import went stale in a run that
    crossed midnight)."""
    return timezone.localdate()


EMERGENCY_ANSWERS: dict[str, Any] = {
    "emergency_signs": ["chest_pain"],
    "age": 64,
    "sex": "male",
    "main_symptoms": ["weakness"],
}


@pytest.fixture(autouse=True)
def fake_pdf(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Capture the HTML given to WeasyPrint (rendering a real PDF is slow); one test
    renders a real one."""
    seen: list[str] = []

    def capture(html: str, base_url: str | None = None) -> bytes:
        seen.append(html)
        return b"%PDF-fake"

    monkeypatch.setattr(pdf, "render_pdf", capture)
    return seen


@pytest.fixture
def record(clinician: User, patient: User) -> Assessment:
    """An RLS assessment, an ordered FBC, a ferritin result (re-run) and a PSG study."""
    first = Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    orders.order_recommendations(None, patient, clinician, first, ["test:full_blood_count"])
    records.add_lab_result(
        None, patient, clinician, question_id="ferritin_ng_ml", value=40, measured_on=today()
    )
    PSGStudy.objects.create(
        patient=patient,
        original_name="night.edf",
        stored_path="/nowhere",
        size_bytes=1,
        status="done",
        result={"plms_index": 22.5, "periodicity_index": 0.71, "index_basis": "sleep"},
    )
    latest = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
    assert latest is not None
    return latest


def sign(
    patient: User, clinician: User, summary: str = "Iron low-normal; discussed options."
) -> VisitReport:
    return services.sign_report(
        None, patient, clinician, visit_date=today(), summary=summary, nonce=uuid.uuid4()
    ).report


def form_post(summary: str = "Seen today.", **extra: Any) -> dict[str, Any]:
    return {
        "visit_date": today().isoformat(),
        "summary": summary,
        "nonce": str(uuid.uuid4()),
        **extra,
    }


# --- signing ------------------------------------------------------------------------------


def test_signing_freezes_the_record_with_its_hash(
    clinician: User, patient: User, record: Assessment
) -> None:
    report = sign(patient, clinician)
    c = report.content
    assert c["format"] == "quietlegs-visit-report-1"
    assert report.content_hash == content_hash(c)
    assert len(report.content_hash) == 64
    assert report.verify()
    assert (report.version, report.amends, report.assessment) == (1, None, record)
    assert c["signed_by"] == {"id": clinician.pk, "name": clinician.display_name()}
    assert c["signed_at"] == report.signed_at.isoformat()
    assert c["summary"] == "Iron low-normal; discussed options."
    en = c["assessment"]["by_language"]["en"]
    ru = c["assessment"]["by_language"]["ru"]
    assert en["urgency"] == "routine"
    rls = en["conditions"][0]
    assert rls["name"] == "Restless legs syndrome (Willis–Ekbom disease)"
    assert (rls["criteria_met"], rls["criteria_total"]) == (5, 5)
    assert rls["summary"].startswith("A common neurological sensorimotor disorder")
    assert rls["criteria"][0] == {"text": rls["criteria"][0]["text"], "met": True}
    assert ru["conditions"][0]["name"].startswith("Синдром беспокойных ног")
    assert [lab["question_id"] for lab in c["labs"]] == ["ferritin_ng_ml"]
    assert c["labs"][0]["value"] == "40"
    assert c["labs"][0]["unit"] == {"en": "ng/mL", "ru": "нг/мл"}
    assert [o["name"]["en"] for o in c["orders"]] == ["Full blood count (haemoglobin)"]
    assert c["orders"][0]["status"] == {"en": "ordered", "ru": "назначено"}
    treatments = {t["name"]: t for t in en["treatments"]}
    assert any(t["strength"] == "strong recommendation" for t in treatments.values())
    assert all("dose" not in json.dumps(t).lower() for t in treatments.values())
    psg = [s for s in c["sections"] if s["id"] == "psg"]
    assert psg[0]["rows"][0] == {
        "label": {"en": "PLMS index (per hour of sleep)", "ru": "Индекс ПДКС (в час сна)"},
        "value": {"en": "22.5", "ru": "22,5"},
    }
    assert {
        "label": both(psg_module.KEY_INDICES[4][1]),
        "value": {"en": "0.71", "ru": "0,71"},
    } in psg[0]["rows"]
    assert c["disclaimer"]["en"]
    assert c["emergency_call"]["ru"]
    assert AuditEvent.objects.filter(action="create", object_type="visitreport").count() == 1


def test_red_flags_and_urgency_come_first(clinician: User, patient: User) -> None:
    Assessment.create_from_answers(EMERGENCY_ANSWERS, patient=patient)
    report = sign(patient, clinician)
    en = report.content["assessment"]["by_language"]["en"]
    assert en["urgency"] == "emergency"
    assert en["red_flags"][0]["urgency"] == "emergency"
    page = login(clinician).get(reverse("visitreports:report", args=[report.pk])).content.decode()
    assert page.index("urgency-emergency") < page.index(en["red_flags"][0]["name"])
    assert page.index(en["red_flags"][0]["name"]) < page.index("Assessment: likely conditions")
    assert page.index("When to call emergency services") < page.index('id="vr-summary"')


def test_a_report_without_assessment_still_says_when_to_call(
    clinician: User, patient: User
) -> None:
    report = sign(patient, clinician, "First visit before any assessment.")
    assert report.content["assessment"] is None
    page = login(clinician).get(reverse("visitreports:report", args=[report.pk])).content.decode()
    assert "When to call emergency services" in page
    assert report.content["disclaimer"]["en"] in page


def test_the_web_form_previews_and_signs_once(
    clinician: User, patient: User, record: Assessment
) -> None:
    client = login(clinician)
    url = reverse("visitreports:new", args=[patient.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert "Restless legs syndrome" in form.content.decode()  # the preview
    assert not VisitReport.objects.exists()
    data = form_post("Seen; iron discussed.")
    first = client.post(url, data)
    assert first.status_code == 302
    report = VisitReport.objects.get()
    assert first["Location"] == reverse("visitreports:report", args=[report.pk])
    second = client.post(url, data)  # the same form submitted twice
    assert second["Location"] == first["Location"]
    assert VisitReport.objects.count() == 1
    assert any("already signed" in str(m) for m in get_messages(second.wsgi_request))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"summary": "   "}, "This field is required."),
        ({"summary": "x" * 20001}, "at most 20000 characters"),
        ({"nonce": "forged"}, "The form is incomplete; open it again."),
    ],
)
def test_bad_input_signs_nothing(
    clinician: User, patient: User, data: dict[str, Any], message: str
) -> None:
    response = login(clinician).post(
        reverse("visitreports:new", args=[patient.pk]), form_post(**data)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not VisitReport.objects.exists()


def test_a_visit_date_in_the_future_signs_nothing(clinician: User, patient: User) -> None:
    tomorrow = today() + datetime.timedelta(days=1)  # read now, not at import
    response = login(clinician).post(
        reverse("visitreports:new", args=[patient.pk]), form_post(visit_date=tomorrow.isoformat())
    )
    assert response.status_code == 400
    assert "The date of the visit cannot be in the future." in response.content.decode()
    assert not VisitReport.objects.exists()


def test_the_service_checks_too(clinician: User, patient: User, other_clinician: User) -> None:
    with pytest.raises(ValidationError, match=r"Write the summary of the visit\."):
        services.sign_report(
            None, patient, clinician, visit_date=today(), summary=" ", nonce=uuid.uuid4()
        )
    with pytest.raises(PermissionError, match="may not change this patient's record"):
        sign(patient, other_clinician)
    assert not VisitReport.objects.exists()


def test_a_nonce_of_another_patient_is_refused(clinician: User, patient: User, clinic: Any) -> None:
    from tests.web.webtools import make_user

    report = sign(patient, clinician)
    other = make_user("second@example.org", clinic=clinic)
    with pytest.raises(ValidationError, match="This form was already used"):
        services.sign_report(
            None, other, clinician, visit_date=today(), summary="x", nonce=report.nonce
        )


# --- frozen, verified, amended ----------------------------------------------------------------


def test_a_signed_report_cannot_be_changed_or_deleted(clinician: User, patient: User) -> None:
    report = sign(patient, clinician)
    report.summary = "changed"
    with pytest.raises(PermissionError, match="cannot be changed; amend it instead"):
        report.save()
    with pytest.raises(PermissionError, match="cannot be changed"):
        VisitReport.objects.filter(pk=report.pk).update(summary="changed")
    with pytest.raises(PermissionError, match="cannot be deleted"):
        report.delete()
    report.refresh_from_db()
    assert report.summary == "Iron low-normal; discussed options."


def test_tampering_is_detected(clinician: User, patient: User) -> None:
    report = sign(patient, clinician)
    tampered = dict(report.content, summary="All normal.")
    with connection.cursor() as cursor:  # behind the model's back, as an attacker would
        cursor.execute(
            "UPDATE visitreports_visitreport SET content = %s WHERE id = %s",
            [json.dumps(tampered), report.pk],
        )
    report.refresh_from_db()
    assert not report.verify()
    page = login(clinician).get(reverse("visitreports:report", args=[report.pk])).content.decode()
    assert "does not match its signature" in page


def test_an_amendment_is_a_new_version_and_only_of_the_latest(
    clinician: User, patient: User, record: Assessment
) -> None:
    v1 = sign(patient, clinician)
    client = login(clinician)
    form = client.get(reverse("visitreports:amend", args=[v1.pk]))
    assert form.status_code == 200
    assert "Iron low-normal; discussed options." in form.content.decode()  # prefilled
    response = client.post(
        reverse("visitreports:amend", args=[v1.pk]), form_post("Corrected: ferritin 40.")
    )
    v2 = VisitReport.objects.get(version=2)
    assert response["Location"] == reverse("visitreports:report", args=[v2.pk])
    assert v2.amends == v1
    assert v2.content["amends"] == {"id": v1.pk, "content_hash": v1.content_hash}
    assert v2.content["version"] == 2
    v1.refresh_from_db()
    assert v1.verify()  # the old version is kept as signed
    assert v1.summary == "Iron low-normal; discussed options."

    again = client.get(reverse("visitreports:amend", args=[v1.pk]))
    assert again["Location"] == reverse("visitreports:report", args=[v2.pk])
    with pytest.raises(ValidationError, match="already amended by version 2"):
        services.sign_report(
            None, patient, clinician, visit_date=today(), summary="x", nonce=uuid.uuid4(), amends=v1
        )
    old_page = client.get(reverse("visitreports:report", args=[v1.pk])).content.decode()
    assert "This version was amended by version 2." in old_page
    assert reverse("visitreports:amend", args=[v1.pk]) not in old_page
    assert services.latest_version(v1) == v2


def test_the_database_allows_one_amendment_per_version(clinician: User, patient: User) -> None:
    from django.db import IntegrityError, transaction

    v1 = sign(patient, clinician)
    services.sign_report(
        None, patient, clinician, visit_date=today(), summary="a", nonce=uuid.uuid4(), amends=v1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitReport.objects.create(
            patient=patient,
            version=2,
            amends=v1,
            visit_date=today(),
            summary="b",
            content={},
            content_hash="0" * 64,
            signed_at=timezone.now(),
            signed_by_name="x",
        )


# --- who may see, the PDF ---------------------------------------------------------------------


def test_pdf_for_the_clinician_and_the_patient_only(
    clinician: User,
    patient: User,
    other_patient: User,
    other_clinician: User,
    record: Assessment,
    fake_pdf: list[str],
) -> None:
    report = sign(patient, clinician)
    url = reverse("visitreports:pdf", args=[report.pk])
    for who in (clinician, patient):
        response = login(who).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content == b"%PDF-fake"
        assert (
            f'attachment; filename="quietlegs-visit-{today():%Y-%m-%d}-v1.pdf"'
            == response["Content-Disposition"]
        )
    html = fake_pdf[-1]
    assert html.index("urgency-routine") < html.index('id="vr-summary"')
    assert "Signed by Doc on" in html
    assert report.content_hash in html
    assert "Iron low-normal; discussed options." in html
    assert "not a diagnosis" in html
    assert AuditEvent.objects.filter(action="export", object_type="visitreport").count() == 2
    for outsider in (other_patient, other_clinician):
        assert login(outsider).get(url).status_code == 404
        assert (
            login(outsider).get(reverse("visitreports:report", args=[report.pk])).status_code == 404
        )
    assert Client().get(url).status_code == 302  # to log in
    assert login(patient).get(reverse("visitreports:amend", args=[report.pk])).status_code == 404
    assert (
        login(other_clinician).get(reverse("visitreports:new", args=[patient.pk])).status_code
        == 404
    )


def test_a_real_pdf_is_made(
    clinician: User, patient: User, record: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quietlegs.web.assessments.pdf import render_pdf

    monkeypatch.setattr(pdf, "render_pdf", render_pdf)
    report = sign(patient, clinician)
    response = login(patient).get(reverse("visitreports:pdf", args=[report.pk]))
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 5000


def test_russian_texts_come_from_the_frozen_content(
    clinician: User, patient: User, record: Assessment
) -> None:
    report = sign(patient, clinician)
    ru = in_language(report.content, "ru")
    assert ru["assessment"]["conditions"][0]["name"].startswith("Синдром беспокойных ног")
    assert ru["labs"][0]["unit"] == "нг/мл"
    assert ru["orders"][0]["name"] == "Общий анализ крови (гемоглобин)"
    client = login(patient)
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("visitreports:report", args=[report.pk])).content.decode()
    assert "Синдром беспокойных ног" in page


def test_the_patient_page_and_the_patients_own_page_list_the_reports(
    clinician: User, patient: User, other_patient: User
) -> None:
    report = sign(patient, clinician)
    page = login(clinician).get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert 'id="visit-reports"' in page
    assert reverse("visitreports:report", args=[report.pk]) in page
    assert reverse("visitreports:new", args=[patient.pk]) in page
    mine = login(patient).get(reverse("orders:mine")).content.decode()
    assert reverse("visitreports:pdf", args=[report.pk]) in mine
    theirs = login(other_patient).get(reverse("orders:mine")).content.decode()
    assert reverse("visitreports:pdf", args=[report.pk]) not in theirs


def test_deleting_the_account_deletes_every_version(clinician: User, patient: User) -> None:
    v1 = sign(patient, clinician)
    services.sign_report(
        None, patient, clinician, visit_date=today(), summary="a", nonce=uuid.uuid4(), amends=v1
    )
    patient.delete()
    assert not VisitReport.objects.exists()


# --- section providers ----------------------------------------------------------------------


@pytest.fixture
def tremor_provider() -> Iterator[None]:
    def tremor(patient: User) -> list[Section]:
        return [
            Section(
                id="tremor",
                title={"en": "Tremor recording", "ru": "Запись тремора"},
                rows=[(same("Peak frequency (Hz)"), "5.1")],
                paragraphs=[{"en": "Rest tremor.", "ru": "Тремор покоя."}],
            )
        ]

    sections.register_section_provider("extra", tremor)
    yield
    sections.unregister_section_provider("extra")


def test_section_providers_add_frozen_sections(
    clinician: User, patient: User, tremor_provider: None
) -> None:
    assert list(sections.section_providers()) == ["psg", "tremor", "diary", "extra"]
    report = sign(patient, clinician)
    tremor = next(s for s in report.content["sections"] if s["id"] == "tremor")
    assert tremor["rows"] == [{"label": same("Peak frequency (Hz)"), "value": "5.1"}]
    page = login(clinician).get(reverse("visitreports:report", args=[report.pk])).content.decode()
    assert "Tremor recording" in page
    assert "Peak frequency (Hz)" in page
    sections.unregister_section_provider("extra")
    assert report.verify()  # the provider going away changes nothing signed
    page = login(clinician).get(reverse("visitreports:report", args=[report.pk])).content.decode()
    assert "Rest tremor." in page


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_visit_date_starts_as_today_in_the_clinics_time_zone(
    clinic: Clinic, clinician: User, patient: User, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    # The field started empty in Russian (the value was written 02.03.2026, which a date
    # input cannot show) while the preview showed today's date; today is the clinic's.
    from quietlegs.web.scheduling.models import ClinicRules

    rules = ClinicRules.for_clinic(clinic)
    rules.time_zone = "Pacific/Kiritimati"  # UTC+14: already 2 March there
    rules.save()
    at = datetime.datetime(2026, 3, 1, 11, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: at)
    client = login(clinician)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    page = client.get(reverse("visitreports:new", args=[patient.pk])).content.decode()
    assert (
        '<input type="date" name="visit_date" value="2026-03-02" max="2026-03-02" required '
        'id="id_visit_date">'
    ) in page
