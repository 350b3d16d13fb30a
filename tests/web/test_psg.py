"""PSG recordings on a patient's record: upload, analysis, the patient and study pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from quietlegs.web.accounts.models import User
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.records import psg
from quietlegs.web.records.models import PSGStudy
from tests.signals.synth import make_night, write_edf
from tests.web.webtools import login

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def edf_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 10-minute, 256 Hz, two-leg synthetic night as EDF+ bytes."""
    path = tmp_path_factory.mktemp("psg") / "night.edf"
    write_edf(path, make_night(600, 256.0, seed=1))
    return path.read_bytes()


@pytest.fixture(autouse=True)
def psg_settings(settings: Any, tmp_path: Path) -> Path:
    settings.QUIETLEGS_PSG_SYNC = True
    settings.DATA_DIR = tmp_path
    return tmp_path / "psg"


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*")) if folder.exists() else []


def upload(
    client: Client, patient: User, data: bytes, name: str = "night.edf", rules: str = "wasm2016"
) -> Any:
    return client.post(
        reverse("records:upload_psg", args=[patient.pk]),
        {"psg-file": SimpleUploadedFile(name, data), "psg-rules": rules},
    )


def test_upload_analyses_and_the_page_shows_the_indices(
    clinician: User, patient: User, edf_bytes: bytes, psg_settings: Path
) -> None:
    client = login(clinician)
    response = upload(client, patient, edf_bytes, name="Night One.EDF")
    assert response.status_code == 302
    assert response["Location"].endswith("#psg")
    study = PSGStudy.objects.get()
    assert study.status == PSGStudy.Status.DONE, study.error
    assert study.finished_at is not None
    assert study.result is not None
    assert study.result["lm_count"] > 0
    assert study.original_name == "Night One.EDF"
    assert study.size_bytes == len(edf_bytes)
    assert study.uploaded_by == clinician
    stored = Path(study.stored_path)
    assert stored.parent == psg_settings
    assert "Night" not in stored.name
    assert stored.read_bytes() == edf_bytes

    page = client.get(reverse("records:patient", args=[patient.pk]))
    html = page.content.decode()
    assert "PLMS index (per hour of sleep)" in html
    assert f"{study.result['plms_index']:.1f}" in html
    assert "Periodicity index" in html
    assert 'enctype="multipart/form-data"' in html
    study_url = reverse("records:psg_study", args=[patient.pk, study.pk])
    assert study_url == f"/clinic/patients/{patient.pk}/psg/{study.pk}/"
    assert study_url in html

    detail = client.get(study_url)
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "PLMS by sleep stage" in text
    assert f"{study.result['lm_count']} leg movements were detected." in text
    assert "Leg movements (LM)" in text

    events = AuditEvent.objects.filter(patient=patient)
    assert events.filter(action="create", object_type="psgstudy", object_id=str(study.pk)).exists()
    assert events.filter(action="view", object_type="psgstudy", object_id=str(study.pk)).exists()
    assert events.filter(action="view", object_type="patient_record").exists()


def test_aasm_rules_are_stored(clinician: User, patient: User, edf_bytes: bytes) -> None:
    upload(login(clinician), patient, edf_bytes, rules="aasm")
    study = PSGStudy.objects.get()
    assert study.rules == "aasm"
    assert study.result is not None
    assert study.result["rules"] == "aasm"


def test_a_non_edf_file_is_refused_and_nothing_stored(
    clinician: User, patient: User, psg_settings: Path
) -> None:
    response = upload(login(clinician), patient, b"hello, not a recording", name="notes.txt")
    assert response.status_code == 400
    assert (
        "The file must be an EDF or EDF+ recording (a name ending in .edf or .rec)."
        in response.content.decode()
    )
    response = upload(login(clinician), patient, b"PK\x03\x04 zip pretending", name="fake.edf")
    assert response.status_code == 400
    assert (
        "The file is not an EDF recording: its header does not start like an EDF header."
        in response.content.decode()
    )
    assert not PSGStudy.objects.exists()
    assert stored_files(psg_settings) == []
    assert not AuditEvent.objects.filter(action="create").exists()


def test_a_refused_upload_shows_its_problem_where_the_reader_lands(
    clinician: User, patient: User
) -> None:
    # The page used to reload at its top with the error far down in the PSG section.
    response = upload(login(clinician), patient, b"hello, not a recording", name="notes.txt")
    assert response.status_code == 400
    page = response.content.decode()
    action = reverse("records:upload_psg", args=[patient.pk])
    assert f'action="{action}#psg-upload" id="psg-upload"' in page  # lands on the form
    alert = page.split('<div class="form-problems" role="alert">', 1)[1].split("</div>", 1)[0]
    assert "<strong>The recording was not uploaded:</strong>" in alert
    assert (
        '<li><a href="#id_psg-file">PSG recording (EDF or EDF+): The file must be an EDF or '
        "EDF+ recording (a name ending in .edf or .rec).</a></li>"
    ) in alert
    assert page.index("form-problems") < page.index('id="id_psg-file"')
    (file_input,) = re.findall(r'<input type="file"[^>]*id="id_psg-file"[^>]*>', page)
    assert "autofocus" in file_input
    assert 'aria-invalid="true"' in file_input
    fresh = login(clinician).get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert "form-problems" not in fresh
    (fresh_input,) = re.findall(r'<input type="file"[^>]*id="id_psg-file"[^>]*>', fresh)
    assert "autofocus" not in fresh_input


def test_unknown_rules_are_refused(clinician: User, patient: User, edf_bytes: bytes) -> None:
    response = upload(login(clinician), patient, edf_bytes, rules="rechtschaffen")
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not PSGStudy.objects.exists()


def test_a_too_large_file_is_refused(
    clinician: User, patient: User, edf_bytes: bytes, settings: Any, psg_settings: Path
) -> None:
    settings.QUIETLEGS_MAX_EDF_MB = 0
    # small enough to pass the request-length check, larger than the file limit
    response = upload(login(clinician), patient, edf_bytes[:1000])
    assert response.status_code == 400
    assert "The file is too large (1 MB); the limit is 0 MB." in response.content.decode()
    assert not PSGStudy.objects.exists()
    assert stored_files(psg_settings) == []


def test_a_request_larger_than_the_limit_is_refused_before_parsing(
    clinician: User, patient: User, edf_bytes: bytes, settings: Any, psg_settings: Path
) -> None:
    settings.QUIETLEGS_MAX_EDF_MB = 0
    client = login(clinician)
    big = edf_bytes * 2  # 1.9 MB: above the limit plus the allowance for the form envelope
    response = upload(client, patient, big)
    assert response.status_code == 400
    assert not PSGStudy.objects.exists()
    assert stored_files(psg_settings) == []


@pytest.mark.parametrize(
    ("lang", "title", "problem"),
    [
        (
            "en",
            "The recording was not uploaded:",
            "PSG recording (EDF or EDF+): The file is too large; the limit is 0 MB.",
        ),
        (
            "ru",
            "Запись не загружена:",
            "Запись ПСГ (EDF или EDF+): Файл слишком большой; ограничение — 0 МБ.",
        ),
    ],
    ids=["en", "ru"],
)
def test_a_request_refused_before_parsing_shows_its_problem_in_the_form(
    clinician: User,
    patient: User,
    edf_bytes: bytes,
    settings: Any,
    lang: str,
    title: str,
    problem: str,
) -> None:
    # The message used to be shown at the page's top while the page jumped to #psg.
    settings.QUIETLEGS_MAX_EDF_MB = 0
    client = login(clinician)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    response = upload(client, patient, edf_bytes * 2, rules="aasm")
    assert response.status_code == 400
    page = response.content.decode()
    action = reverse("records:upload_psg", args=[patient.pk])
    assert f'action="{action}#psg-upload" id="psg-upload"' in page  # lands on the form
    assert page.count('class="form-problems"') == 1
    alert = page.split('<div class="form-problems" role="alert">', 1)[1].split("</div>", 1)[0]
    assert f"<strong>{title}</strong>" in alert
    assert f'<li><a href="#id_psg-file">{problem}</a></li>' in alert
    assert page.index("form-problems") < page.index('id="id_psg-file"')
    (file_input,) = re.findall(r'<input type="file"[^>]*id="id_psg-file"[^>]*>', page)
    assert "autofocus" in file_input
    assert 'aria-invalid="true"' in file_input
    assert "required" in file_input
    # the body was never read, so the rules chosen are not known: the default is selected
    assert re.search(r'<option value="wasm2016"[^>]*selected', page)
    assert 'class="messages"' not in page  # the problem is not also at the page's top


def test_another_clinics_clinician_gets_404_and_nothing_is_stored(
    other_clinician: User, patient: User, edf_bytes: bytes, psg_settings: Path
) -> None:
    client = login(other_clinician)
    assert upload(client, patient, edf_bytes).status_code == 404
    assert not PSGStudy.objects.exists()
    assert stored_files(psg_settings) == []


def test_the_service_refuses_a_clinician_without_access(
    other_clinician: User, patient: User, edf_bytes: bytes, psg_settings: Path
) -> None:
    with pytest.raises(PermissionError):
        psg.submit_study(
            None, patient, other_clinician, SimpleUploadedFile("a.edf", edf_bytes), "wasm2016"
        )
    assert stored_files(psg_settings) == []


def test_study_page_of_another_clinic_or_patient_is_404(
    clinician: User,
    other_clinician: User,
    patient: User,
    other_patient: User,
    edf_bytes: bytes,
) -> None:
    upload(login(clinician), patient, edf_bytes)
    study = PSGStudy.objects.get()
    url = reverse("records:psg_study", args=[patient.pk, study.pk])
    assert login(other_clinician).get(url).status_code == 404
    assert login(patient).get(url).status_code == 404
    # the study exists, but not on this patient's record
    wrong = reverse("records:psg_study", args=[other_patient.pk, study.pk])
    assert login(other_clinician).get(wrong).status_code == 404
    assert not AuditEvent.objects.filter(action="view", object_type="psgstudy").exists()


def test_a_truncated_edf_fails_with_the_readers_message(
    clinician: User, patient: User, edf_bytes: bytes
) -> None:
    client = login(clinician)
    response = upload(client, patient, edf_bytes[: len(edf_bytes) // 2], name="cut.edf")
    assert response.status_code == 302
    study = PSGStudy.objects.get()
    assert study.status == PSGStudy.Status.FAILED
    assert study.result is None
    assert "truncated" in study.error
    assert study.error.startswith("cut.edf: ")
    assert study.stored_path not in study.error  # the path on disk is not shown
    html = client.get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert "The analysis failed:" in html
    assert "truncated" in html


def test_an_unexpected_exception_is_a_generic_failure(
    clinician: User, patient: User, edf_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("quietlegs.signals.plm.analyze", boom)
    upload(login(clinician), patient, edf_bytes)
    study = PSGStudy.objects.get()
    assert study.status == PSGStudy.Status.FAILED
    assert study.error == str(psg.GENERIC_FAILURE)
    assert "secret" not in study.error


def test_a_queued_study_shows_processing(clinician: User, patient: User) -> None:
    study = PSGStudy.objects.create(
        patient=patient,
        uploaded_by=clinician,
        original_name="later.edf",
        stored_path="/nonexistent.edf",
        size_bytes=1,
    )
    html = login(clinician).get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert "Processing — refresh in a minute." in html
    assert study.is_pending


def test_background_mode_queues_on_commit(
    clinician: User,
    patient: User,
    edf_bytes: bytes,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.QUIETLEGS_PSG_SYNC = False
    submitted: list[tuple[Any, int]] = []
    monkeypatch.setattr(psg._EXECUTOR, "submit", lambda fn, arg: submitted.append((fn, arg)))
    with django_capture_on_commit_callbacks(execute=True):
        study = psg.submit_study(
            None, patient, clinician, SimpleUploadedFile("n.edf", edf_bytes), "wasm2016"
        )
    assert study.status == PSGStudy.Status.QUEUED
    assert submitted == [(psg._run_in_worker, study.pk)]
    # What the worker does (without closing the test's connection):
    psg.process_study(study.pk)
    study.refresh_from_db()
    assert study.status == PSGStudy.Status.DONE
    psg.process_study(study.pk)  # a second run does nothing
    assert PSGStudy.objects.get().finished_at == study.finished_at


def test_the_size_setting_defaults_to_512_mb_and_large_uploads_stream() -> None:
    from django.conf import global_settings

    from quietlegs.web import settings as app_settings

    assert app_settings.QUIETLEGS_MAX_EDF_MB == 512
    assert app_settings.QUIETLEGS_PSG_SYNC is False
    assert app_settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= global_settings.FILE_UPLOAD_MAX_MEMORY_SIZE


def _study(patient: User, clinician: User, status: str, **fields: Any) -> PSGStudy:
    values: dict[str, Any] = {"stored_path": "/nonexistent.edf", **fields}
    return PSGStudy.objects.create(
        patient=patient,
        uploaded_by=clinician,
        original_name="n.edf",
        size_bytes=1,
        status=status,
        **values,
    )


def test_interrupted_studies_are_queued_again(
    clinician: User, patient: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime

    from django.utils import timezone

    settings.QUIETLEGS_PSG_SYNC = False
    submitted: list[int] = []
    monkeypatch.setattr(psg._EXECUTOR, "submit", lambda fn, arg: submitted.append(arg))
    now = timezone.now()
    stale_min = psg.STALE_PROCESSING_MINUTES
    queued = _study(patient, clinician, PSGStudy.Status.QUEUED)
    stale = _study(
        patient,
        clinician,
        PSGStudy.Status.PROCESSING,
        started_at=now - datetime.timedelta(minutes=stale_min + 1),
    )
    running = _study(
        patient,
        clinician,
        PSGStudy.Status.PROCESSING,
        started_at=now - datetime.timedelta(minutes=stale_min - 1),
    )
    done = _study(patient, clinician, PSGStudy.Status.DONE)
    assert psg.requeue_interrupted(now=now) == [queued.pk, stale.pk]
    assert submitted == [queued.pk, stale.pk]
    statuses = dict(PSGStudy.objects.values_list("pk", "status"))
    assert statuses[stale.pk] == PSGStudy.Status.QUEUED
    assert statuses[running.pk] == PSGStudy.Status.PROCESSING
    assert statuses[done.pk] == PSGStudy.Status.DONE


def test_requeue_command_analyses_inline_in_sync_mode(
    clinician: User, patient: User, edf_bytes: bytes, psg_settings: Path
) -> None:
    from io import StringIO

    from django.core.management import call_command

    psg_settings.mkdir(parents=True, exist_ok=True)
    path = psg_settings / "kept.edf"
    path.write_bytes(edf_bytes)
    study = _study(patient, clinician, PSGStudy.Status.QUEUED, stored_path=str(path))
    out = StringIO()
    call_command("psg_requeue", stdout=out)
    assert out.getvalue().strip() == "re-queued 1 PSG studies"
    study.refresh_from_db()
    assert study.status == PSGStudy.Status.DONE, study.error
    assert study.started_at is not None
    assert study.started_at <= study.finished_at  # type: ignore[operator]


def test_the_report_figure_and_events_are_served_to_the_clinic_only(
    clinician: User,
    other_clinician: User,
    patient: User,
    edf_bytes: bytes,
) -> None:
    from quietlegs.signals.outputs import EVENT_FIELDS

    client = login(clinician)
    upload(client, patient, edf_bytes, name="Night One.edf")
    study = PSGStudy.objects.get()
    page = client.get(reverse("records:psg_study", args=[patient.pk, study.pk])).content.decode()
    figure_url = reverse("records:psg_study_file", args=[patient.pk, study.pk, "figure.png"])
    csv_url = reverse("records:psg_study_file", args=[patient.pk, study.pk, "events.csv"])
    assert figure_url in page
    assert csv_url in page
    before = AuditEvent.objects.filter(object_type="psgstudy", action="view").count()
    figure = client.get(figure_url)
    assert figure.status_code == 200
    assert figure["Content-Type"] == "image/png"
    assert b"".join(figure.streaming_content).startswith(b"\x89PNG\r\n\x1a\n")  # type: ignore[attr-defined]
    events = client.get(csv_url)
    assert events["Content-Disposition"] == 'attachment; filename="Night One-events.csv"'
    lines = b"".join(events.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == ",".join(EVENT_FIELDS)
    assert len(lines) - 1 == len(study.result["events"])  # type: ignore[index]
    assert AuditEvent.objects.filter(object_type="psgstudy", action="view").count() == before + 2
    bogus = reverse("records:psg_study_file", args=[patient.pk, study.pk, "secret.txt"])
    assert client.get(bogus).status_code == 404
    assert login(other_clinician).get(figure_url).status_code == 404
    assert login(patient).get(figure_url).status_code == 404


def test_the_finding_uses_the_patients_age(
    clinician: User, patient: User, edf_bytes: bytes
) -> None:
    from quietlegs.web.assessments.models import Assessment
    from tests.web.webtools import RLS_ANSWERS

    assert psg.patient_age(patient) is None
    Assessment.create_from_answers({**RLS_ANSWERS, "age": 52}, patient=patient, created_by=patient)
    assert psg.patient_age(patient) == 52.0
    upload(login(clinician), patient, edf_bytes)
    finding = PSGStudy.objects.get().result["finding"]  # type: ignore[index]
    assert "for adults" in finding
    assert "for children" not in finding
    assert any(
        "may not represent a whole night" in w
        for w in PSGStudy.objects.get().result["warnings"]  # type: ignore[index]
    )
