"""The business rules of orders: what an assessment recommends, ordering it, the status
steps, results (lab values feed the assessment) and attachments.

Views parse the request, call these functions and render. Every function that reads
or changes a patient's orders writes an audit entry; a change is all or nothing.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quietlegs.web import uploads
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.knowledge import kb
from quietlegs.web.orders.models import Order
from quietlegs.web.records import services as records
from quietlegs.web.records.models import LabResult, PSGStudy, lab_question_ids

logger = logging.getLogger("quietlegs.web.orders")

#: The status steps an order may take; ``resulted`` and ``cancelled`` are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    Order.Status.ORDERED: frozenset(
        {Order.Status.SCHEDULED, Order.Status.RESULTED, Order.Status.CANCELLED}
    ),
    Order.Status.SCHEDULED: frozenset({Order.Status.RESULTED, Order.Status.CANCELLED}),
    Order.Status.RESULTED: frozenset(),
    Order.Status.CANCELLED: frozenset(),
}

#: An assessment's urgency → the priority of the orders made from it (FHIR request
#: priorities): an emergency's orders are needed at once, an urgent one's soon.
PRIORITY_OF_URGENCY: dict[str, str] = {
    "emergency": Order.Priority.STAT,
    "urgent": Order.Priority.URGENT,
    "routine": Order.Priority.ROUTINE,
    "self_care": Order.Priority.ROUTINE,
}

#: The largest attached result file, in MB.
MAX_ATTACHMENT_MB = 20

#: Attached result files: extension → (the file's first bytes, content type).
ATTACHMENT_TYPES: dict[str, tuple[bytes, str]] = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
}

OPEN_STATUSES = (Order.Status.ORDERED, Order.Status.SCHEDULED)


# --- what an assessment recommends -----------------------------------------------------------


def item_key(catalogue: str, item_id: str) -> str:
    """The form value of a recommended item: ``test:ferritin_tsat``, ``referral:neurologist``."""
    return f"{catalogue}:{item_id}"


@dataclass
class Recommended:
    """A test or referral an assessment recommends, and its open order if there is one."""

    key: str
    catalogue: str
    item_id: str
    kind: str
    names: dict[str, str]
    reasons: dict[str, list[str]]
    open_order: Order | None = None

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.item_id

    def why(self, lang: str) -> list[str]:
        return self.reasons.get(lang) or self.reasons.get("en") or []


def kind_of(catalogue: str, item_id: str) -> str:
    """The order kind of a catalogue item: a referral is a consultation; a test's kind
    comes from the knowledge base (``other`` if the knowledge base no longer has it)."""
    if catalogue == Order.Catalogue.REFERRAL:
        return Order.Kind.CONSULTATION
    test = kb().tests.get(item_id)
    return test.kind if test is not None else Order.Kind.OTHER


def recommendations(assessment: Assessment) -> list[Recommended]:
    """The tests, then the referrals, the stored report of ``assessment`` recommends.

    Names and reasons are taken from the report as it was given, in every language
    stored; ``open_order`` is the patient's open order for the item, if any.
    """
    reports: dict[str, Any] = assessment.reports
    items: dict[str, Recommended] = {}
    for lang, report in reports.items():
        for catalogue, group in (
            (Order.Catalogue.TEST, "tests"),
            (Order.Catalogue.REFERRAL, "referrals"),
        ):
            for rec in report.get(group, []):
                key = item_key(catalogue, rec["id"])
                item = items.get(key)
                if item is None:
                    item = items[key] = Recommended(
                        key=key,
                        catalogue=catalogue,
                        item_id=rec["id"],
                        kind=kind_of(catalogue, rec["id"]),
                        names={},
                        reasons={},
                    )
                item.names[lang] = rec["name"]
                item.reasons[lang] = list(rec.get("why", []))
    if assessment.patient_id is not None:
        for order in Order.objects.filter(
            patient_id=assessment.patient_id, status__in=OPEN_STATUSES
        ):
            found = items.get(item_key(order.catalogue, order.item_id))
            if found is not None:
                found.open_order = order
    return list(items.values())


# --- who may see which order -----------------------------------------------------------------


def _require_clinician(clinician: User, patient: User) -> None:
    if not clinician.is_clinician or not clinician.can_access_patient(patient):
        raise PermissionError("this person may not change this patient's record")


def visible_orders(user: User) -> models.QuerySet[Order]:
    """The orders ``user`` may see: a patient their own, a clinician their clinic's."""
    return Order.objects.filter(patient__in=user.patients())


def get_order(request: HttpRequest | None, user: User, order_id: int) -> Order:
    """Return order ``order_id`` if ``user`` may see it, and audit the read.

    Raises
    ------
    Http404
        If there is no such order or it belongs to a patient ``user`` may not see
        (the two look the same).
    """
    order = visible_orders(user).select_related("patient").filter(pk=order_id).first()
    if order is None:
        raise Http404("No such order.")
    record(request, AuditEvent.Action.VIEW, patient=order.patient, obj=order, actor=user)
    return order


def patient_orders(patient: User) -> models.QuerySet[Order]:
    """``patient``'s orders: open ones first, then the newest."""
    return (
        Order.objects.filter(patient=patient)
        .select_related("ordered_by", "scheduled_by", "resulted_by", "cancelled_by", "psg_study")
        .prefetch_related("lab_results")
        .annotate(
            open_rank=Case(
                When(status__in=OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_rank", "-ordered_at", "-pk")
    )


def open_orders(
    clinician: User, *, kind: str = "", status: str = "", q: str = ""
) -> models.QuerySet[Order]:
    """The clinic's open orders, most pressing first (priority, then the oldest).

    Parameters
    ----------
    clinician : User
        A clinician or clinic admin; anyone else gets an empty list.
    kind : str
        Keep only this :class:`Order.Kind` (empty: all).
    status : str
        ``ordered`` or ``scheduled`` to keep only one open status (empty: both).
    q : str
        Part of the patient's name or e-mail address.
    """
    if not clinician.is_clinician:
        return Order.objects.none()
    qs = Order.objects.filter(patient__in=clinician.patients(), status__in=OPEN_STATUSES)
    if kind:
        qs = qs.filter(kind=kind)
    if status in OPEN_STATUSES:
        qs = qs.filter(status=status)
    for word in q.split():
        qs = qs.filter(
            Q(patient__first_name__icontains=word)
            | Q(patient__last_name__icontains=word)
            | Q(patient__email__icontains=word)
        )
    rank = Case(
        When(priority=Order.Priority.STAT, then=Value(0)),
        When(priority=Order.Priority.URGENT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        qs.select_related("patient", "ordered_by")
        .annotate(priority_rank=rank)
        .order_by("priority_rank", "ordered_at", "pk")
    )


# --- ordering ---------------------------------------------------------------------------------


@dataclass
class OrderOutcome:
    """What ordering did: the new orders, and the items that already had an open order."""

    created: list[Order] = field(default_factory=list)
    already_open: list[Recommended] = field(default_factory=list)


def get_assessment(patient: User, assessment_id: object) -> Assessment:
    """``patient``'s assessment ``assessment_id``; a 404 for a malformed id or another's."""
    try:
        key = uuid.UUID(str(assessment_id))
    except ValueError as exc:
        raise Http404("No such assessment.") from exc
    found = Assessment.objects.filter(patient=patient, pk=key).first()
    if found is None:
        raise Http404("No such assessment.")
    return found


def order_recommendations(
    request: HttpRequest | None,
    patient: User,
    clinician: User,
    assessment: Assessment,
    keys: Iterable[str] | None = None,
) -> OrderOutcome:
    """Turn an assessment's recommended tests and referrals into orders.

    Parameters
    ----------
    request : HttpRequest | None
        For the audit entries.
    patient, clinician : User
        Whose orders, and who orders (must be a clinician of the patient's clinic).
    assessment : Assessment
        One of ``patient``'s assessments; its urgency gives the priority.
    keys : iterable of str, optional
        The items to order (``test:<id>`` or ``referral:<id>``); ``None`` for every
        recommended item.

    Returns
    -------
    OrderOutcome
        The orders made; items with an open order already are listed, not ordered again.

    Raises
    ------
    ValidationError
        If no item is chosen or an item is not among the assessment's
        recommendations (nothing is ordered).
    PermissionError
        If ``clinician`` may not change ``patient``'s record.
    """
    _require_clinician(clinician, patient)
    if assessment.patient_id != patient.pk:
        raise PermissionError("the assessment is not this patient's")
    recommended = {r.key: r for r in recommendations(assessment)}
    if keys is None:
        chosen = list(recommended)
    else:
        chosen = list(dict.fromkeys(keys))
        unknown = [k for k in chosen if k not in recommended]
        if unknown:
            raise ValidationError(
                _("Not recommended by this assessment: %(items)s. Choose among: %(allowed)s.")
                % {"items": ", ".join(unknown), "allowed": ", ".join(recommended) or "—"},
                code="unknown_item",
            )
    if not chosen:
        raise ValidationError(
            _("Choose at least one test or referral to order."), code="nothing_chosen"
        )
    priority = PRIORITY_OF_URGENCY.get(assessment.urgency, Order.Priority.ROUTINE)
    outcome = OrderOutcome()
    with transaction.atomic():
        for key in chosen:
            item = recommended[key]
            if item.open_order is not None:
                outcome.already_open.append(item)
                continue
            try:
                with transaction.atomic():  # a savepoint: a lost race ends only this item
                    order = Order.objects.create(
                        patient=patient,
                        assessment=assessment,
                        catalogue=item.catalogue,
                        item_id=item.item_id,
                        kind=item.kind,
                        names=item.names,
                        reasons=item.reasons,
                        priority=priority,
                        ordered_by=clinician,
                    )
            except IntegrityError:  # another request ordered it a moment ago
                item.open_order = Order.objects.filter(
                    patient=patient,
                    catalogue=item.catalogue,
                    item_id=item.item_id,
                    status__in=OPEN_STATUSES,
                ).first()
                outcome.already_open.append(item)
                continue
            record(request, AuditEvent.Action.CREATE, patient=patient, obj=order, actor=clinician)
            outcome.created.append(order)
    return outcome


# --- status steps -----------------------------------------------------------------------------


def check_transition(order: Order, new_status: str) -> None:
    """Refuse a status step the order's life does not allow.

    Raises
    ------
    ValidationError
        Naming the current status, the step asked for and the steps allowed.
    """
    allowed = TRANSITIONS.get(order.status, frozenset())
    if new_status in allowed:
        return
    current = (
        Order.Status(order.status).label if order.status in Order.Status.values else order.status
    )
    wanted = Order.Status(new_status).label if new_status in Order.Status.values else new_status
    if not allowed:
        raise ValidationError(
            _("This order is already %(current)s; it cannot become %(wanted)s.")
            % {"current": current, "wanted": wanted},
            code="final",
        )
    raise ValidationError(
        _("An order that is %(current)s cannot become %(wanted)s; it can become: %(allowed)s.")
        % {
            "current": current,
            "wanted": wanted,
            "allowed": ", ".join(str(Order.Status(s).label) for s in sorted(allowed)),
        },
        code="transition",
    )


def _locked(order: Order) -> Order:
    """The order's row, locked until the transaction ends (a no-op lock on SQLite, whose
    IMMEDIATE transactions already run one writer at a time)."""
    return Order.objects.select_for_update().select_related("patient").get(pk=order.pk)


def _transition(
    request: HttpRequest | None,
    order: Order,
    clinician: User,
    status: Order.Status,
    stamp: str,
    **fields: Any,
) -> Order:
    """Move ``order`` to ``status`` under a row lock, stamped and audited.

    Parameters
    ----------
    request : HttpRequest or None
        The request, for the audit entry (``None`` outside a request).
    order : Order
        The order; it is locked and read again, then checked with :func:`check_transition`.
    clinician : User
        Who makes the change: stored in ``<stamp>_by`` and named in the audit entry.
    status : Order.Status
        The new status.
    stamp : str
        The prefix of the order's ``<stamp>_at`` (set to now) and ``<stamp>_by`` fields.
    **fields : Any
        Further fields of the order set with the change (e.g. ``cancel_reason``).

    Returns
    -------
    Order
        The order as saved.

    Raises
    ------
    ValidationError
        If the order cannot move to ``status`` any more (nothing is saved).
    """
    with transaction.atomic():
        locked = _locked(order)
        check_transition(locked, status)
        locked.status = status
        setattr(locked, f"{stamp}_at", timezone.now())
        setattr(locked, f"{stamp}_by", clinician)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", f"{stamp}_at", f"{stamp}_by", *fields])
        record(
            request, AuditEvent.Action.UPDATE, patient=locked.patient, obj=locked, actor=clinician
        )
    return locked


def schedule_order(
    request: HttpRequest | None,
    order: Order,
    clinician: User,
    *,
    scheduled_for: datetime.date | None = None,
) -> Order:
    """Mark an ordered examination as scheduled (optionally for a date, not in the past).

    Raises
    ------
    ValidationError
        If the order is not ``ordered`` any more or the date is in the past.
    PermissionError
        If ``clinician`` may not change the patient's record.
    """
    _require_clinician(clinician, order.patient)
    if scheduled_for is not None and scheduled_for < timezone.localdate():
        raise ValidationError(
            {"scheduled_for": _("The date of the examination cannot be in the past.")},
            code="past",
        )
    return _transition(
        request, order, clinician, Order.Status.SCHEDULED, "scheduled", scheduled_for=scheduled_for
    )


def cancel_order(
    request: HttpRequest | None, order: Order, clinician: User, *, reason: str
) -> Order:
    """Cancel an open order, with the reason.

    Raises
    ------
    ValidationError
        If the reason is empty or too long, or the order is already resulted or cancelled.
    PermissionError
        If ``clinician`` may not change the patient's record.
    """
    _require_clinician(clinician, order.patient)
    reason = reason.strip()
    max_length = Order._meta.get_field("cancel_reason").max_length or 500
    if not reason:
        raise ValidationError({"reason": _("Say why the order is cancelled.")}, code="required")
    if len(reason) > max_length:
        raise ValidationError(
            {
                "reason": _("The text is too long: at most %(max)d characters, got %(length)d.")
                % {"max": max_length, "length": len(reason)}
            },
            code="max_length",
        )
    return _transition(
        request, order, clinician, Order.Status.CANCELLED, "cancelled", cancel_reason=reason
    )


# --- results ----------------------------------------------------------------------------------


def measured_questions(order: Order) -> list[str]:
    """The lab questions whose values a result of ``order`` gives (from the knowledge base)."""
    if order.catalogue != Order.Catalogue.TEST:
        return []
    test = kb().tests.get(order.item_id)
    if test is None:
        return []
    lab_questions = set(lab_question_ids())
    return [q for q in test.measures if q in lab_questions]


def attachment_dir() -> Path:
    """Where attached result files are kept (created on first use)."""
    folder = Path(settings.DATA_DIR) / "orders"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_attachment(uploaded_file: UploadedFile[bytes]) -> str:
    """Check an attached result file; return its extension.

    Raises
    ------
    ValidationError
        If the file is not a PDF, PNG or JPEG (by name and content) or is too large.
    """
    name = uploaded_file.name or ""
    extension = Path(name).suffix.lower()
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "attachment": _(
                    "The file must be a PDF, PNG or JPEG (%(allowed)s); got “%(name)s”."
                )
                % {"allowed": ", ".join(ATTACHMENT_TYPES), "name": name}
            },
            code="extension",
        )
    size = uploaded_file.size or 0
    if size > uploads.limit_bytes(MAX_ATTACHMENT_MB):
        raise ValidationError(
            {"attachment": uploads.size_message(size, MAX_ATTACHMENT_MB)}, code="size"
        )
    magic, _content_type = ATTACHMENT_TYPES[extension]
    uploaded_file.seek(0)
    head = uploaded_file.read(len(magic))
    uploaded_file.seek(0)
    if head != magic:
        raise ValidationError(
            {
                "attachment": _("The file's content is not a %(type)s file.")
                % {"type": extension.lstrip(".").upper()}
            },
            code="content",
        )
    return extension


def _store_attachment(uploaded_file: UploadedFile[bytes], extension: str) -> Path:
    path = attachment_dir() / f"{secrets.token_hex(16)}{extension}"
    with path.open("xb") as out:
        for chunk in uploaded_file.chunks():
            out.write(chunk)
    path.chmod(0o600)
    return path


def attachment_content_type(order: Order) -> str:
    """The content type of an order's attached file (from its checked extension)."""
    extension = Path(order.attachment_path).suffix.lower()
    return ATTACHMENT_TYPES.get(extension, (b"", "application/octet-stream"))[1]


@dataclass
class ResultOutcome:
    """What entering a result did: the order, its lab results and the re-run assessment."""

    order: Order
    lab_results: list[LabResult]
    assessment: Assessment | None


def enter_result(
    request: HttpRequest | None,
    order: Order,
    clinician: User,
    *,
    values: Mapping[str, float | None] | None = None,
    result_date: datetime.date | None = None,
    text: str = "",
    interpretation: str = "",
    attachment: UploadedFile[bytes] | None = None,
    psg_study: PSGStudy | None = None,
) -> ResultOutcome:
    """Record an order's result; lab values become lab results and re-run the assessment.

    Everything happens in one transaction: the order is locked, its status checked,
    the lab results stored, the assessment re-run (once) and the audit entries
    written; if any step fails nothing is kept (an attached file already written is
    removed).

    Parameters
    ----------
    request : HttpRequest | None
        For the audit entries.
    order : Order
        An open order (``ordered`` or ``scheduled``).
    clinician : User
        A clinician of the patient's clinic.
    values : mapping of str to float or None, optional
        Lab values by knowledge-base question (only the questions the order's test
        measures, see :func:`measured_questions`); ``None`` values are skipped.
    result_date : date, optional
        When the sample was taken or the examination done; required with lab
        values, never in the future.
    text : str
        The result as text (a report, a specialist's letter); at most 10 000 characters.
    interpretation : str
        ``""``, ``normal``, ``abnormal`` or ``inconclusive``.
    attachment : UploadedFile, optional
        A PDF, PNG or JPEG of at most ``MAX_ATTACHMENT_MB`` MB.
    psg_study : PSGStudy, optional
        For a polysomnography order: the patient's analysed study that is its result.

    Raises
    ------
    ValidationError
        For an empty result, a value for a question the test does not measure, a value
        outside the knowledge base's range, a date in the future or missing, a bad
        file, another patient's study, or an order that is no longer open.
    AnswerError
        If the re-run assessment fails (nothing is stored).
    PermissionError
        If ``clinician`` may not change the patient's record.
    """
    patient = order.patient
    _require_clinician(clinician, patient)
    given = {q: v for q, v in (values or {}).items() if v is not None}
    measured = measured_questions(order)
    errors: dict[str, list[Any]] = {}

    def problem(field_name: str, message: Any) -> None:
        errors.setdefault(field_name, []).append(message)

    for qid in given:
        if qid not in measured:
            problem(
                "__all__",
                _("This order's test does not measure “%(test)s”; it measures: %(allowed)s.")
                % {"test": qid, "allowed": ", ".join(measured) or "—"},
            )
    text = text.strip()
    max_text = Order._meta.get_field("result_text").max_length or 10000
    if len(text) > max_text:
        problem(
            "text",
            _("The text is too long: at most %(max)d characters, got %(length)d.")
            % {"max": max_text, "length": len(text)},
        )
    if interpretation and interpretation not in Order.Interpretation.values:
        problem("interpretation", _("Unknown interpretation."))
    if result_date is not None and result_date > timezone.localdate():
        problem("result_date", _("The date of the result cannot be in the future."))
    elif result_date is not None:
        try:
            records.check_sample_date(result_date)  # the lab results' own lower bound
        except ValidationError as exc:
            problem("result_date", exc.messages[0])
    if given and result_date is None:
        problem("result_date", _("Give the date of the sample for the lab values."))
    if psg_study is not None and psg_study.patient_id != patient.pk:
        problem("psg_study", _("That sleep study is not this patient's."))
    if not (given or text or attachment or psg_study):
        problem(
            "__all__",
            _("Enter the result: a value, a text, a file or (for a sleep study) the study."),
        )
    lab_results = []
    if result_date is not None and not errors:
        for qid, value in given.items():
            lab = LabResult(
                patient=patient,
                recorded_by=clinician,
                question_id=qid,
                value=value,
                measured_on=result_date,
            )
            try:
                lab.full_clean()
            except ValidationError as exc:
                for message in exc.messages:
                    problem(f"value_{qid}", message)
            lab_results.append(lab)
    extension = ""
    if attachment is not None:
        try:
            extension = check_attachment(attachment)
        except ValidationError as exc:
            for message in exc.messages:
                problem("attachment", message)
    if errors:
        raise ValidationError(errors)

    stored: Path | None = _store_attachment(attachment, extension) if attachment else None
    try:
        with transaction.atomic():
            locked = _locked(order)
            check_transition(locked, Order.Status.RESULTED)
            for lab in lab_results:
                lab.save()
                record(request, AuditEvent.Action.CREATE, patient=patient, obj=lab, actor=clinician)
            assessment = records.rerun_assessment(patient, clinician) if lab_results else None
            locked.status = Order.Status.RESULTED
            locked.resulted_at = timezone.now()
            locked.resulted_by = clinician
            locked.result_date = result_date
            locked.result_text = text
            locked.result_interpretation = interpretation
            locked.psg_study = psg_study
            if stored is not None and attachment is not None:
                locked.attachment_name = (attachment.name or "")[:255]
                locked.attachment_path = str(stored)
                locked.attachment_size = attachment.size
            locked.save()
            locked.lab_results.add(*lab_results)
            record(request, AuditEvent.Action.UPDATE, patient=patient, obj=locked, actor=clinician)
    except BaseException:
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise
    return ResultOutcome(order=locked, lab_results=lab_results, assessment=assessment)


def open_attachment(request: HttpRequest | None, user: User, order: Order) -> Path:
    """The path of an order's attached file, for someone who may see the order (audited).

    Raises
    ------
    Http404
        If the order has no file (or it is missing on disk) or ``user`` may not see it.
    """
    if not user.can_access_patient(order.patient) or not order.attachment_path:
        raise Http404("No such file.")
    path = Path(order.attachment_path)
    if not path.is_file():
        logger.error("order %s: attached file %s is missing", order.pk, path)
        raise Http404("No such file.")
    record(
        request,
        AuditEvent.Action.VIEW,
        patient=order.patient,
        obj=order,
        object_type="order_attachment",
        actor=user,
    )
    return path
