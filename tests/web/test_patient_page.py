"""The clinician's patient page with data from every app: the in-page navigation lists
every section in page order, the upcoming appointments are shown, and the number of
database queries does not grow with the amount of data."""

from __future__ import annotations

import datetime as dt
import uuid
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.diary.models import TreatmentChange, TreatmentPeriod
from quietlegs.web.orders import services as orders
from quietlegs.web.records import services as records
from quietlegs.web.records.models import ClinicalNote, ExamFinding, PSGStudy
from quietlegs.web.scheduling.models import ClinicRules
from quietlegs.web.scheduling.models import Resource as ClinicResource
from quietlegs.web.visitreports import services as visitreports
from tests.web.integtools import appointment, diary_nights, tremor_recording
from tests.web.webtools import RLS_ANSWERS, login, make_user

pytestmark = pytest.mark.django_db

#: The sections of the patient page, in page order (each in the navigation).
SECTIONS = [
    "assessments",
    "diary",
    "labs",
    "findings",
    "notes",
    "psg",
    "tremor",
    "orders",
    "visit-reports",
    "appointments",
    "fhir",
]
#: The most queries the page may make with data in every app (20 measured, any amount of data).
MAX_QUERIES = 25


class _Outline(HTMLParser):
    """The page's in-page navigation targets and its top-level sections, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.nav: list[str] = []
        self.sections: list[str] = []
        self._in_nav = False
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "nav" and values.get("aria-label") == "Sections of the record":
            self._in_nav = True
        elif tag == "a" and self._in_nav and (values.get("href") or "").startswith("#"):
            self.nav.append(str(values["href"])[1:])
        elif tag == "section":
            if self._depth == 0:
                self.sections.append(values.get("id") or "")
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_nav = False
        elif tag == "section":
            self._depth -= 1


def outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def fill_every_app(
    patient: User, clinician: User, clinic: Clinic, n: int, *, first_visit_day: int = 2
) -> None:
    """``n`` of everything: assessments (re-runs), lab results, findings, notes, sleep
    studies, tremor recordings, diary nights and treatments, orders, visit reports and
    upcoming appointments."""
    today = timezone.localdate()
    first = Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    for i in range(n):
        records.add_lab_result(
            None,
            patient,
            clinician,
            question_id="ferritin_ng_ml",
            value=40 + i,
            measured_on=today - dt.timedelta(days=i),
        )
        ExamFinding.objects.create(patient=patient, recorded_by=clinician, text=f"finding {i}")
        ClinicalNote.objects.create(patient=patient, author=clinician, text=f"note {i}")
        PSGStudy.objects.create(
            patient=patient,
            uploaded_by=clinician,
            original_name=f"night{i}.edf",
            stored_path="/nowhere",
            size_bytes=1,
            status="done",
            result={"plms_index": 20.0 + i, "periodicity_index": 0.7, "index_basis": "sleep"},
        )
        tremor_recording(patient, 5.0, 0.3, "rest", name=f"rest{i}.csv")
        period = TreatmentPeriod.objects.create(
            patient=patient,
            treatment_id="dopamine_agonists_non_ergot",
            start=today - dt.timedelta(days=60 + 10 * i),
            recorded_as=TreatmentPeriod.RecordedAs.CLINICIAN,
            recorded_by=clinician,
        )
        TreatmentChange.objects.create(period=period, day=today - dt.timedelta(days=30 + i))
        visitreports.sign_report(
            None, patient, clinician, visit_date=today, summary=f"visit {i}", nonce=uuid.uuid4()
        )
    diary_nights(patient, 7 * n)
    for i in range(n):  # n rounds of the recommended orders; all but the last cancelled
        created = orders.order_recommendations(None, patient, clinician, first).created
        assert created
        for order in created[1:] if i == n - 1 else created:
            orders.cancel_order(None, order, clinician, reason="done elsewhere")
    orders.enter_result(None, created[0], clinician, text="normal", result_date=today)
    resource, _new = ClinicResource.objects.get_or_create(
        clinic=clinic, kind="psg_bed", name="Bed 1"
    )
    for i in range(n):
        days = first_visit_day + i
        appointment(clinic, patient, clinician, days_ahead=days, resource=resource)


def page(clinician: User, patient: User) -> str:
    response = login(clinician).get(reverse("records:patient", args=[patient.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_navigation_lists_every_section_in_page_order(
    clinician: User, patient: User, clinic: Clinic
) -> None:
    fill_every_app(patient, clinician, clinic, 1)
    found = outline(page(clinician, patient))
    assert found.nav == SECTIONS
    assert found.sections == SECTIONS
    empty = outline(page(clinician, make_user("empty@example.org", clinic=clinic)))
    assert empty.nav == empty.sections == SECTIONS  # every section shows, if only to say none


def test_the_clinician_sees_the_upcoming_appointments_in_the_clinics_time(
    clinician: User, patient: User, clinic: Clinic
) -> None:
    rules = ClinicRules.for_clinic(clinic)  # Vladivostok: UTC+10 all year
    rules.time_zone = "Asia/Vladivostok"
    rules.save()
    bed = ClinicResource.objects.create(clinic=clinic, kind="psg_bed", name="PSG bed 2")
    soon = appointment(clinic, patient, clinician, days_ahead=1, code="psg_study", resource=bed)
    soon.reason = "snoring and kicking"
    soon.save()
    appointment(clinic, patient, clinician, days_ahead=3, status="cancelled")
    appointment(clinic, patient, clinician, days_ahead=-2, status="completed")
    later = appointment(clinic, patient, clinician, days_ahead=9)
    html = page(clinician, patient)
    section = html[html.index('<section id="appointments"') :]
    section = section[: section.index("</section>")]
    assert section.count('data-status="booked"') == 2  # not the cancelled or past ones
    vladivostok = ZoneInfo("Asia/Vladivostok")
    local, later_local = soon.start.astimezone(vladivostok), later.start.astimezone(vladivostok)
    assert local.utcoffset() == dt.timedelta(hours=10)
    # earliest first, in the clinic's time (not the server's UTC)
    assert section.index(f'datetime="{local.isoformat()}"') < section.index(
        f'datetime="{later_local.isoformat()}"'
    )
    assert f"{local:%H:%M}</time>" in section
    assert f'?date={local:%Y-%m-%d}"' in section
    assert "PSG (sleep) study · PSG bed 2" in section
    assert "snoring and kicking" in section
    assert reverse("scheduling:reception") in section
    other = outline(page(clinician, patient))
    assert "appointments" in other.nav


def test_no_upcoming_appointment_says_so(clinician: User, patient: User, clinic: Clinic) -> None:
    appointment(clinic, patient, clinician, days_ahead=-1, status="completed")
    html = page(clinician, patient)
    assert "No upcoming appointments." in html


def _count(clinician: User, patient: User) -> int:
    client = login(clinician)
    url = reverse("records:patient", args=[patient.pk])
    client.get(url)  # warm caches (knowledge base, sessions)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_page_query_count_is_bounded(
    clinician: User,
    patient: User,
    clinic: Clinic,
    django_assert_max_num_queries: Any,
) -> None:
    fill_every_app(patient, clinician, clinic, 1)
    client = login(clinician)
    url = reverse("records:patient", args=[patient.pk])
    client.get(url)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200


def test_more_data_makes_no_more_queries(clinician: User, clinic: Clinic) -> None:
    """Three of everything costs the same queries as one (no query per row)."""
    one = make_user("one@example.org", clinic=clinic)
    three = make_user("three@example.org", clinic=clinic)
    fill_every_app(one, clinician, clinic, 1)
    fill_every_app(three, clinician, clinic, 3, first_visit_day=10)
    assert _count(clinician, three) == _count(clinician, one)
