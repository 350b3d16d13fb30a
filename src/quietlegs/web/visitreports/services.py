"""Signing, amending and reading visit reports.

A report is built from the record at the moment of signing
(:func:`quietlegs.web.visitreports.content.build_content`), hashed and stored in one
transaction with its audit entry. A signed report is never edited: an amendment is
a new version built the same way, pointing at the version it replaces.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.visitreports.content import build_content
from quietlegs.web.visitreports.models import VisitReport, content_hash

#: The longest clinician summary, in characters.
MAX_SUMMARY_CHARS = 20000


def _require_clinician(clinician: User, patient: User) -> None:
    if not clinician.is_clinician or not clinician.can_access_patient(patient):
        raise PermissionError("this person may not change this patient's record")


def visible_reports(user: User) -> models.QuerySet[VisitReport]:
    """The reports ``user`` may see: a patient their own, a clinician their clinic's."""
    return VisitReport.objects.filter(patient__in=user.patients())


def get_report(request: HttpRequest | None, user: User, report_id: int) -> VisitReport:
    """Report ``report_id`` if ``user`` may see it (audited); else a 404."""
    report = (
        visible_reports(user)
        .select_related("patient", "signed_by", "amends")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise Http404("No such visit report.")
    record(request, AuditEvent.Action.VIEW, patient=report.patient, obj=report, actor=user)
    return report


def patient_reports(patient: User) -> models.QuerySet[VisitReport]:
    """``patient``'s reports, newest first, with what amended each."""
    return VisitReport.objects.filter(patient=patient).select_related("amended_by", "signed_by")


def latest_version(report: VisitReport) -> VisitReport:
    """The newest version of ``report``'s chain of amendments."""
    current = report
    while True:
        following = VisitReport.objects.filter(amends=current).first()
        if following is None:
            return current
        current = following


@dataclass
class SignOutcome:
    """The signed report, and whether this call signed it (``False``: a repeated submit)."""

    report: VisitReport
    created: bool


def check_fields(visit_date: datetime.date, summary: str) -> str:
    """Check the visit date (not in the future) and the summary (not empty, not too long).

    Returns
    -------
    str
        The summary without surrounding white space.

    Raises
    ------
    ValidationError
        Naming each problem by its field.
    """
    errors: dict[str, list[object]] = {}
    summary = summary.strip()
    if visit_date > timezone.localdate():
        errors["visit_date"] = [_("The date of the visit cannot be in the future.")]
    if not summary:
        errors["summary"] = [_("Write the summary of the visit.")]
    elif len(summary) > MAX_SUMMARY_CHARS:
        errors["summary"] = [
            _("The text is too long: at most %(max)d characters, got %(length)d.")
            % {"max": MAX_SUMMARY_CHARS, "length": len(summary)}
        ]
    if errors:
        raise ValidationError(errors)
    return summary


def sign_report(
    request: HttpRequest | None,
    patient: User,
    clinician: User,
    *,
    visit_date: datetime.date,
    summary: str,
    nonce: uuid.UUID,
    amends: VisitReport | None = None,
) -> SignOutcome:
    """Freeze the record into a new signed report (or a new version of ``amends``).

    Parameters
    ----------
    request : HttpRequest | None
        For the audit entry.
    patient, clinician : User
        Whose visit and who signs (a clinician of the patient's clinic).
    visit_date : date
        The day of the visit (not in the future).
    summary : str
        The clinician's summary.
    nonce : UUID
        The form's one-time key: a second submit of the same form returns the report
        the first one signed instead of signing another.
    amends : VisitReport, optional
        The version this one corrects; it must be the latest of its chain.

    Returns
    -------
    SignOutcome

    Raises
    ------
    ValidationError
        For a bad date or summary, an amended report that is not the latest version
        (nothing is stored), or a one-time key already used for another patient.
    PermissionError
        If ``clinician`` may not change ``patient``'s record.
    """
    _require_clinician(clinician, patient)
    summary = check_fields(visit_date, summary)
    used = VisitReport.objects.filter(nonce=nonce).first()
    if used is not None:
        if used.patient_id != patient.pk:
            raise ValidationError(_("This form was already used; open it again."), code="nonce")
        return SignOutcome(used, created=False)
    if amends is not None:
        if amends.patient_id != patient.pk:
            raise PermissionError("the amended report is not this patient's")
        newer = VisitReport.objects.filter(amends=amends).first()
        if newer is not None:
            raise ValidationError(
                _(
                    "Version %(version)d was already amended by version %(newer)d; "
                    "amend the latest version."
                )
                % {"version": amends.version, "newer": newer.version},
                code="amended",
            )
    assessment = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
    signed_at = timezone.now()
    version = amends.version + 1 if amends is not None else 1
    content = build_content(
        patient,
        clinician,
        visit_date=visit_date,
        summary=summary,
        assessment=assessment,
        signed_at=signed_at,
        version=version,
        amends={"id": amends.pk, "content_hash": amends.content_hash} if amends else None,
    )
    try:
        with transaction.atomic():
            report = VisitReport.objects.create(
                patient=patient,
                version=version,
                amends=amends,
                visit_date=visit_date,
                assessment=assessment,
                summary=summary,
                content=content,
                content_hash=content_hash(content),
                signed_at=signed_at,
                signed_by=clinician,
                signed_by_name=clinician.display_name(),
                nonce=nonce,
            )
            record(request, AuditEvent.Action.CREATE, patient=patient, obj=report, actor=clinician)
    except IntegrityError as exc:  # a concurrent submit of the same form, or amendment
        again = VisitReport.objects.filter(nonce=nonce, patient=patient).first()
        if again is not None:
            return SignOutcome(again, created=False)
        raise ValidationError(
            _("Another version was signed a moment ago; amend the latest version."),
            code="amended",
        ) from exc
    return SignOutcome(report, created=True)
