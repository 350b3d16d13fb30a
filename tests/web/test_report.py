"""The report page and its PDF: content in order, who may see it, audit."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments import pdf
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.assessments.session import ANONYMOUS_KEY
from quietlegs.web.audit.models import AuditEvent
from tests.web.webtools import RLS_ANSWERS, login

pytestmark = pytest.mark.django_db


SECONDARY_RLS = dict(RLS_ANSWERS, known_conditions=["iron_deficiency"])
CRAMPS = dict(
    RLS_ANSWERS,
    main_symptoms=["cramps"],
    mimic_cramp_hard_muscle=True,
    mimic_cramp_eased_by_stretch=True,
)


def anonymous_client_owning(assessment: Assessment) -> Client:
    client = Client()
    session = client.session
    session[ANONYMOUS_KEY] = [str(assessment.pk)]
    session.save()
    return client


def url(assessment: Assessment, suffix: str = "") -> str:
    return f"/assessments/{assessment.pk}/{suffix}"


# -- content -------------------------------------------------------------------------


def test_report_shows_urgency_first_then_everything_with_why(patient: User) -> None:
    assessment = Assessment.create_from_answers(SECONDARY_RLS, patient=patient)
    report = assessment.report("en")
    body = login(patient).get(url(assessment)).content.decode()
    rls = report["conditions"][0]
    order = [
        report["urgency_label"],
        escape(report["urgency_reason"]),
        "When to call emergency services",
        escape(rls["name"]),
        "Diagnostic criteria",
        "Tests to ask your doctor about",
        "Your prevention plan",
        "Treatment information",
        escape(report["disclaimer"]),
        report["knowledge_version"],
        "References",
    ]
    positions = [body.index(text) for text in order]
    assert positions == sorted(positions)
    # The "why": the reason and the answer behind it.
    assert escape(rls["reasons"][0]["text"]) in body
    assert "Iron deficiency or anaemia" in body
    # Criteria met, specifiers, secondary form and its cause.
    assert body.count('<tr class="criterion-met">') == 5
    assert escape(rls["specifiers"][0]["name"]) in body
    assert "Secondary: an established cause was found" in body
    assert escape(rls["secondary_causes"][0]["name"]) in body
    # Tests with why, treatments graded, for discussion, no doses, with the article note.
    assert escape(report["tests"][0]["why"][0]) in body
    assert "For discussion with your doctor. No doses are given." in body
    assert "Suggested for use" in body
    assert "Advised against standard use" in body
    assert "strong recommendation; moderate certainty of evidence" in body
    assert "Note on the clinic article" in body
    assert escape(report["advice"][0]["text"]) in body
    for citation in report["references"].values():
        assert escape(citation) in body
    assert "window.print()" in body
    assert url(assessment, "pdf/") in body
    assert "Save this report" not in body


def test_report_lists_reasons_for_a_ranked_condition(patient: User) -> None:
    assessment = Assessment.create_from_answers(CRAMPS, patient=patient)
    body = login(patient).get(url(assessment)).content.decode()
    cramps = assessment.report("en")["conditions"][0]
    assert cramps["id"] == "nocturnal_leg_cramps"
    assert "Why" in body
    for reason in cramps["reasons"]:
        assert escape(reason["text"]) in body
    assert "Painful muscle cramps" in body  # the answer behind a reason, in words


def test_criteria_not_asked_are_shown(patient: User) -> None:
    answers = {k: v for k, v in RLS_ANSWERS.items() if k != "rls_evening_worse"}
    assessment = Assessment.create_from_answers(answers, patient=patient)
    body = login(patient).get(url(assessment)).content.decode()
    assert '<tr class="criterion-unknown">' in body
    assert "not asked" in body


def test_urgent_red_flag_comes_before_conditions(patient: User) -> None:
    answers = dict(RLS_ANSWERS, main_symptoms=["urge_to_move", "swelling"], calf_swelling=True)
    assessment = Assessment.create_from_answers(answers, patient=patient)
    body = login(patient).get(url(assessment)).content.decode()
    assert 'class="urgency urgency-urgent"' in body
    assert body.index("Warning signs") < body.index("What your answers point to")
    assert "Urgent: " in body


def test_report_in_russian(patient: User) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    client = login(patient)
    body = client.get(url(assessment), headers={"accept-language": "ru"}).content.decode()
    ru = assessment.report("ru")
    assert ru["urgency_label"] in body
    assert escape(ru["conditions"][0]["name"]) in body
    assert escape(ru["disclaimer"]) in body
    assert assessment.report("en")["urgency_label"] not in body


def test_anonymous_report_offers_to_save_it() -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS)
    body = anonymous_client_owning(assessment).get(url(assessment)).content.decode()
    assert "Save this report — create an account" in body
    assert f"/accounts/signup/?next=/assessments/{assessment.pk}/" in body


# -- who may see it ------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "pdf/"])
@pytest.mark.parametrize(
    ("viewer", "allowed"),
    [
        ("owner", True),
        ("other_patient", False),
        ("clinician", True),
        ("clinic_admin", True),
        ("other_clinician", False),
        ("anonymous", False),
    ],
)
def test_access_to_a_patients_report(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    patient: User,
    viewer: str,
    allowed: bool,
    suffix: str,
) -> None:
    monkeypatch.setattr(pdf, "render_pdf", lambda html: b"%PDF-fake")
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    if viewer == "owner":
        client, actor = login(patient), patient
    elif viewer == "anonymous":
        client, actor = Client(), None
    else:
        actor = request.getfixturevalue(viewer)
        client = login(actor)
    response = client.get(url(assessment, suffix))
    assert response.status_code == (200 if allowed else 404)
    events = AuditEvent.objects.filter(patient=patient, object_id=str(assessment.pk))
    if allowed:
        event = events.get()
        assert event.action == "view"
        assert event.actor == actor
        assert event.path == url(assessment, suffix)
    else:
        assert not events.exists()


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_access_to_an_anonymous_report(
    monkeypatch: pytest.MonkeyPatch, patient: User, clinician: User, suffix: str
) -> None:
    monkeypatch.setattr(pdf, "render_pdf", lambda html: b"%PDF-fake")
    assessment = Assessment.create_from_answers(RLS_ANSWERS)
    assert anonymous_client_owning(assessment).get(url(assessment, suffix)).status_code == 200
    assert Client().get(url(assessment, suffix)).status_code == 404
    assert login(patient).get(url(assessment, suffix)).status_code == 404
    assert login(clinician).get(url(assessment, suffix)).status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_session_cannot_see_another_sessions_report_once_it_belongs_to_a_patient(
    patient: User,
) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    assert anonymous_client_owning(assessment).get(url(assessment)).status_code == 404


def test_unknown_report_is_404(patient: User) -> None:
    client = login(patient)
    assert client.get(f"/assessments/{uuid.uuid4()}/").status_code == 404
    assert client.get("/assessments/not-a-uuid/").status_code == 404


def test_report_is_read_only(patient: User) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    assert login(patient).post(url(assessment)).status_code == 405


# -- PDF -----------------------------------------------------------------------------


def test_pdf_download(patient: User) -> None:
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    response = login(patient).get(url(assessment, "pdf/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 5000
    expected = f'attachment; filename="quietlegs-report-{assessment.created_at:%Y-%m-%d}.pdf"'
    assert response["Content-Disposition"] == expected


def test_pdf_puts_urgency_emergency_text_and_disclaimer_first(
    monkeypatch: pytest.MonkeyPatch, patient: User
) -> None:
    seen: dict[str, Any] = {}

    def capture(html: str) -> bytes:
        seen["html"] = html
        return b"%PDF-fake"

    monkeypatch.setattr(pdf, "render_pdf", capture)
    assessment = Assessment.create_from_answers(RLS_ANSWERS, patient=patient)
    login(patient).get(url(assessment, "pdf/"))
    html: str = seen["html"]
    report = assessment.report("en")
    assert "size: A4" in html
    order = [
        report["urgency_label"],
        escape(report["emergency_call"]),
        escape(report["disclaimer"]),
        escape(report["conditions"][0]["name"]),
        "Treatment information",
        "References",
    ]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert html.count(escape(report["disclaimer"])) == 1
    assert "window.print()" not in html
    assert "Save this report" not in html


def test_emergency_report_gives_the_patients_clinic_number(patient: User) -> None:
    answers = dict(RLS_ANSWERS, emergency_signs=["chest_pain"])
    assessment = Assessment.create_from_answers(answers, patient=patient)
    body = login(patient).get(url(assessment)).content.decode()
    assert 'href="tel:103"' in body
    anonymous = Assessment.create_from_answers(answers)
    body = anonymous_client_owning(anonymous).get(url(anonymous)).content.decode()
    assert 'href="tel:112"' in body
    assert "In Russia call 103." in body


def test_a_red_flag_repeated_as_evidence_is_listed_once(patient: User) -> None:
    # "For: Chest pain, pressure or tightness" was listed twice: once as the raised red
    # flag, once as the acute coronary syndrome's evidence (same answer, same words).
    answers = {"emergency_signs": ["chest_pain"], "age": 64, "sex": "male"}
    assessment = Assessment.create_from_answers(answers, patient=patient)
    body = login(patient).get(url(assessment)).content.decode()
    block = body.split('<ul class="reasons">', 1)[1].split("</ul>", 1)[0]
    assert block.count("Chest pain, pressure or tightness") == 2  # the reason, then the answer
    assert block.count('<li class="reason-for">') == 2  # chest pain, age


def test_a_report_stored_with_the_repetition_shows_it_once() -> None:
    from quietlegs.web.assessments.presentation import report_context

    flag: dict[str, Any] = {
        "text": "Chest pain",
        "direction": "for",
        "likelihood_ratio": None,
        "answers": {},
        "references": ["a"],
    }
    evidence = {
        "text": "Chest pain",
        "direction": "for",
        "likelihood_ratio": 8.0,
        "answers": {"emergency_signs": "Chest pain ..."},
        "references": ["a", "b"],
    }
    other = {
        "text": "Age 55 or over",
        "direction": "for",
        "likelihood_ratio": 1.5,
        "answers": {"age": "64 years"},
        "references": ["a"],
    }
    lone: dict[str, Any] = {
        "text": "Other flag",
        "direction": "for",
        "likelihood_ratio": None,
        "answers": {},
        "references": [],
    }
    condition = {
        "id": "acs",
        "name": "ACS",
        "reasons": [flag, lone, evidence, other],
        "criteria": [],
        "secondary_causes": [],
    }
    shown = report_context({"conditions": [condition]}, "en")["conditions"][0]
    assert [(r["text"], r["likelihood_ratio"], r["references"]) for r in shown["reasons"]] == [
        ("Chest pain", 8.0, ["a", "b"]),
        ("Other flag", None, []),
        ("Age 55 or over", 1.5, ["a"]),
    ]
    assert shown["reasons_for"][0]["shown_answers"] == [
        (
            "Right now, or at any time in the last 24 hours, have you had any of these? Tick all "
            "that apply.",
            "Chest pain ...",
        )
    ]
