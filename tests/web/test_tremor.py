"""Tremor recordings in the web app: upload, report, figure, permissions, hostile files."""

from __future__ import annotations

import html as html_module
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from quietlegs.web.accounts.models import User
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.tremor import services
from quietlegs.web.tremor.models import TremorRecording
from tests.signals.tremor_synth import make_tremor, write_generic
from tests.web.webtools import login, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def rest_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """30 s of a 5 Hz, 0.3 m/s² tremor at 100 Hz as time,x,y,z."""
    path = tmp_path_factory.mktemp("tremor") / "rest.csv"
    return write_generic(path, make_tremor(5.0, 0.3, seed=1)).read_bytes()


@pytest.fixture(autouse=True)
def tremor_settings(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path / "tremor"


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*")) if folder.exists() else []


def upload(client: Client, data: bytes, name: str = "rest.csv", task: str = "rest") -> Any:
    return client.post(
        reverse("tremor:index"),
        {"tremor-file": SimpleUploadedFile(name, data), "tremor-task": task},
    )


def test_urls() -> None:
    assert reverse("tremor:index") == "/tremor/"
    assert reverse("tremor:report", args=[7]) == "/tremor/7/"
    assert reverse("tremor:figure", args=[7]) == "/tremor/7/figure.png"


def test_the_upload_page_explains_how_to_record(patient: User) -> None:
    client = login(patient)
    page = client.get(reverse("tremor:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Strap the phone firmly to the back of your hand" in html
    assert "Record 30 seconds for each task" in html
    assert 'enctype="multipart/form-data"' in html
    assert "A CSV file of at most 10 MB, at least 10 seconds long." in html
    assert "You have no tremor recordings yet." in html
    for value in ("rest", "posture", "action", "standing"):
        assert f'value="{value}"' in html
    assert AuditEvent.objects.filter(
        patient=patient, action="view", object_type="tremor_recordings"
    ).exists()
    assert reverse("tremor:index") in client.get(reverse("accounts:home")).content.decode()


def test_a_patient_uploads_and_sees_the_report(
    patient: User, rest_csv: bytes, tremor_settings: Path
) -> None:
    client = login(patient)
    response = upload(client, rest_csv, name="My Rest.csv")
    assert response.status_code == 302
    item = TremorRecording.objects.get()
    assert response["Location"] == reverse("tremor:report", args=[item.pk])
    assert (item.patient, item.uploaded_by, item.task) == (patient, patient, "rest")
    assert item.original_name == "My Rest.csv"
    assert item.size_bytes == len(rest_csv)
    assert item.result["detected"] is True
    assert item.result["dominant_frequency_hz"] == pytest.approx(5.0, abs=0.2)
    assert item.result["band"]["id"] == "rest_3_7"
    stored, figure = Path(item.stored_path), Path(item.figure_path)
    assert stored.parent == figure.parent == tremor_settings
    assert "Rest" not in stored.name
    assert stored.read_bytes() == rest_csv
    assert figure.read_bytes().startswith(b"\x89PNG")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "A 5.0 Hz tremor was measured at rest." in html
    assert "This is a measurement, not a diagnosis." in html
    assert "Call an ambulance now (112; 103 in Russia)" in html
    assert "See a doctor if the shaking keeps coming back" in html
    assert "3–7 Hz at rest" in html
    assert reverse("tremor:figure", args=[item.pk]) in html
    assert "The recording was analysed." in html

    png = client.get(reverse("tremor:figure", args=[item.pk]))
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png.getvalue().startswith(b"\x89PNG")

    listing = client.get(reverse("tremor:index")).content.decode()
    assert reverse("tremor:report", args=[item.pk]) in listing

    events = AuditEvent.objects.filter(patient=patient, object_id=str(item.pk))
    assert events.filter(action="create", object_type="tremorrecording", actor=patient).exists()
    assert events.filter(action="view", object_type="tremorrecording").exists()
    assert events.filter(action="view", object_type="tremor_figure").exists()


def test_the_report_in_russian(patient: User, rest_csv: bytes) -> None:
    client = login(patient)
    upload(client, rest_csv)
    item = TremorRecording.objects.get()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = client.get(reverse("tremor:report", args=[item.pk])).content.decode()
    assert "В покое измерен тремор с частотой 5,0 Гц." in html
    assert "Это измерение, а не диагноз." in html
    assert "Немедленно вызовите скорую помощь (112 или 103)" in html
    # units in Russian too (the table, not only the statement)
    assert re.search(r"5,00 Гц", html)
    assert " Hz<" not in html
    assert "м/с²" in html


def test_clinicians_of_the_clinic_see_the_recordings_on_the_patient_page(
    patient: User, clinician: User, rest_csv: bytes
) -> None:
    upload(login(patient), rest_csv)
    item = TremorRecording.objects.get()
    client = login(clinician)
    page = client.get(reverse("records:patient", args=[patient.pk])).content.decode()
    assert 'id="tremor"' in page
    assert "Tremor recordings" in page
    assert reverse("tremor:report", args=[item.pk]) in page
    assert "3–7 Hz at rest" in page
    report = client.get(reverse("tremor:report", args=[item.pk]))
    assert report.status_code == 200
    html = report.content.decode()
    assert f"Back to the record of {patient.display_name()}" in html
    assert client.get(reverse("tremor:figure", args=[item.pk])).status_code == 200
    assert AuditEvent.objects.filter(
        patient=patient, actor=clinician, action="view", object_type="tremorrecording"
    ).exists()
    assert AuditEvent.objects.filter(
        patient=patient, actor=clinician, action="view", object_type="tremor_figure"
    ).exists()


def test_others_get_404(
    patient: User,
    other_patient: User,
    other_clinician: User,
    clinician: User,
    rest_csv: bytes,
) -> None:
    upload(login(patient), rest_csv)
    item = TremorRecording.objects.get()
    for user in (
        other_patient,
        other_clinician,
        make_user("pat2@example.org", clinic=patient.clinic),
    ):
        client = login(user)
        assert client.get(reverse("tremor:report", args=[item.pk])).status_code == 404
        assert client.get(reverse("tremor:figure", args=[item.pk])).status_code == 404
    assert login(patient).get(reverse("tremor:report", args=[item.pk + 1])).status_code == 404
    # Clinicians do not upload for themselves; the page is for patients.
    doctor = login(clinician)
    assert doctor.get(reverse("tremor:index")).status_code == 404
    assert upload(doctor, rest_csv).status_code == 404
    anonymous = Client().get(reverse("tremor:report", args=[item.pk]))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert TremorRecording.objects.count() == 1
    assert (
        not AuditEvent.objects.filter(
            object_type__in=["tremorrecording", "tremor_figure"], action="view"
        )
        .exclude(actor=patient)
        .exists()
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "tremor.exe",
            b"MZ\x90\x00",
            "The file must be a CSV export (a name ending in .csv or .txt).",
        ),
        ("photo.png", b"\x89PNG\r\n\x1a\n", "The file must be a CSV export"),
        (
            "fake.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "fake.csv: the file is not a text CSV file.",
        ),
        (
            "weather.csv",
            b"time,pressure,humidity\n0,1,2\n0.01,1,2\n",
            "weather.csv: no x, y and z columns were found (columns: ",
        ),
        (
            "short.csv",
            b"time,x,y,z\n"
            + b"".join(f"{i / 100},0,0,{9.8 + i % 3 / 100}\n".encode() for i in range(300)),
            "short.csv: the recording lasts 3 s; tremor analysis needs at least",
        ),
        (
            "words.csv",
            b"time,x,y,z\n0,1,2,3\n0.01,one,2,3\n",
            "words.csv: line 3: column “x” holds “one”, which is not a number.",
        ),
        ("empty.csv", b"", "The submitted file is empty."),
    ],
)
def test_hostile_uploads_are_refused_and_nothing_is_stored(
    patient: User, tremor_settings: Path, name: str, content: bytes, message: str
) -> None:
    response = upload(login(patient), content, name=name)
    assert response.status_code == 400
    assert message in html_module.unescape(response.content.decode())
    assert not TremorRecording.objects.exists()
    assert stored_files(tremor_settings) == []
    assert not AuditEvent.objects.filter(action="create").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "short.csv",
            b"time,x,y,z\n"
            + b"".join(f"{i / 100},0,0,{9.8 + i % 3 / 100}\n".encode() for i in range(300)),
            "Запись не удалось проанализировать: short.csv: запись длится 3 с; для анализа "
            "тремора нужно не меньше",
        ),
        (
            "words.csv",
            b"time,x,y,z\n0,1,2,3\n0.01,one,2,3\n",
            "words.csv: строка 3: в столбце «x» указано «one» — это не число.",
        ),
        (
            "weather.csv",
            b"time,pressure,humidity\n0,1,2\n0.01,1,2\n",
            "weather.csv: не найдены столбцы x, y и z (столбцы: ",
        ),
    ],
)
def test_a_refused_recording_is_explained_in_russian(
    patient: User, tremor_settings: Path, name: str, content: bytes, message: str
) -> None:
    client = login(patient)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    response = upload(client, content, name=name)
    assert response.status_code == 400
    page = html_module.unescape(response.content.decode())
    assert message in page
    for english in ("lasts", "which is not a number", "columns found", "tremor analysis"):
        assert english not in page
    assert not TremorRecording.objects.exists()


def test_an_unknown_task_is_refused(patient: User, rest_csv: bytes) -> None:
    response = upload(login(patient), rest_csv, task="juggling")
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not TremorRecording.objects.exists()


def test_a_too_large_file_is_refused(patient: User, rest_csv: bytes, settings: Any) -> None:
    settings.QUIETLEGS_MAX_TREMOR_MB = 0
    # small enough to pass the request-length check, larger than the file limit
    response = upload(login(patient), rest_csv[:1000])
    assert response.status_code == 400
    assert "The file is too large (1 MB); the limit is 0 MB." in response.content.decode()
    assert not TremorRecording.objects.exists()


def test_a_request_larger_than_the_limit_is_refused_before_parsing(
    patient: User, rest_csv: bytes, settings: Any, tremor_settings: Path
) -> None:
    settings.QUIETLEGS_MAX_TREMOR_MB = 0
    client = login(patient)
    response = upload(client, rest_csv)  # ~150 KB: above 0 MB plus the form allowance
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "The file is too large; the limit is 0 MB." in page.content.decode()
    assert not TremorRecording.objects.exists()
    assert stored_files(tremor_settings) == []


def test_csrf_is_enforced(patient: User, rest_csv: bytes) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    assert upload(client, rest_csv).status_code == 403
    assert not TremorRecording.objects.exists()


def test_the_service_refuses_someone_else_uploading(
    patient: User, clinician: User, rest_csv: bytes, tremor_settings: Path
) -> None:
    with pytest.raises(PermissionError):
        services.submit_recording(
            None, patient, clinician, SimpleUploadedFile("a.csv", rest_csv), "rest"
        )
    assert stored_files(tremor_settings) == []


def test_deleting_the_account_removes_the_files(
    patient: User, rest_csv: bytes, tremor_settings: Path
) -> None:
    upload(login(patient), rest_csv)
    assert len(stored_files(tremor_settings)) == 2
    patient.delete()
    assert not TremorRecording.objects.exists()
    assert stored_files(tremor_settings) == []


def test_the_export_holds_my_tremor_measurements(
    patient: User, other_patient: User, rest_csv: bytes
) -> None:
    upload(login(patient), rest_csv, name="hand.csv")
    upload(login(other_patient), rest_csv, name="theirs.csv")
    data = login(patient).get("/accounts/export/").json()
    assert [t["file_name"] for t in data["tremor_recordings"]] == ["hand.csv"]
    exported = data["tremor_recordings"][0]
    assert exported["task"] == "rest"
    assert exported["result"]["band"]["id"] == "rest_3_7"


def test_staff_see_recordings_in_the_admin_view_only_and_audited(
    patient: User, rest_csv: bytes
) -> None:
    upload(login(patient), rest_csv)
    item = TremorRecording.objects.get()
    staff = login(User.objects.create_superuser("root@example.org", "root@example.org", "x"))
    assert staff.get(reverse("admin:tremor_tremorrecording_changelist")).status_code == 200
    change = reverse("admin:tremor_tremorrecording_change", args=[item.pk])
    page = staff.get(change)
    assert page.status_code == 200
    assert item.stored_path not in page.content.decode()
    assert staff.get(reverse("admin:tremor_tremorrecording_add")).status_code == 403
    assert AuditEvent.objects.filter(
        patient=patient, action="view", object_type="tremorrecording", actor__is_superuser=True
    ).exists()


def test_a_missing_figure_is_a_404(patient: User, rest_csv: bytes) -> None:
    client = login(patient)
    upload(client, rest_csv)
    item = TremorRecording.objects.get()
    Path(item.figure_path).unlink()
    assert client.get(reverse("tremor:figure", args=[item.pk])).status_code == 404
