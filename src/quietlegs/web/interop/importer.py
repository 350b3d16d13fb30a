"""Import of a FHIR Bundle: the Patient's demographics and LOINC-coded lab results.

Rules (see ``docs/fhir.md``):

- The Bundle must be valid FHIR R5 JSON; every entry is checked before anything is
  stored, and any problem refuses the whole Bundle with every problem listed (each
  naming its entry).
- Patient: matched in the clinician's clinic by this installation's identifier, else
  by e-mail address; its name, gender and language update the patient. Without a
  match a new patient of the clinic is created (an e-mail address is required and
  must not belong to anyone else). When importing into a given patient's record, the
  Bundle's Patient (if any) must be that patient.
- Observation: a final lab result with a LOINC code quietlegs knows, a quantity in an
  accepted unit (converted exactly into the knowledge base's unit), a value in the
  knowledge base's range and a sample date not in the future. quietlegs' own local
  findings (sleep-study indices, order results) are skipped; any other Observation is
  an error. A result already on record (same test, value and date) is skipped.
- Other resource types are not imported; they are counted and reported.
- The lab results re-run the patient's latest assessment once, in the same transaction.
"""

from __future__ import annotations

import datetime
import json
import math
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.bundle import Bundle
from fhir.resources.observation import Observation
from fhir.resources.patient import Patient
from pydantic import ValidationError as PydanticValidationError

from quietlegs.web.accounts.models import PatientProfile, User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.interop import codes
from quietlegs.web.records import services as records
from quietlegs.web.records.models import LabResult

#: The largest Bundle accepted, in bytes.
MAX_BUNDLE_BYTES = 5 * 1024 * 1024
#: At most this many problems are listed (the rest are counted).
MAX_PROBLEMS = 50
#: Observation statuses that are results (others are refused).
RESULT_STATUSES = frozenset({"final", "amended", "corrected"})
#: Patient.gender → the profile's ``sex`` answer.
SEX_OF_GENDER: dict[str, str] = {"female": "female", "male": "male", "other": "other"}
#: UI languages a Patient's communication may set.
LANGUAGES = ("en", "ru")


@dataclass
class ParsedLab:
    """A lab result read from an Observation, in the knowledge base's unit."""

    entry: int
    question_id: str
    value: float
    measured_on: datetime.date
    subject: str


@dataclass
class ImportOutcome:
    """What an import did."""

    patient: User
    created_patient: bool = False
    updated_fields: list[str] = field(default_factory=list)
    lab_results: list[LabResult] = field(default_factory=list)
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    assessment: Assessment | None = None


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_PROBLEMS]
        if len(self.items) > MAX_PROBLEMS:
            shown.append(
                _("… and %(count)d more problems.") % {"count": len(self.items) - MAX_PROBLEMS}
            )
        raise ValidationError(shown, code="fhir")


def _pydantic_problems(exc: PydanticValidationError, limit: int = 10) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', '')}")
    more = len(exc.errors()) - limit
    if more > 0:
        parts.append(f"… {more} more")
    return "; ".join(parts)


def parse_bundle(data: bytes | str) -> Bundle:
    """Parse and validate a FHIR R5 Bundle from JSON.

    Raises
    ------
    ValidationError
        If the data is too large, not JSON, not a Bundle or not valid FHIR R5; the
        message names what was wrong and where.
    """
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_BUNDLE_BYTES:
        raise ValidationError(
            _("The bundle is too large (%(size)d bytes); the limit is %(limit)d bytes.")
            % {"size": size, "limit": MAX_BUNDLE_BYTES},
            code="size",
        )
    try:
        raw = json.loads(data)
    except json.JSONDecodeError as exc:
        # Python's own message is English; say where, in the reader's language.
        raise ValidationError(
            _(
                "The file is not JSON: the text stops making sense at line %(line)s, "
                "column %(column)s."
            )
            % {"line": exc.lineno, "column": exc.colno},
            code="json",
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("The file is not JSON: it is not UTF-8 text."), code="json"
        ) from exc
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        found = raw.get("resourceType") if isinstance(raw, dict) else type(raw).__name__
        raise ValidationError(
            _("Expected a FHIR Bundle (resourceType “Bundle”); got %(found)s.")
            % {"found": json.dumps(found)},
            code="not_bundle",
        )
    try:
        return Bundle.model_validate(raw)
    except PydanticValidationError as exc:
        raise ValidationError(
            _("The bundle is not valid FHIR R5: %(errors)s") % {"errors": _pydantic_problems(exc)},
            code="invalid",
        ) from exc


# --- reading entries ----------------------------------------------------------------------


def _codings(observation: Observation) -> list[tuple[str, str]]:
    concept = observation.code
    return [(c.system or "", c.code or "") for c in (concept.coding or [])] if concept else []


def _sample_date(observation: Observation) -> datetime.date | None:
    """The date of the sample: effectiveDateTime, effectivePeriod.start, effectiveInstant,
    else issued (in the clinic's time zone)."""
    period = observation.effectivePeriod
    for value in (
        observation.effectiveDateTime,
        observation.effectiveInstant,
        period.start if period is not None else None,
        observation.issued,
    ):
        if value is None:
            continue
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                return timezone.localtime(value).date()
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value)
        try:
            return datetime.date.fromisoformat(text[:10])
        except ValueError:
            if len(text) == 7:  # a year and month only: no day to record
                return None
            continue
    return None


def _read_observation(
    index: int, observation: Observation, problems: _Problems
) -> ParsedLab | bool | None:
    """Read one Observation: a :class:`ParsedLab`, ``False`` when skipped (quietlegs'
    own finding), or ``None`` with the problem recorded."""
    where = _("entry %(n)d (Observation)") % {"n": index + 1}
    codings = _codings(observation)
    lab = next(
        (codes.LAB_BY_LOINC[c] for s, c in codings if s == codes.LOINC and c in codes.LAB_BY_LOINC),
        None,
    )
    if lab is None:
        if any(s in codes.SKIPPED_OBSERVATION_SYSTEMS for s, _c in codings):
            return False
        loinc = [c for s, c in codings if s == codes.LOINC]
        known = ", ".join(
            f"{code} ({c.question_id})" for c in codes.LAB_CODES for code in c.accepted_codes
        )
        if loinc:
            problems.add(
                _(
                    "%(where)s: LOINC code %(code)s is not a lab test quietlegs records; it "
                    "records: %(known)s."
                )
                % {"where": where, "code": ", ".join(loinc), "known": known}
            )
        else:
            shown = ", ".join(f"{s}|{c}" for s, c in codings) or _("none")
            problems.add(
                _(
                    "%(where)s: no LOINC code (codes given: %(codes)s); quietlegs records: "
                    "%(known)s."
                )
                % {"where": where, "codes": shown, "known": known}
            )
        return None
    label = f"{lab.loinc} {lab.question_id}"
    status = observation.status or ""
    ok = True
    if status not in RESULT_STATUSES:
        problems.add(
            _(
                "%(where)s (%(lab)s): status “%(status)s” is not a result; only final, amended or "
                "corrected results are imported."
            )
            % {"where": where, "lab": label, "status": status}
        )
        ok = False
    quantity = observation.valueQuantity
    value: float | None = None
    if quantity is None or quantity.value is None:
        problems.add(
            _("%(where)s (%(lab)s): no valueQuantity; a lab result needs a number and a unit.")
            % {"where": where, "lab": label}
        )
        ok = False
    else:
        unit = (
            (quantity.code if quantity.system == codes.UCUM and quantity.code else None)
            or quantity.unit
            or quantity.code
            or ""
        )
        factor = lab.units.get(unit)
        if factor is None:
            problems.add(
                _("%(where)s (%(lab)s): unit “%(unit)s” is not accepted; use one of: %(units)s.")
                % {"where": where, "lab": label, "unit": unit, "units": ", ".join(lab.units)}
            )
            ok = False
        else:
            value = float(quantity.value) * factor
            if not math.isfinite(value):
                problems.add(
                    _("%(where)s (%(lab)s): the value is not a number.")
                    % {"where": where, "lab": label}
                )
                ok = False
    measured_on = _sample_date(observation)
    if measured_on is None:
        problems.add(
            _(
                "%(where)s (%(lab)s): no date of the sample (effectiveDateTime, "
                "effectivePeriod.start or issued)."
            )
            % {"where": where, "lab": label}
        )
        ok = False
    elif measured_on > timezone.localdate():
        problems.add(
            _("%(where)s (%(lab)s): the date of the sample %(date)s is in the future.")
            % {"where": where, "lab": label, "date": measured_on.isoformat()}
        )
        ok = False
    if ok and value is not None and measured_on is not None:
        check = LabResult(question_id=lab.question_id, value=value, measured_on=measured_on)
        try:
            check.clean()
        except ValidationError as exc:
            problems.add(f"{where} ({label}): {' '.join(exc.messages)}")
            ok = False
    if not ok or value is None or measured_on is None:
        return None
    subject = observation.subject.reference if observation.subject is not None else ""
    return ParsedLab(index, lab.question_id, value, measured_on, subject or "")


# --- the patient -----------------------------------------------------------------------------


def _email(patient: Patient) -> str:
    for contact in patient.telecom or []:
        if contact.system == "email" and contact.value:
            return str(contact.value).strip().lower()
    return ""


def _own_number(patient: Patient) -> str:
    for identifier in patient.identifier or []:
        if identifier.system == codes.patient_system() and identifier.value:
            return str(identifier.value)
    return ""


def _demographics(resource: Patient) -> dict[str, str]:
    """The fields a Patient sets: first and last name, language, sex (profile)."""
    out: dict[str, str] = {}
    names = resource.name or []
    name = next((n for n in names if n.use == "official"), names[0] if names else None)
    if name is not None:
        if name.family:
            out["last_name"] = str(name.family)[:150]
        if name.given:
            out["first_name"] = " ".join(str(g) for g in name.given)[:150]
    for comm in resource.communication or []:
        for coding in comm.language.coding or [] if comm.language else []:
            code = (coding.code or "").split("-")[0].lower()
            if code in LANGUAGES and "preferred_language" not in out:
                out["preferred_language"] = code
    if resource.gender in SEX_OF_GENDER:
        out["sex"] = SEX_OF_GENDER[str(resource.gender)]
    return out


def _match_patient(
    clinician: User, resource: Patient, target: User | None, problems: _Problems
) -> User | None:
    """The patient the Bundle's Patient is, in the clinician's clinic (``None`` to create)."""
    number = _own_number(resource)
    email = _email(resource)
    if target is not None:
        same_number = number == str(target.pk)
        same_email = bool(email) and email == target.email.lower()
        if (number and not same_number) or (email and not same_email) or not (number or email):
            problems.add(
                _(
                    "The bundle's Patient (%(who)s) is not this patient; import it from the "
                    "clinic's import page instead."
                )
                % {"who": email or number or _("no identifier or e-mail address")}
            )
            return None
        return target
    clinic_patients = clinician.patients()
    found = clinic_patients.filter(pk=int(number)).first() if number.isdigit() else None
    if found is not None:
        if email and email != found.email.lower():
            problems.add(
                _(
                    "The bundle's Patient has this installation's number %(number)s, which "
                    "belongs to a patient with another e-mail address; nothing was imported."
                )
                % {"number": number}
            )
            return None
        return found
    if email:
        found = clinic_patients.filter(email__iexact=email).first()
        if found is not None:
            return found
        if (
            User.objects.filter(username__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            problems.add(
                _(
                    "%(email)s already has an account that is not a patient of this clinic; the "
                    "bundle was not imported."
                )
                % {"email": email}
            )
            return None
        return None
    problems.add(
        _(
            "The bundle's Patient matches no patient of this clinic and has no e-mail address "
            "(telecom with system “email”) to create one."
        )
    )
    return None


def _apply_demographics(patient: User, fields: dict[str, str]) -> list[str]:
    changed: list[str] = []
    for name in ("first_name", "last_name", "preferred_language"):
        if name in fields and getattr(patient, name) != fields[name]:
            setattr(patient, name, fields[name])
            changed.append(name)
    if changed:
        patient.save(update_fields=changed)
    if "sex" in fields:
        profile, _created = PatientProfile.objects.get_or_create(user=patient)
        if profile.answers.get("sex") != fields["sex"]:
            profile.answers = {**profile.answers, "sex": fields["sex"]}
            profile.save(update_fields=["answers", "updated_at"])
            changed.append("sex")
    return changed


def _create_patient(
    request: HttpRequest | None, clinician: User, resource: Patient | None, fields: dict[str, str]
) -> User:
    """A new patient of the clinician's clinic from the Bundle's Patient (no password yet:
    they set one with "forgot password")."""
    email = _email(resource) if resource is not None else ""
    if not email:  # _match_patient has refused such a bundle already
        raise ValidationError(_("The bundle's Patient has no e-mail address."), code="email")
    try:
        with transaction.atomic():
            created = User.objects.create_user(
                username=email,
                email=email,
                password=None,
                role=User.Role.PATIENT,
                clinic=clinician.clinic,
                first_name=fields.get("first_name", ""),
                last_name=fields.get("last_name", ""),
                preferred_language=fields.get("preferred_language", "en"),
            )
    except IntegrityError as exc:  # someone registered the address a moment ago
        raise ValidationError(
            _("%(email)s already has an account; import the bundle again to update it.")
            % {"email": email},
            code="email",
        ) from exc
    PatientProfile.objects.create(
        user=created, answers={"sex": fields["sex"]} if "sex" in fields else {}
    )
    record(
        request,
        AuditEvent.Action.CREATE,
        patient=created,
        obj=created,
        object_type="account",
        actor=clinician,
    )
    return created


# --- import ----------------------------------------------------------------------------------


def import_bundle(
    request: HttpRequest | None,
    clinician: User,
    data: bytes | str,
    *,
    patient: User | None = None,
) -> ImportOutcome:
    """Import a Bundle's Patient and lab results, all or nothing.

    Parameters
    ----------
    request : HttpRequest | None
        For the audit entries.
    clinician : User
        A clinician; the patient is matched (or created) in their clinic.
    data : bytes or str
        The Bundle as JSON.
    patient : User, optional
        Import into this patient's record (the Bundle's Patient, if any, must be them).

    Returns
    -------
    ImportOutcome

    Raises
    ------
    ValidationError
        Listing every problem (nothing is stored).
    PermissionError
        If ``clinician`` is not a clinician, or may not see ``patient``.
    """
    if not clinician.is_clinician or (
        patient is not None and not clinician.can_access_patient(patient)
    ):
        raise PermissionError("this person may not import into this clinic's records")
    bundle = parse_bundle(data)
    problems = _Problems()
    patients: list[tuple[int, Patient, str]] = []
    labs: list[ParsedLab] = []
    skipped: Counter[str] = Counter()
    for index, entry in enumerate(bundle.entry or []):
        resource = entry.resource
        if resource is None:
            problems.add(_("entry %(n)d has no resource.") % {"n": index + 1})
            continue
        kind = resource.get_resource_type()
        if isinstance(resource, Patient):
            patients.append((index, resource, str(entry.fullUrl or "")))
        elif isinstance(resource, Observation):
            parsed = _read_observation(index, resource, problems)
            if parsed is False:
                skipped["Observation"] += 1
            elif isinstance(parsed, ParsedLab):
                labs.append(parsed)
        else:
            skipped[kind] += 1
    if len(patients) > 1:
        problems.add(
            _("The bundle has %(count)d Patient resources; import one patient at a time.")
            % {"count": len(patients)}
        )
    bundle_patient = patients[0][1] if len(patients) == 1 else None
    if bundle_patient is None and patient is None and len(patients) == 0:
        problems.add(_("The bundle has no Patient resource, so there is no one to import it for."))
    if bundle_patient is not None:
        refs = {f"Patient/{bundle_patient.id}"} if bundle_patient.id else set()
        if patients[0][2]:
            refs.add(patients[0][2])
            refs.add("Patient/" + patients[0][2].rstrip("/").rsplit("/", 1)[-1])
        for lab in labs:
            if lab.subject and lab.subject not in refs:
                problems.add(
                    _(
                        "entry %(n)d (Observation): its subject %(subject)s is not the bundle's "
                        "Patient."
                    )
                    % {"n": lab.entry + 1, "subject": lab.subject}
                )
    else:
        subjects = {lab.subject for lab in labs if lab.subject}
        if len(subjects) > 1:
            problems.add(
                _(
                    "The Observations are about %(count)d different subjects; import one patient "
                    "at a time."
                )
                % {"count": len(subjects)}
            )
    matched: User | None = None
    if bundle_patient is not None:
        matched = _match_patient(clinician, bundle_patient, patient, problems)
    problems.raise_if_any()

    with transaction.atomic():
        fields = _demographics(bundle_patient) if bundle_patient is not None else {}
        target = matched or patient
        if target is None:  # a Patient no one in the clinic matched: a new patient
            target = _create_patient(request, clinician, bundle_patient, fields)
            outcome = ImportOutcome(patient=target, created_patient=True)
        else:
            outcome = ImportOutcome(patient=target)
            outcome.updated_fields = _apply_demographics(target, fields)
            if outcome.updated_fields:
                record(
                    request,
                    AuditEvent.Action.UPDATE,
                    patient=target,
                    obj=target,
                    object_type="account",
                    actor=clinician,
                )
        outcome.skipped = dict(skipped)
        existing = {
            (r.question_id, r.value, r.measured_on)
            for r in LabResult.objects.filter(patient=target)
        }
        for lab in labs:
            key = (lab.question_id, lab.value, lab.measured_on)
            if key in existing:
                outcome.duplicates += 1
                continue
            existing.add(key)
            result = LabResult.objects.create(
                patient=target,
                recorded_by=clinician,
                question_id=lab.question_id,
                value=lab.value,
                measured_on=lab.measured_on,
            )
            record(request, AuditEvent.Action.CREATE, patient=target, obj=result, actor=clinician)
            outcome.lab_results.append(result)
        if outcome.lab_results:
            outcome.assessment = records.rerun_assessment(target, clinician)
        record(
            request,
            AuditEvent.Action.CREATE,
            patient=target,
            object_type="fhir_import",
            actor=clinician,
        )
    return outcome
