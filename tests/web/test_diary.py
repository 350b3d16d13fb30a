"""The diary in the web app: permissions, the entry form (hostile input, duplicate and
future nights), history, CSV import and export, treatments, the clinician's view
with the augmentation warning, the JSON API, reminders, and the audit log."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.bundle import Bundle

from quietlegs import DiaryError
from quietlegs.diary import COLUMNS
from quietlegs.web.accounts.models import User
from quietlegs.web.api.models import ApiToken
from quietlegs.web.audit.models import AuditEvent
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.diary import services
from quietlegs.web.diary.models import (
    DiaryEntry,
    DiaryEntryVersion,
    DiarySettings,
    TreatmentChange,
    TreatmentPeriod,
)
from quietlegs.web.records.models import LabResult
from quietlegs.web.scheduling.models import ClinicRules
from tests.web.diarytools import augmented_patient
from tests.web.webtools import login, pin_now

pytestmark = pytest.mark.django_db

API = "/api/v1/me/diary"


@pytest.fixture(autouse=True)
def _mail_and_throttles(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.API_USER_RATE = ""
    settings.API_ANON_RATE = ""


def today() -> dt.date:
    return timezone.localdate()


def night(days_ago: int) -> dt.date:
    return today() - dt.timedelta(days=days_ago)


def form_data(day: dt.date | None = None, **changes: Any) -> dict[str, Any]:
    """A valid entry form; ``changes`` replace fields (None removes one)."""
    data: dict[str, Any] = {
        "day": (day or night(1)).isoformat(),
        "severity": "5",
        "onset": "22:30",
        "rest_latency_min": "20",
        "body_parts": ["legs"],
        "bedtime": "23:00",
        "sleep_latency_min": "30",
        "awakenings": "2",
        "sleep_quality": "6",
        "daytime_sleepiness": "3",
        "caffeine_drinks": "1",
        "last_caffeine": "15:00",
        "alcohol_units": "0",
        "exercise_min": "30",
        "exercise_intensity": "moderate",
        "stress": "on",
        "medications": "21:00 iron",
        "note": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def add(patient: User, day: dt.date, severity: int = 4, **values: Any) -> DiaryEntry:
    from quietlegs.diary import DiaryEntry as CoreEntry

    if severity:
        values.setdefault("body_parts", {"legs"})
        values.setdefault("onset", dt.time(22, 0))
    return services.create_entry(
        None, patient, patient, CoreEntry(day=day, severity=severity, **values)
    )


def csv_text(*rows: dict[str, str]) -> str:
    lines = [",".join(COLUMNS)]
    for row in rows:
        values = {"severity": "0", **row}
        lines.append(",".join(values.get(c, "") for c in COLUMNS))
    return "\n".join(lines) + "\n"


def upload(client: Client, text: str | bytes, name: str = "diary.csv") -> Any:
    content = text.encode() if isinstance(text, str) else text
    handle = io.BytesIO(content)
    handle.name = name
    return client.post("/diary/import/", {"file": handle})


# --- who may see what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/diary/", "/diary/entry/", "/diary/export.csv", "/diary/import/", "/diary/summary/"]
)
def test_the_diary_needs_a_login(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_clinicians_have_no_diary_of_their_own(clinician: User) -> None:
    client = login(clinician)
    assert client.get("/diary/")["Location"] == "/clinic/"
    for url in ("/diary/entry/", "/diary/export.csv", "/diary/treatments/", "/diary/settings/"):
        assert client.get(url).status_code == 404
    assert client.post("/diary/entry/", form_data()).status_code == 404
    assert not DiaryEntry.objects.exists()


def test_patients_cannot_open_the_clinicians_view(patient: User) -> None:
    client = login(patient)
    assert client.get(f"/clinic/patients/{patient.pk}/diary/").status_code == 404
    assert client.get(f"/clinic/patients/{patient.pk}/diary/summary/").status_code == 404


def test_a_clinician_of_another_clinic_gets_a_404_and_changes_nothing(
    patient: User, other_clinician: User
) -> None:
    add(patient, night(1))
    client = login(other_clinician)
    base = f"/clinic/patients/{patient.pk}/diary/"
    for url in (base, base + "summary/", base + "export.csv", base + f"entry/{night(1)}/history/"):
        assert client.get(url).status_code == 404, url
    data = {
        "treatment-treatment_id": "levodopa",
        "treatment-start": night(3).isoformat(),
    }
    assert client.post(base, data).status_code == 404
    assert not TreatmentPeriod.objects.exists()
    assert not AuditEvent.objects.filter(actor=other_clinician).exists()


def test_a_patient_sees_only_their_own_entries(patient: User, other_patient: User) -> None:
    add(other_patient, night(1), severity=9)
    client = login(patient)
    assert client.get(f"/diary/entry/{night(1)}/").status_code == 404
    assert client.get(f"/diary/entry/{night(1)}/history/").status_code == 404
    assert "9" not in client.get("/diary/export.csv").content.decode().splitlines()[-1]
    response = client.post(f"/diary/entry/{night(1)}/", form_data())
    assert response.status_code == 404
    assert DiaryEntry.objects.get().severity == 9


def test_an_impossible_date_in_the_address_is_a_404(patient: User) -> None:
    client = login(patient)
    assert client.get("/diary/entry/2024-02-30/").status_code == 404
    assert client.get("/diary/entry/2024-2-3/").status_code == 404


# --- the entry form ---------------------------------------------------------------------------


def test_a_new_entry_is_saved_and_audited(patient: User) -> None:
    response = login(patient).post("/diary/entry/", form_data())
    assert response.status_code == 302
    assert response["Location"] == "/diary/"
    row = DiaryEntry.objects.get()
    assert (row.patient, row.day, row.severity, row.onset) == (
        patient,
        night(1),
        5,
        dt.time(22, 30),
    )
    assert row.body_parts == ["legs"]
    assert row.medications == [{"name": "iron", "at": "21:00"}]
    assert row.stress
    assert not row.nicotine
    assert row.to_core().exercise_intensity == "moderate"
    event = AuditEvent.objects.get(action="create")
    assert (event.patient, event.object_type, event.object_id) == (
        patient,
        "diaryentry",
        str(row.pk),
    )


def test_a_new_entry_starts_from_the_latest_one(patient: User) -> None:
    add(patient, night(3), severity=6, onset=dt.time(21, 15), caffeine_drinks=2)
    page = login(patient).get(f"/diary/entry/?day={night(1)}").content.decode()
    assert 'value="21:15"' in page
    assert 'name="severity" value="6"' in page.split("checked")[0][-200:] or (
        'value="6" id="id_severity_6" required checked' in page
    )
    assert "Filled in from your entry for the night of" in page
    assert AuditEvent.objects.filter(object_type="diary_defaults", patient=patient).count() == 1


def test_severity_zero_drops_yesterdays_symptom_details(patient: User) -> None:
    data = form_data(severity="0")
    assert login(patient).post("/diary/entry/", data).status_code == 302
    row = DiaryEntry.objects.get()
    assert (row.severity, row.onset, row.rest_latency_min, row.body_parts) == (0, None, None, [])


def test_a_second_entry_for_the_same_night_is_refused_and_nothing_is_overwritten(
    patient: User,
) -> None:
    first = add(patient, night(1), severity=3)
    response = login(patient).post("/diary/entry/", form_data(severity="9"))
    assert response.status_code == 400
    assert "There is already an entry for this night" in response.content.decode()
    first.refresh_from_db()
    assert (first.severity, first.version) == (3, 1)
    assert DiaryEntry.objects.count() == 1


def test_with_too_few_nights_the_triggers_say_only_that(patient: User) -> None:
    client = login(patient)
    client.post("/diary/entry/", form_data(day=night(1)))
    html = client.get("/diary/").content.decode()
    assert "nothing can be said about triggers" in html
    assert "triggers are compared at once" not in html


def test_a_night_in_the_future_is_refused(patient: User) -> None:
    response = login(patient).post("/diary/entry/", form_data(day=night(-1)))
    assert response.status_code == 400
    assert "This night is in the future" in response.content.decode()
    assert not DiaryEntry.objects.exists()


#: 21:30 UTC on Monday 3 June 2030 is 00:30 on Tuesday 4 June in Moscow (UTC+3).
MOSCOW_AFTER_MIDNIGHT = dt.datetime(2030, 6, 3, 21, 30, tzinfo=dt.UTC)


def test_after_midnight_in_the_clinic_its_new_day_is_today(
    clinic: Clinic, patient: User, clinician: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core once took the server's date (UTC): from 00:00 to 03:00 in Moscow the form
    offered a night that the core then refused as "in the future"."""
    rules = ClinicRules.for_clinic(clinic)  # made with the clinic
    rules.time_zone = "Europe/Moscow"
    rules.save()
    pin_now(monkeypatch, MOSCOW_AFTER_MIDNIGHT)
    client = login(patient)
    response = client.post("/diary/entry/", form_data(day=dt.date(2030, 6, 4)))
    assert response.status_code == 302, response.content.decode()
    assert list(DiaryEntry.objects.values_list("day", flat=True)) == [dt.date(2030, 6, 4)]
    response = client.post("/diary/entry/", form_data(day=dt.date(2030, 6, 5)))
    assert response.status_code == 400
    assert "This night is in the future" in response.content.decode()
    response = login(clinician).post(
        f"/clinic/patients/{patient.pk}/diary/",
        {"treatment-treatment_id": "levodopa", "treatment-start": "2030-06-04"},
    )
    assert response.status_code == 302, response.content.decode()
    assert TreatmentPeriod.objects.get().start == dt.date(2030, 6, 4)


def test_the_services_refuse_days_after_today_in_the_clinics_zone(
    patient: User, clinician: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """4 June has begun east of UTC at 21:30 UTC, so the core lets it through; the
    services refuse it where today is still 3 June (here: UTC, the default zone)."""
    pin_now(monkeypatch, MOSCOW_AFTER_MIDNIGHT)
    with pytest.raises(
        DiaryError,
        match=r"day 2030-06-04 is in the future \(today is 2030-06-03\); an entry is about",
    ):
        add(patient, dt.date(2030, 6, 4))
    assert not DiaryEntry.objects.exists()
    with pytest.raises(DiaryError, match=r"'levodopa': start 2030-06-04 is in the future"):
        services.add_period(
            None, patient, clinician, treatment_id="levodopa", start=dt.date(2030, 6, 4)
        )
    with pytest.raises(DiaryError, match=r"'levodopa': stop 2030-06-04 is in the future"):
        services.add_period(
            None,
            patient,
            clinician,
            treatment_id="levodopa",
            start=dt.date(2030, 5, 1),
            stop=dt.date(2030, 6, 4),
        )
    period = services.add_period(
        None, patient, clinician, treatment_id="levodopa", start=dt.date(2030, 5, 1)
    )
    with pytest.raises(DiaryError, match=r"'levodopa': change 2030-06-04 is in the future"):
        services.add_change(None, clinician, period, day=dt.date(2030, 6, 4))
    with pytest.raises(DiaryError, match=r"'levodopa': stop 2030-06-04 is in the future"):
        services.stop_period(None, clinician, period, day=dt.date(2030, 6, 4))
    period.refresh_from_db()
    assert (period.stop, period.changes.count()) == (None, 0)
    assert services.stop_period(None, clinician, period, day=dt.date(2030, 6, 3)).stop == (
        dt.date(2030, 6, 3)
    )


def test_a_link_to_a_future_or_invalid_night_never_opens_another_night(patient: User) -> None:
    client = login(patient)
    client.post("/diary/entry/", form_data(day=today()))  # tonight has an entry
    assert DiaryEntry.objects.count() == 1
    for value, message in (
        (night(-5).isoformat(), "has not begun yet"),
        ("2026-02-30", "is not a date"),
        ("garbage", "is not a date"),
    ):
        response = client.get(f"/diary/entry/?day={value}")
        assert response.status_code == 302
        assert response["Location"] == "/diary/"
        assert message in client.get("/diary/").content.decode()
    assert DiaryEntry.objects.count() == 1
    assert not DiaryEntryVersion.objects.exists()  # tonight's entry was not touched


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"severity": "11"}, "Select a valid choice. 11 is not one of the available choices."),
        ({"severity": "five"}, "Select a valid choice."),
        ({"severity": None}, "This field is required."),
        ({"onset": "25:00"}, "Enter a valid time."),
        ({"rest_latency_min": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"awakenings": "99999999999999999999"}, "Ensure this value is less than or equal to 30"),
        ({"alcohol_units": "nan"}, "Enter a number."),
        ({"body_parts": ["legs", "tail"]}, "Select a valid choice. tail is not one of"),
        ({"body_parts": []}, "Tick where you felt the symptoms."),
        ({"exercise_intensity": ""}, "Choose how hard the exercise was."),
        ({"note": "bad\x00byte"}, "Null characters are not allowed."),
        ({"note": "x" * 1001}, "Ensure this value has at most 1000 characters"),
        ({"medications": "iron at nine"}, "Line 1: write the time first, then the name"),
        ({"medications": "21:00 a;b"}, "Line 1: the time must be 00:00 to 23:59"),
        ({"day": "2024-02-30"}, "Enter a valid date."),
        ({"day": "1999-12-31"}, "This date is too early."),
    ],
)
def test_hostile_and_impossible_input_is_refused_with_a_message(
    patient: User, changes: dict[str, Any], message: str
) -> None:
    data = form_data()
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    response = login(patient).post("/diary/entry/", data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert not DiaryEntry.objects.exists()


def test_markup_in_a_note_is_stored_as_text_and_shown_escaped(patient: User) -> None:
    note = '<script>alert("x")</script>'
    login(patient).post("/diary/entry/", form_data(note=note))
    assert DiaryEntry.objects.get().note == note
    page = login(patient).get(f"/diary/entry/{night(1)}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_the_form_needs_the_csrf_token(patient: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    assert client.post("/diary/entry/", form_data()).status_code == 403
    assert not DiaryEntry.objects.exists()


# --- editing keeps the history ----------------------------------------------------------------


def test_editing_keeps_the_earlier_version(patient: User) -> None:
    row = add(patient, night(2), severity=3, note="first")
    client = login(patient)
    response = client.post(
        f"/diary/entry/{night(2)}/", form_data(day=night(2), severity="7", version="1", note="")
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.severity, row.version, row.note) == (7, 2, "")
    (old,) = DiaryEntryVersion.objects.all()
    assert (old.entry, old.version, old.data["severity"], old.data["note"]) == (row, 1, 3, "first")
    assert AuditEvent.objects.filter(action="update", object_type="diaryentry").count() == 1
    page = client.get(f"/diary/entry/{night(2)}/history/").content.decode()
    assert "Version 1" in page
    assert "first" in page


def test_the_night_of_an_entry_cannot_be_changed(patient: User) -> None:
    add(patient, night(2), severity=3)
    login(patient).post(f"/diary/entry/{night(2)}/", form_data(day=night(5), version="1"))
    assert list(DiaryEntry.objects.values_list("day", flat=True)) == [night(2)]


def test_a_stale_edit_is_refused(patient: User) -> None:
    row = add(patient, night(2), severity=3)
    client = login(patient)
    client.post(f"/diary/entry/{night(2)}/", form_data(day=night(2), severity="4", version="1"))
    response = client.post(
        f"/diary/entry/{night(2)}/", form_data(day=night(2), severity="9", version="1")
    )
    assert response.status_code == 400
    assert "was changed elsewhere since you opened it" in response.content.decode()
    row.refresh_from_db()
    assert (row.severity, row.version) == (4, 2)


def test_the_history_cannot_be_rewritten(patient: User) -> None:
    row = add(patient, night(2))
    services.update_entry(None, patient, patient, row, row.to_core())
    version = DiaryEntryVersion.objects.get()
    version.data = {}
    with pytest.raises(PermissionError, match="diary history cannot be changed"):
        version.save()
    with pytest.raises(PermissionError, match="diary history cannot be changed"):
        DiaryEntryVersion.objects.update(data={})


# --- CSV -------------------------------------------------------------------------------------


def test_export_and_import_round_trip_into_another_account(
    patient: User, other_patient: User
) -> None:
    add(patient, night(3), severity=4, caffeine_drinks=2, note="=1+1")
    add(patient, night(2), severity=0)
    response = login(patient).get("/diary/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert ",'=1+1" in text  # a note that looks like a formula is escaped
    assert AuditEvent.objects.filter(action="export", object_type="diary_csv").count() == 1
    response = upload(login(other_patient), text)
    assert response.status_code == 302
    mine = [(e.day, e.severity, e.note) for e in DiaryEntry.objects.filter(patient=other_patient)]
    assert sorted(mine) == [(night(3), 4, "=1+1"), (night(2), 0, "")]
    assert AuditEvent.objects.filter(action="create", object_type="diary_import").count() == 1


def test_a_bad_row_imports_nothing_and_names_its_row_and_column(patient: User) -> None:
    existing = add(patient, night(10), severity=2)
    text = csv_text(
        {"day": night(5).isoformat(), "severity": "3", "onset": "21:00", "body_parts": "legs"},
        {"day": night(4).isoformat(), "severity": "3", "onset": "25:00", "body_parts": "legs"},
    )
    response = upload(login(patient), text)
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert "Nothing was added" in page
    assert "row 3, column 'onset': '25:00' is not a time of day" in page
    assert list(DiaryEntry.objects.all()) == [existing]
    existing.refresh_from_db()
    assert (existing.severity, existing.version) == (2, 1)


def test_a_night_already_in_the_diary_is_not_overwritten_by_an_import(patient: User) -> None:
    existing = add(patient, night(4), severity=2)
    text = csv_text({"day": night(5).isoformat()}, {"day": night(4).isoformat(), "severity": "0"})
    response = upload(login(patient), text)
    assert response.status_code == 400
    assert "row 3: " + night(4).isoformat() + " already has an entry" in response.content.decode()
    assert DiaryEntry.objects.count() == 1
    existing.refresh_from_db()
    assert existing.severity == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00d\x00a", "The file is not UTF-8 text"),
        ("day,onset\n2024-01-01,21:00\n", "row 1 (header): missing required column(s): severity"),
        (
            "day,severty\n2024-01-01,3\n",
            "row 1 (header): unknown column(s): &#x27;severty&#x27; (did you mean "
            "&#x27;severity&#x27;?); missing required column(s): severity",
        ),
        ("", "The submitted file is empty."),
    ],
)
def test_files_that_are_not_diaries_are_refused(
    patient: User, content: str | bytes, message: str
) -> None:
    response = upload(login(patient), content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DiaryEntry.objects.exists()


def test_the_fhir_download_is_a_valid_bundle(patient: User) -> None:
    add(patient, night(2), severity=4)
    add(patient, night(1), severity=2)
    response = login(patient).get("/diary/fhir.json")
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    bundle = Bundle.model_validate(json.loads(response.content))
    assert [e.resource.effectiveDateTime.isoformat() for e in bundle.entry] == [  # type: ignore[union-attr]
        night(2).isoformat(),
        night(1).isoformat(),
    ]
    assert AuditEvent.objects.filter(action="export", object_type="diary_fhir").count() == 1


# --- treatments ----------------------------------------------------------------------------


def test_a_clinician_records_a_treatment_with_a_change_and_a_stop(
    patient: User, clinician: User
) -> None:
    client = login(clinician)
    base = f"/clinic/patients/{patient.pk}/diary/"
    response = client.post(
        base,
        {"treatment-treatment_id": "dopamine_agonists_non_ergot", "treatment-start": night(30)},
    )
    assert response.status_code == 302
    period = TreatmentPeriod.objects.get()
    assert (period.recorded_as, period.recorded_by, period.stop) == ("clinician", clinician, None)
    assert services.core_periods(patient)[0].dopaminergic
    response = client.post(
        f"{base}treatments/{period.pk}/change/", {f"p{period.pk}-day": night(20).isoformat()}
    )
    assert response.status_code == 302
    assert list(TreatmentChange.objects.values_list("day", flat=True)) == [night(20)]
    client.post(f"{base}treatments/{period.pk}/stop/", {f"p{period.pk}-day": night(5).isoformat()})
    period.refresh_from_db()
    assert period.stop == night(5)
    assert AuditEvent.objects.filter(patient=patient, object_type="treatmentperiod").count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"treatment-treatment_id": "levodopa", "treatment-start": "x"}, "Enter a valid date."),
        (
            {
                "treatment-treatment_id": "iron_not_advised_high_tsat",
                "treatment-start": "2024-01-01",
            },
            "Select a valid choice.",
        ),
        (
            {
                "treatment-treatment_id": "levodopa",
                "treatment-start": "2024-02-01",
                "treatment-stop": "2024-01-01",
            },
            "The last day is before the first day.",
        ),
    ],
)
def test_impossible_treatments_are_refused(
    patient: User, clinician: User, data: dict[str, str], message: str
) -> None:
    response = login(clinician).post(f"/clinic/patients/{patient.pk}/diary/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TreatmentPeriod.objects.exists()


def test_a_change_outside_the_treatment_is_refused(patient: User, clinician: User) -> None:
    period = services.add_period(
        None, patient, clinician, treatment_id="levodopa", start=night(10), stop=night(5)
    )
    client = login(clinician)
    url = f"/clinic/patients/{patient.pk}/diary/treatments/{period.pk}/change/"
    response = client.post(url, {f"p{period.pk}-day": night(2).isoformat()}, follow=True)
    assert "is after the last day" in response.content.decode()
    assert not TreatmentChange.objects.exists()


def test_patients_add_only_over_the_counter_items_and_change_only_their_own(
    patient: User, clinician: User
) -> None:
    prescribed = services.add_period(
        None, patient, clinician, treatment_id="levodopa", start=night(10)
    )
    client = login(patient)
    ok = client.post(
        "/diary/treatments/",
        {"treatment-treatment_id": "oral_ferrous_sulfate", "treatment-start": night(3)},
    )
    assert ok.status_code == 302
    refused = client.post(
        "/diary/treatments/", {"treatment-treatment_id": "levodopa", "treatment-start": night(3)}
    )
    assert refused.status_code == 400
    assert list(TreatmentPeriod.objects.values_list("treatment_id", "recorded_as")) == [
        ("oral_ferrous_sulfate", "patient"),
        ("levodopa", "clinician"),
    ]
    response = client.post(
        f"/diary/treatments/{prescribed.pk}/stop/", {f"p{prescribed.pk}-day": night(1)}
    )
    assert response.status_code == 404
    prescribed.refresh_from_db()
    assert prescribed.stop is None


def test_lab_results_over_time_come_from_the_record(patient: User, clinician: User) -> None:
    LabResult.objects.create(
        patient=patient, question_id="ferritin_ng_ml", value=35, measured_on=night(60)
    )
    LabResult.objects.create(
        patient=patient, question_id="ferritin_ng_ml", value=80, measured_on=night(5)
    )
    page = login(clinician).get(f"/clinic/patients/{patient.pk}/diary/").content.decode()
    labs = page.split('id="labs"')[1]
    assert labs.index("35") < labs.index("80")


# --- the clinician's view and the augmentation warning ---------------------------------------


def test_the_clinician_sees_the_augmentation_warning_with_its_evidence(
    patient: User, clinician: User
) -> None:
    augmented_patient(patient, clinician)
    client = login(clinician)
    record_page = client.get(f"/clinic/patients/{patient.pk}/").content.decode()
    assert "Possible augmentation: on 7 of the last 7 nights" in record_page
    assert AuditEvent.objects.count() == 1  # the record page still writes one entry
    page = client.get(f"/clinic/patients/{patient.pk}/diary/").content.decode()
    assert page.count('class="meets"') == 7
    assert "MPI" in page
    assert page.index('id="augmentation"') < page.index('id="trends"')  # first thing shown
    assert AuditEvent.objects.filter(object_type="diary", patient=patient).count() == 1


def test_the_patient_sees_the_warning_with_advice_not_to_stop_alone(
    patient: User, clinician: User
) -> None:
    augmented_patient(patient, clinician)
    page = login(patient).get("/diary/").content.decode()
    assert "Possible augmentation" in page
    assert "Do not stop or change your medicine on your own" in page


def test_without_a_dopaminergic_treatment_there_is_no_warning(patient: User) -> None:
    for n in range(1, 15):
        add(patient, night(n), severity=6, onset=dt.time(15, 0))
    page = login(patient).get("/diary/").content.decode()
    assert "Possible augmentation" not in page


def test_the_summary_says_it_is_not_a_diagnosis(patient: User, clinician: User) -> None:
    augmented_patient(patient, clinician)
    for client, url in (
        (login(patient), "/diary/summary/"),
        (login(clinician), f"/clinic/patients/{patient.pk}/diary/summary/"),
    ):
        page = client.get(url).content.decode()
        assert "it is not a diagnosis" in page
        assert "emergency number" in page
        assert "<svg" in page
        assert 'role="img"' in page


def test_the_russian_diary_page_is_in_russian(patient: User) -> None:
    add(patient, night(1))
    client = login(patient)
    client.cookies["django_language"] = "ru"
    page = client.get("/diary/").content.decode()
    assert "Мой дневник" in page
    assert "My diary" not in page


# --- the JSON API -------------------------------------------------------------------------------


def api_client(user: User) -> tuple[Client, dict[str, str]]:
    _, secret = ApiToken.issue(user)
    return Client(), {"Authorization": f"Bearer {secret}"}


def body(**changes: Any) -> dict[str, Any]:
    data = {"day": night(1).isoformat(), "severity": 4, "onset": "22:00", "body_parts": ["legs"]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_api_create_read_update_and_history(patient: User) -> None:
    client, headers = api_client(patient)
    created = client.post(
        f"{API}/entries", body(), content_type="application/json", headers=headers
    )
    assert created.status_code == 201, created.content
    assert created.json()["version"] == 1
    assert created.json()["source"] == "api"
    listed = client.get(f"{API}/entries", headers=headers).json()
    assert [e["day"] for e in listed] == [night(1).isoformat()]
    one = client.get(f"{API}/entries/{night(1)}", headers=headers).json()
    assert one["onset"] == "22:00"
    changed = client.put(
        f"{API}/entries/{night(1)}",
        {**body(day=None), "severity": 6, "version": 1},
        content_type="application/json",
        headers=headers,
    )
    assert changed.status_code == 200
    assert (changed.json()["severity"], changed.json()["version"]) == (6, 2)
    history = client.get(f"{API}/entries/{night(1)}/history", headers=headers).json()
    assert [(h["version"], h["values"]["severity"]) for h in history] == [(1, 4)]
    kinds = set(AuditEvent.objects.filter(patient=patient).values_list("action", flat=True))
    assert kinds == {"create", "view", "update"}


def test_api_refuses_a_second_entry_for_a_night(patient: User) -> None:
    client, headers = api_client(patient)
    client.post(f"{API}/entries", body(), content_type="application/json", headers=headers)
    again = client.post(
        f"{API}/entries", body(severity=9), content_type="application/json", headers=headers
    )
    assert again.status_code == 409
    assert "There is already an entry for" in again.json()["detail"]
    assert DiaryEntry.objects.get().severity == 4


@pytest.mark.parametrize(
    ("changes", "loc", "message"),
    [
        ({"severity": 11}, ["body", "severity"], "less than or equal to 10"),
        ({"onset": "25:00"}, ["body", "onset"], "should match pattern"),
        ({"severity": 0}, ["body", "onset"], "onset: 22:00 given but severity is 0"),
        ({"body_parts": ["tail"]}, ["body", "body_parts"], "'tail' not allowed"),
        ({"mood": 3}, ["body", "mood"], "Extra inputs are not permitted"),
        ({"note": "a\x00b"}, ["body", "note"], "note: contains control characters"),
    ],
)
def test_api_names_every_problem(
    patient: User, changes: dict[str, Any], loc: list[str], message: str
) -> None:
    client, headers = api_client(patient)
    response = client.post(
        f"{API}/entries", body(**changes), content_type="application/json", headers=headers
    )
    assert response.status_code == 422
    items = response.json()["detail"]
    assert any(i["loc"] == loc and message in i["msg"] for i in items), items
    assert not DiaryEntry.objects.exists()


def test_api_refuses_a_future_night(patient: User) -> None:
    client, headers = api_client(patient)
    response = client.post(
        f"{API}/entries",
        body(day=night(-1).isoformat()),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    assert "is in the future" in response.json()["detail"][0]["msg"]


def test_api_refuses_a_stale_update_and_unknown_nights(patient: User) -> None:
    add(patient, night(1), severity=2)
    client, headers = api_client(patient)
    stale = client.put(
        f"{API}/entries/{night(1)}",
        {**body(day=None), "version": 7},
        content_type="application/json",
        headers=headers,
    )
    assert stale.status_code == 409
    assert "version 1, not 7" in stale.json()["detail"]
    missing = client.put(
        f"{API}/entries/{night(3)}",
        body(day=None),
        content_type="application/json",
        headers=headers,
    )
    assert missing.status_code == 404
    assert DiaryEntry.objects.get().severity == 2


def test_api_is_for_the_patient_themselves(
    patient: User, other_patient: User, clinician: User
) -> None:
    add(other_patient, night(1), severity=8)
    client, headers = api_client(patient)
    assert client.get(f"{API}/entries", headers=headers).json() == []
    assert client.get(f"{API}/entries/{night(1)}", headers=headers).status_code == 404
    doc, doc_headers = api_client(clinician)
    assert doc.get(f"{API}/entries", headers=doc_headers).status_code == 403
    assert Client().get(f"{API}/entries").status_code == 401


# --- reminders (their sending: tests/web/test_diary_reminders.py) ---------------------------


def test_patients_turn_reminders_on_and_off(patient: User) -> None:
    client = login(patient)
    assert client.post("/diary/settings/", {"reminders": "on"}).status_code == 302
    assert DiarySettings.objects.get(patient=patient).reminders
    client.post("/diary/settings/", {})
    assert not DiarySettings.objects.get(patient=patient).reminders
    assert AuditEvent.objects.filter(action="update", object_type="diarysettings").count() == 2


def test_download_all_my_data_includes_the_diary_and_its_history(
    patient: User, clinician: User
) -> None:
    row = add(patient, night(2), severity=3, note="first")
    services.update_entry(None, patient, patient, row, row.to_core())
    services.add_period(None, patient, clinician, treatment_id="levodopa", start=night(9))
    data = json.loads(login(patient).get("/accounts/export/").content)
    (entry,) = data["diary"]
    assert (entry["day"], entry["severity"], entry["version"]) == (night(2).isoformat(), 3, 2)
    assert entry["earlier_versions"][0]["values"]["note"] == "first"
    assert data["treatments"][0]["treatment"] == "levodopa"


def test_minutes_at_rest_agree_with_their_number() -> None:
    from django.utils import translation

    from quietlegs.web.diary.presentation import latency_phrase

    with translation.override("ru"):
        assert [latency_phrase(n) for n in (31, 3, 5, 11)] == [
            "через 31 минуту покоя",
            "через 3 минуты покоя",
            "через 5 минут покоя",
            "через 11 минут покоя",
        ]
    with translation.override("en"):
        assert [latency_phrase(n) for n in (1, 31)] == [
            "after 1 minute at rest",
            "after 31 minutes at rest",
        ]
    assert latency_phrase(None) == "—"
