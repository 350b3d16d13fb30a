"""Orders: ordering an assessment's recommendations, status steps, results feeding the
assessment, attachments, the clinic's open orders, the patient's read-only view, and
hostile input (forged ids, another clinic, invalid steps, double submits)."""

from __future__ import annotations

import datetime
import html
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.orders import services
from quietlegs.web.orders.models import Order
from quietlegs.web.records.models import LabResult, PSGStudy
from tests.web.webtools import RLS_ANSWERS, login, make_user

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    """Today, read when a test runs (a date read at import went stale in a run that
    crossed midnight)."""
    return timezone.localdate()


URGENT_ANSWERS: dict[str, Any] = dict(
    RLS_ANSWERS, main_symptoms=["urge_to_move", "swelling"], calf_swelling=True
)
EMERGENCY_ANSWERS: dict[str, Any] = {
    "emergency_signs": ["chest_pain"],
    "age": 64,
    "sex": "male",
    "main_symptoms": ["weakness"],
}
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def assessment(patient: User) -> Assessment:
    return Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)


def order_url(patient: User) -> str:
    return reverse("orders:order_from_assessment", args=[patient.pk])


def post_order(client: Client, patient: User, assessment: Assessment, **data: Any) -> Any:
    return client.post(
        order_url(patient), {"assessment": str(assessment.pk), "scope": "all", **data}
    )


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def make_order(
    patient: User, clinician: User, assessment: Assessment, key: str = "test:ferritin_tsat"
) -> Order:
    outcome = services.order_recommendations(None, patient, clinician, assessment, [key])
    return outcome.created[0]


def result_post(order: Order, **values: Any) -> dict[str, Any]:
    data = {
        "result-result_date": today().isoformat(),
        "result-text": "",
        "result-interpretation": "",
    }
    data.update({f"result-{k}": v for k, v in values.items()})
    return data


# --- what an assessment recommends ------------------------------------------------------


def test_recommendations_come_from_the_stored_report_in_both_languages(
    assessment: Assessment,
) -> None:
    items = services.recommendations(assessment)
    assert [i.key for i in items] == ["test:ferritin_tsat", "test:full_blood_count"]
    iron = items[0]
    assert iron.kind == Order.Kind.LAB
    assert iron.names["en"].startswith("Morning iron studies")
    assert iron.names["ru"].startswith("Утренние показатели обмена железа")
    assert iron.reasons["en"][0].startswith("Troublesome restless legs")
    assert iron.open_order is None


def test_referrals_are_consultations_and_kinds_come_from_the_knowledge_base(
    patient: User,
) -> None:
    urgent = Assessment.create_from_answers(URGENT_ANSWERS, patient=patient)
    kinds = {i.key: i.kind for i in services.recommendations(urgent)}
    assert kinds == {
        "test:ferritin_tsat": "lab",
        "test:full_blood_count": "lab",
        "test:venous_duplex": "imaging",
        "referral:general_practitioner": "consultation",
    }
    assert services.kind_of("test", "no_such_test") == "other"


# --- ordering -------------------------------------------------------------------------


def test_one_click_orders_every_recommendation_with_reasons_and_audit(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    response = post_order(login(clinician), patient, assessment)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/clinic/patients/{patient.pk}/#orders")
    orders = list(Order.objects.filter(patient=patient).order_by("item_id"))
    assert [(o.item_id, o.kind, o.status, o.priority) for o in orders] == [
        ("ferritin_tsat", "lab", "ordered", "routine"),
        ("full_blood_count", "lab", "ordered", "routine"),
    ]
    assert all(o.ordered_by == clinician and o.assessment == assessment for o in orders)
    assert orders[0].reasons_in("ru")[0].startswith("Клинически значимый СБН")
    assert "2 orders were made" in messages_of(response)[0]
    creates = AuditEvent.objects.filter(action="create", object_type="order", patient=patient)
    assert sorted(int(e.object_id) for e in creates) == sorted(o.pk for o in orders)


def test_a_double_submit_orders_nothing_twice(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    client = login(clinician)
    post_order(client, patient, assessment)
    again = post_order(client, patient, assessment)
    assert Order.objects.filter(patient=patient).count() == 2
    assert any("Already ordered and still open" in m for m in messages_of(again))


def test_the_chosen_items_only(clinician: User, patient: User, assessment: Assessment) -> None:
    post_order(
        login(clinician), patient, assessment, scope="chosen", items=["test:full_blood_count"]
    )
    assert list(Order.objects.values_list("item_id", flat=True)) == ["full_blood_count"]


def test_choosing_nothing_is_a_clear_error(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    response = post_order(login(clinician), patient, assessment, scope="chosen")
    assert "Choose at least one test or referral to order." in messages_of(response)
    assert not Order.objects.exists()


def test_an_item_the_assessment_does_not_recommend_is_refused(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    response = post_order(
        login(clinician),
        patient,
        assessment,
        scope="chosen",
        items=["test:ferritin_tsat", "test:spine_mri"],
    )
    assert any(
        "Not recommended by this assessment: test:spine_mri" in m for m in messages_of(response)
    )
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"scope": "everything"},
        {"scope": "chosen", "items": [f"test:x{i}" for i in range(101)]},
        {"scope": "chosen", "items": ["test:" + "x" * 100]},
    ],
)
def test_an_incomplete_or_oversized_form_orders_nothing(
    clinician: User, patient: User, assessment: Assessment, data: dict[str, Any]
) -> None:
    response = login(clinician).post(order_url(patient), {"assessment": str(assessment.pk), **data})
    assert response.status_code == 302
    assert "The order form was incomplete; nothing was ordered." in messages_of(response)
    assert not Order.objects.exists()


@pytest.mark.parametrize("forged", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_a_forged_assessment_id_is_404(clinician: User, patient: User, forged: str) -> None:
    response = login(clinician).post(order_url(patient), {"assessment": forged, "scope": "all"})
    assert response.status_code == 404
    assert not Order.objects.exists()


def test_another_patients_assessment_is_404(clinician: User, patient: User, clinic: Any) -> None:
    other = make_user("second@example.org", clinic=clinic)
    theirs = Assessment.create_from_answers(RLS_ANSWERS, patient=other)
    response = post_order(login(clinician), patient, theirs)
    assert response.status_code == 404
    assert not Order.objects.exists()


def test_another_clinics_clinician_cannot_order(
    other_clinician: User, patient: User, assessment: Assessment
) -> None:
    assert post_order(login(other_clinician), patient, assessment).status_code == 404
    with pytest.raises(PermissionError, match="may not change this patient's record"):
        services.order_recommendations(None, patient, other_clinician, assessment)
    assert not Order.objects.exists()


def test_patients_cannot_order(patient: User, assessment: Assessment) -> None:
    assert post_order(login(patient), patient, assessment).status_code == 404
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("answers", "priority"),
    [(RLS_ANSWERS, "routine"), (URGENT_ANSWERS, "urgent"), (EMERGENCY_ANSWERS, "stat")],
)
def test_priority_follows_the_urgency(
    clinician: User, patient: User, answers: dict[str, Any], priority: str
) -> None:
    assessment = Assessment.create_from_answers(answers, patient=patient)
    outcome = services.order_recommendations(None, patient, clinician, assessment)
    assert outcome.created
    assert {o.priority for o in outcome.created} == {priority}


def test_the_database_refuses_a_second_open_order_for_the_same_item(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    first = make_order(patient, clinician, assessment)
    fields = {
        "patient": patient,
        "catalogue": "test",
        "item_id": "ferritin_tsat",
        "kind": "lab",
        "names": {"en": "x"},
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(**fields)
    services.cancel_order(None, first, clinician, reason="lab closed")
    again = Order.objects.create(**fields)  # a closed order does not block a new one
    assert again.status == "ordered"


def test_a_lost_race_is_reported_as_already_open(
    clinician: User, patient: User, assessment: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_order(patient, clinician, assessment)
    stale = services.recommendations(assessment)
    for item in stale:
        item.open_order = None  # as seen by a request that read before the other committed
    monkeypatch.setattr(services, "recommendations", lambda a: stale)
    outcome = services.order_recommendations(None, patient, clinician, assessment)
    assert [o.item_id for o in outcome.created] == ["full_blood_count"]
    assert [i.item_id for i in outcome.already_open] == ["ferritin_tsat"]
    assert outcome.already_open[0].open_order is not None
    assert Order.objects.filter(item_id="ferritin_tsat").count() == 1


def test_the_demo_clinic_has_open_orders(settings: Any) -> None:
    from quietlegs.web import demo

    assert demo.load_demo_data() is not None
    anna = User.objects.get(email="anna@demo.quietlegs.org")
    assert set(Order.objects.filter(patient=anna).values_list("item_id", flat=True)) >= {
        "ferritin_tsat"
    }
    assert Order.objects.filter(status="ordered").count() >= 3


# --- the patient page and the lists --------------------------------------------------------


def test_the_patient_page_offers_the_recommendations_and_lists_the_orders(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    client = login(clinician)
    page = client.get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert 'id="orders"' in page
    assert 'value="test:ferritin_tsat"' in page
    assert "Order all recommended" in page
    assert "No orders yet." in page
    make_order(patient, clinician, assessment)
    page = client.get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert 'value="test:ferritin_tsat"' not in page  # ordered: no checkbox any more
    assert 'value="test:full_blood_count"' in page
    assert 'data-order="ferritin_tsat" data-status="ordered"' in page


# --- ordering from an earlier assessment --------------------------------------------------

#: 12 March 2030, 12:30 UTC and 2 April 2030, 12:30 UTC: the earlier and the later check.
EARLIER_AT = datetime.datetime(2030, 3, 12, 9, 30, tzinfo=datetime.UTC)
LATER_AT = datetime.datetime(2030, 4, 2, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def earlier_and_latest(patient: User) -> tuple[Assessment, Assessment]:
    """An urgent check (a swollen calf) and, three weeks later, a routine one."""
    earlier = Assessment.create_from_answers(URGENT_ANSWERS, patient=patient, created_by=patient)
    latest = Assessment.create_from_answers(RLS_ANSWERS, patient=patient, created_by=patient)
    Assessment.objects.filter(pk=earlier.pk).update(created_at=EARLIER_AT)
    Assessment.objects.filter(pk=latest.pk).update(created_at=LATER_AT)
    earlier.refresh_from_db()
    latest.refresh_from_db()
    return earlier, latest


def patient_page(client: Client, patient: User, **query: str) -> str:
    url = reverse("records:patient", args=[patient.pk])
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_offers_the_latest_assessment_and_lists_every_one_with_its_date(
    clinician: User, patient: User, earlier_and_latest: tuple[Assessment, Assessment]
) -> None:
    earlier, latest = earlier_and_latest
    page = patient_page(login(clinician), patient)
    assert 'name="order_from"' in page
    assert f'<option value="{latest.pk}" selected>2030-04-02 12:30 · Routine</option>' in page
    assert f'<option value="{earlier.pk}">2030-03-12 12:30 · Urgent</option>' in page
    assert f'name="assessment" value="{latest.pk}"' in page
    assert "Recommended by the latest assessment" in page
    assert 'value="test:venous_duplex"' not in page  # only the earlier one recommends it


def test_a_clinician_orders_from_an_earlier_assessment(
    clinician: User, patient: User, earlier_and_latest: tuple[Assessment, Assessment]
) -> None:
    earlier, _latest = earlier_and_latest
    client = login(clinician)
    page = patient_page(client, patient, order_from=str(earlier.pk))
    assert f'<option value="{earlier.pk}" selected>2030-03-12 12:30 · Urgent</option>' in page
    assert "Recommended by the assessment of 12 March 2030, 12:30" in page
    assert f'name="assessment" value="{earlier.pk}"' in page
    assert 'value="test:venous_duplex"' in page
    assert 'value="referral:general_practitioner"' in page
    response = post_order(client, patient, earlier, scope="chosen", items=["test:venous_duplex"])
    assert response.status_code == 302
    assert response["Location"].endswith(
        f"/clinic/patients/{patient.pk}/?order_from={earlier.pk}#orders"
    )
    order = Order.objects.get()
    assert (order.item_id, order.assessment, order.priority) == (
        "venous_duplex",
        earlier,
        "urgent",
    )


def _other_clinics_assessment(other_patient: User) -> Assessment:
    return Assessment.create_from_answers(URGENT_ANSWERS, patient=other_patient)


@pytest.mark.parametrize(
    "forged", ["same_clinic", "other_clinic", "00000000-0000-0000-0000-000000000000", "x'1"]
)
def test_the_page_refuses_to_offer_an_assessment_that_is_not_the_patients(
    clinician: User,
    patient: User,
    other_patient: User,
    clinic: Any,
    earlier_and_latest: tuple[Assessment, Assessment],
    forged: str,
) -> None:
    if forged == "same_clinic":
        neighbour = make_user("second@example.org", clinic=clinic)
        forged = str(Assessment.create_from_answers(URGENT_ANSWERS, patient=neighbour).pk)
    elif forged == "other_clinic":
        forged = str(_other_clinics_assessment(other_patient).pk)
    page = patient_page(login(clinician), patient, order_from=forged)
    assert "That assessment is not one of this patient's, so nothing can be ordered from it" in page
    assert 'name="assessment"' not in page  # no order form
    assert 'value="test:venous_duplex"' not in page
    assert f'value="{forged}"' not in page  # neither offered nor posted


def test_posting_another_clinics_assessment_orders_nothing(
    clinician: User,
    patient: User,
    other_patient: User,
    other_clinician: User,
    earlier_and_latest: tuple[Assessment, Assessment],
) -> None:
    theirs = _other_clinics_assessment(other_patient)
    client = login(clinician)
    assert post_order(client, patient, theirs).status_code == 404  # as if it were my patient's
    assert post_order(client, other_patient, theirs).status_code == 404  # not my clinic
    earlier, _latest = earlier_and_latest
    assert post_order(login(other_clinician), patient, earlier).status_code == 404
    assert not Order.objects.exists()


def test_the_patient_page_without_assessment_says_so(clinician: User, patient: User) -> None:
    page = login(clinician).get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert "Orders are made from an assessment; this patient has none yet." in page


def test_open_orders_lists_the_clinics_most_pressing_first(
    clinician: User, patient: User, other_patient: User, other_clinician: User, clinic: Any
) -> None:
    routine = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    make_order(patient, clinician, routine)
    second = make_user("second@example.org", clinic=clinic)
    urgent = Assessment.create_from_answers(URGENT_ANSWERS, patient=second)
    make_order(second, clinician, urgent, "test:venous_duplex")
    theirs = Assessment.create_from_answers(RLS_ANSWERS, patient=other_patient)
    make_order(other_patient, other_clinician, theirs)

    client = login(clinician)
    response = client.get(reverse("orders:open"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("venous_duplex") < body.index('data-order="ferritin_tsat"')
    assert "Other" not in body  # other_patient's first name
    assert AuditEvent.objects.filter(object_type="order_list", actor=clinician).exists()
    imaging = client.get(reverse("orders:open"), {"kind": "imaging"}).content.decode()
    assert "venous_duplex" in imaging
    assert "ferritin_tsat" not in imaging
    by_name = client.get(reverse("orders:open"), {"q": "Second"}).content.decode()
    assert "venous_duplex" in by_name
    assert "ferritin_tsat" not in by_name
    bogus = client.get(reverse("orders:open"), {"kind": "<script>", "status": "resulted"})
    assert bogus.status_code == 200
    assert "ferritin_tsat" in bogus.content.decode()  # unknown filters are ignored


def test_patients_see_their_own_orders_read_only(
    clinician: User, patient: User, other_patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment)
    client = login(patient)
    page = client.get(reverse("orders:mine"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Morning iron studies" in body
    assert "Waiting for the result" in body
    assert reverse("orders:order", args=[order.pk]) not in body  # no link to the clinician page
    assert "not a diagnosis" in body
    assert f"/fhir/Patient/{patient.pk}/$everything?download=1" in body
    assert client.get(reverse("orders:order", args=[order.pk])).status_code == 404
    assert client.get(reverse("orders:open")).status_code == 404
    assert "Morning iron" not in login(other_patient).get(reverse("orders:mine")).content.decode()
    assert login(clinician).get(reverse("orders:mine")).status_code == 404
    assert Client().get(reverse("orders:mine")).status_code == 302  # to the login page


def test_the_patient_home_links_to_the_orders(patient: User) -> None:
    assert reverse("orders:mine") in login(patient).get("/accounts/").content.decode()


# --- one order: page, status steps ------------------------------------------------------------


def test_the_order_page_is_audited_and_another_clinics_order_is_404(
    clinician: User,
    other_clinician: User,
    patient: User,
    assessment: Assessment,
) -> None:
    order = make_order(patient, clinician, assessment)
    url = reverse("orders:order", args=[order.pk])
    response = login(clinician).get(url)
    assert response.status_code == 200
    assert "Troublesome restless legs" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="view", object_type="order", object_id=str(order.pk), actor=clinician
    ).exists()
    other = login(other_clinician)
    assert other.get(url).status_code == 404
    for name in ("schedule", "cancel", "result", "attachment"):
        target = reverse(f"orders:{name}", args=[order.pk])
        assert (other.get if name == "attachment" else other.post)(target).status_code == 404
    assert login(clinician).get(reverse("orders:order", args=[999999])).status_code == 404
    order.refresh_from_db()
    assert order.status == "ordered"


def test_schedule_then_result_then_no_more_steps(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment, "test:full_blood_count")
    client = login(clinician)
    day = today() + datetime.timedelta(days=3)
    response = client.post(
        reverse("orders:schedule", args=[order.pk]), {"schedule-scheduled_for": day.isoformat()}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.scheduled_for, order.scheduled_by) == ("scheduled", day, clinician)
    assert order.scheduled_at is not None

    again = client.post(reverse("orders:schedule", args=[order.pk]), {})
    assert again.status_code == 400
    assert (
        "An order that is scheduled cannot become scheduled; it can become: cancelled, resulted."
        in again.content.decode()
    )

    client.post(
        reverse("orders:result", args=[order.pk]), result_post(order, value_haemoglobin_g_l=128)
    )
    order.refresh_from_db()
    assert order.status == "resulted"
    late = client.post(reverse("orders:cancel", args=[order.pk]), {"cancel-reason": "too late"})
    assert late.status_code == 400
    assert "This order is already resulted; it cannot become cancelled." in late.content.decode()
    order.refresh_from_db()
    assert order.status == "resulted"
    assert order.cancel_reason == ""


def test_a_past_examination_date_is_refused(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment)
    yesterday = today() - datetime.timedelta(days=1)
    response = login(clinician).post(
        reverse("orders:schedule", args=[order.pk]),
        {"schedule-scheduled_for": yesterday.isoformat()},
    )
    assert response.status_code == 400
    assert "The date of the examination cannot be in the past." in response.content.decode()
    order.refresh_from_db()
    assert order.status == "ordered"


def test_cancel_needs_a_reason_and_is_final(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment)
    client = login(clinician)
    blank = client.post(reverse("orders:cancel", args=[order.pk]), {"cancel-reason": "  "})
    assert blank.status_code == 400
    with pytest.raises(ValidationError, match=r"Say why the order is cancelled\."):
        services.cancel_order(None, order, clinician, reason=" ")
    with pytest.raises(ValidationError, match="at most 500 characters, got 501"):
        services.cancel_order(None, order, clinician, reason="x" * 501)
    done = client.post(reverse("orders:cancel", args=[order.pk]), {"cancel-reason": "duplicate"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.cancel_reason, order.cancelled_by) == (
        "cancelled",
        "duplicate",
        clinician,
    )
    with pytest.raises(ValidationError, match="already cancelled; it cannot become scheduled"):
        services.schedule_order(None, order, clinician)
    assert AuditEvent.objects.filter(action="update", object_type="order").count() == 1


def test_check_transition_allows_only_the_documented_steps() -> None:
    for current, allowed in services.TRANSITIONS.items():
        for wanted in Order.Status.values:
            order = Order(status=current)
            if wanted in allowed:
                services.check_transition(order, wanted)
            else:
                with pytest.raises(ValidationError):
                    services.check_transition(order, wanted)


# --- results ----------------------------------------------------------------------------


def test_a_ferritin_result_is_a_lab_result_and_re_runs_the_assessment(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment)
    page = login(clinician).get(reverse("orders:order", args=[order.pk])).content.decode()
    assert "Serum ferritin" in page
    assert "Transferrin saturation" in page
    response = login(clinician).post(
        reverse("orders:result", args=[order.pk]),
        result_post(
            order, value_ferritin_ng_ml=40, value_tsat_percent=18, interpretation="abnormal"
        ),
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/clinic/patients/{patient.pk}/#assessments")
    order.refresh_from_db()
    assert order.status == "resulted"
    assert order.resulted_by == clinician
    assert order.result_interpretation == "abnormal"
    labs = {r.question_id: r.value for r in order.lab_results.all()}
    assert labs == {"ferritin_ng_ml": 40.0, "tsat_percent": 18.0}
    assert LabResult.objects.filter(patient=patient).count() == 2
    latest = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
    assert latest is not None
    assert latest.based_on == assessment
    assert latest.source == "clinician"
    assert latest.answers["ferritin_ng_ml"] == 40
    assert "oral_ferrous_sulfate" in [t["id"] for t in latest.report("en")["treatments"]]
    assert Assessment.objects.filter(patient=patient).count() == 2  # re-run once, not per value
    assert "The result was saved and the assessment re-run" in messages_of(response)[0]


def test_a_value_out_of_range_stores_nothing(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment)
    response = login(clinician).post(
        reverse("orders:result", args=[order.pk]), result_post(order, value_ferritin_ng_ml=6000)
    )
    assert response.status_code == 400
    assert "must be between 0 and 5000 ng/mL; got 6000" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "ordered"
    assert not LabResult.objects.exists()
    assert Assessment.objects.count() == 1


def test_values_need_a_date_not_in_the_future(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment)
    with pytest.raises(ValidationError, match="Give the date of the sample"):
        services.enter_result(None, order, clinician, values={"ferritin_ng_ml": 40})
    tomorrow = today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.enter_result(
            None, order, clinician, values={"ferritin_ng_ml": 40}, result_date=tomorrow
        )
    with pytest.raises(ValidationError, match="cannot be before 1970-01-01"):
        services.enter_result(
            None,
            order,
            clinician,
            values={"ferritin_ng_ml": 40},
            result_date=datetime.date(1800, 1, 1),
        )
    assert not LabResult.objects.exists()


def test_a_value_the_test_does_not_measure_is_refused(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment)
    with pytest.raises(ValidationError, match="does not measure “tsh_miu_l”"):
        services.enter_result(
            None, order, clinician, values={"tsh_miu_l": 2.0}, result_date=today()
        )
    # through the web the field does not exist, so a forged one is ignored: nothing to save
    response = login(clinician).post(
        reverse("orders:result", args=[order.pk]), result_post(order, value_tsh_miu_l=2)
    )
    assert response.status_code == 400
    assert "Enter the result: a value, a text, a file" in response.content.decode()
    assert not LabResult.objects.exists()


def test_a_double_submitted_result_is_stored_once(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment)
    client = login(clinician)
    url = reverse("orders:result", args=[order.pk])
    assert client.post(url, result_post(order, value_ferritin_ng_ml=40)).status_code == 302
    second = client.post(url, result_post(order, value_ferritin_ng_ml=40))
    assert second.status_code == 400
    assert "This order is already resulted; it cannot become resulted." in second.content.decode()
    assert LabResult.objects.count() == 1
    assert Assessment.objects.count() == 2


def test_a_consultation_result_is_text_and_a_file_both_may_download(
    clinician: User,
    patient: User,
    other_patient: User,
    other_clinician: User,
    data_dir: Path,
) -> None:
    urgent = Assessment.create_from_answers(URGENT_ANSWERS, patient=patient)
    order = make_order(patient, clinician, urgent, "referral:general_practitioner")
    letter = SimpleUploadedFile("letter.pdf", PDF_BYTES, content_type="application/pdf")
    response = login(clinician).post(
        reverse("orders:result", args=[order.pk]),
        {**result_post(order, text="Seen; no further action."), "result-attachment": letter},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "resulted"
    assert order.result_text == "Seen; no further action."
    stored = Path(order.attachment_path)
    assert stored.parent == data_dir / "orders"
    assert stored.read_bytes() == PDF_BYTES
    assert order.attachment_name == "letter.pdf"
    assert order.attachment_size == len(PDF_BYTES)
    assert Assessment.objects.filter(patient=patient).count() == 1  # no values: no re-run

    url = reverse("orders:attachment", args=[order.pk])
    for who in (clinician, patient):
        download = login(who).get(url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
        assert download["Content-Type"] == "application/pdf"
        assert 'attachment; filename="letter.pdf"' in download["Content-Disposition"]
    assert AuditEvent.objects.filter(object_type="order_attachment").count() == 2
    assert login(other_patient).get(url).status_code == 404
    assert login(other_clinician).get(url).status_code == 404
    assert "Seen; no further action." in login(patient).get(reverse("orders:mine")).content.decode()

    order.delete()  # e.g. the patient deletes their account
    assert not stored.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.exe", b"MZ", "The file must be a PDF, PNG or JPEG"),
        ("report.pdf", b"MZ\x90\x00not a pdf", "The file's content is not a PDF file."),
    ],
)
def test_a_bad_file_is_refused_and_nothing_stored(
    clinician: User,
    patient: User,
    assessment: Assessment,
    data_dir: Path,
    name: str,
    content: bytes,
    message: str,
) -> None:
    order = make_order(patient, clinician, assessment)
    upload = SimpleUploadedFile(name, content)
    response = login(clinician).post(
        reverse("orders:result", args=[order.pk]),
        {**result_post(order, value_ferritin_ng_ml=40), "result-attachment": upload},
    )
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    order.refresh_from_db()
    assert order.status == "ordered"
    assert not LabResult.objects.exists()
    assert not (data_dir / "orders").exists() or not any((data_dir / "orders").iterdir())


def test_a_too_large_file_is_refused(
    clinician: User, patient: User, assessment: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = make_order(patient, clinician, assessment)
    monkeypatch.setattr(services, "MAX_ATTACHMENT_MB", 0)
    with pytest.raises(ValidationError, match=r"too large \(1 MB\); the limit is 0 MB"):
        services.enter_result(
            None, order, clinician, text="x", attachment=SimpleUploadedFile("a.pdf", PDF_BYTES)
        )
    response = login(clinician).post(
        reverse("orders:result", args=[order.pk]),
        {**result_post(order), "result-attachment": SimpleUploadedFile("a.pdf", PDF_BYTES * 2000)},
    )
    assert response.status_code == 302
    assert "The file is too large; the limit is 0 MB." in messages_of(response)
    order.refresh_from_db()
    assert order.status == "ordered"


def test_a_missing_file_on_disk_is_404(
    clinician: User, patient: User, assessment: Assessment
) -> None:
    order = make_order(patient, clinician, assessment)
    services.enter_result(
        None, order, clinician, text="x", attachment=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )
    order.refresh_from_db()
    Path(order.attachment_path).unlink()
    assert login(clinician).get(reverse("orders:attachment", args=[order.pk])).status_code == 404
    no_file = make_order(patient, clinician, assessment, "test:full_blood_count")
    assert login(clinician).get(reverse("orders:attachment", args=[no_file.pk])).status_code == 404


def test_a_failed_re_run_keeps_nothing(
    clinician: User, patient: User, assessment: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quietlegs import AnswerError
    from quietlegs.web.records import services as records

    order = make_order(patient, clinician, assessment)

    def broken(*args: Any) -> None:
        raise AnswerError(["answers no longer fit the knowledge base"])

    monkeypatch.setattr(records, "rerun_assessment", broken)
    response = login(clinician).post(
        reverse("orders:result", args=[order.pk]), result_post(order, value_ferritin_ng_ml=40)
    )
    assert response.status_code == 400
    assert "The assessment could not be re-run, so the result was not saved" in (
        response.content.decode()
    )
    order.refresh_from_db()
    assert order.status == "ordered"
    assert not LabResult.objects.exists()


def test_a_psg_order_takes_the_patients_study(
    clinician: User, patient: User, other_patient: User
) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    order = Order.objects.create(
        patient=patient,
        assessment=assessment,
        catalogue="test",
        item_id="polysomnography",
        kind="psg",
        names={"en": "Polysomnography"},
        ordered_by=clinician,
    )
    study = PSGStudy.objects.create(
        patient=patient, original_name="night.edf", stored_path="/x", size_bytes=1, status="done"
    )
    theirs = PSGStudy.objects.create(
        patient=other_patient, original_name="x.edf", stored_path="/y", size_bytes=1, status="done"
    )
    with pytest.raises(ValidationError, match=r"That sleep study is not this patient.s\."):
        services.enter_result(None, order, clinician, psg_study=theirs)
    page = login(clinician).get(reverse("orders:order", args=[order.pk])).content.decode()
    assert "night.edf" in page
    assert "x.edf" not in page
    response = login(clinician).post(
        reverse("orders:result", args=[order.pk]),
        {**result_post(order), "result-psg_study": str(study.pk)},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "resulted"
    assert order.psg_study == study


# --- concurrency (PostgreSQL: real row locks and a real unique index) ----------------------------


def _in_threads(count: int, job: Any) -> list[Any]:
    """Run ``job`` in ``count`` threads started together; return each result or exception."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - collected and checked by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_and_results_happen_once(clinic: Any) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    patient = make_user("race@example.org", clinic=clinic)
    clinician = make_user("racer@example.org", role="clinician", clinic=clinic)
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)

    outcomes = _in_threads(
        8,
        lambda: services.order_recommendations(
            None, patient, clinician, assessment, ["test:ferritin_tsat"]
        ),
    )
    assert all(isinstance(o, services.OrderOutcome) for o in outcomes)
    assert sum(len(o.created) for o in outcomes) == 1
    assert sum(len(o.already_open) for o in outcomes) == 7
    order = Order.objects.get(item_id="ferritin_tsat")

    results = _in_threads(
        8,
        lambda: services.enter_result(
            None,
            Order.objects.select_related("patient").get(pk=order.pk),
            clinician,
            values={"ferritin_ng_ml": 40},
            result_date=today(),
        ),
    )
    done = [r for r in results if isinstance(r, services.ResultOutcome)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(done) == 1
    assert len(refused) == 7
    assert all("already resulted" in " ".join(r.messages) for r in refused)
    assert LabResult.objects.filter(patient=patient).count() == 1
    assert Assessment.objects.filter(patient=patient).count() == 2


def test_the_order_pages_in_russian(clinician: User, patient: User, assessment: Assessment) -> None:
    order = make_order(patient, clinician, assessment)
    client = login(clinician)
    client.cookies["django_language"] = "ru"
    listing = client.get(reverse("orders:open")).content.decode()
    assert "Открытые назначения" in listing
    assert "Утренние показатели обмена железа" in listing
    page = client.get(reverse("orders:order", args=[order.pk])).content.decode()
    assert "Внести результат" in page
    assert "Ферритин сыворотки" in page
    assert "Enter the result" not in page
    patient_page = client.get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert "Назначить всё рекомендованное" in patient_page
