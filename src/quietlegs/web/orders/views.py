"""Orders in the clinician workspace (order from an assessment, the clinic's open orders,
an order's page with its status steps and result) and, read-only, on the patient's pages.

Only clinicians of the patient's clinic change orders; a patient sees their own; any
other order is a 404. Every page showing an order and every change is audited (in
:mod:`quietlegs.web.orders.services`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from quietlegs import AnswerError
from quietlegs.web import uploads
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.assessments.problems import answer_problems
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.knowledge import current_language
from quietlegs.web.orders import services
from quietlegs.web.orders.forms import CancelForm, OrderItemsForm, ResultForm, ScheduleForm
from quietlegs.web.orders.models import Order
from quietlegs.web.orders.presentation import order_row
from quietlegs.web.orders.templatetags.orders_tags import ORDER_FROM_PARAM
from quietlegs.web.records import services as records
from quietlegs.web.records.views import clinician_required

#: Orders per page of the clinic's list.
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise Http404("Not logged in.")
    return user


def _patient_url(patient: User, assessment: Assessment | None = None) -> str:
    """The orders section of the patient page (showing ``assessment``'s recommendations)."""
    url = reverse("records:patient", args=[patient.pk])
    if assessment is not None:
        url += "?" + urlencode({ORDER_FROM_PARAM: str(assessment.pk)})
    return url + "#orders"


def _add_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's errors on the form's fields (unknown fields: the form's own errors)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- ordering from the patient page -------------------------------------------------------


@require_POST
@clinician_required
def order_from_assessment(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Order all, or the chosen, recommended tests and referrals of one of the patient's
    assessments (the page offers the latest, or the one the clinician chose).

    An assessment id that is not one of this patient's (malformed, another patient's,
    another clinic's) is a 404 and orders nothing.
    """
    clinician = _user(request)
    patient = records.get_patient(clinician, patient_id)
    form = OrderItemsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The order form was incomplete; nothing was ordered."))
        return redirect(_patient_url(patient))
    assessment = services.get_assessment(patient, form.cleaned_data["assessment"])
    latest = Assessment.objects.filter(patient=patient).order_by("-created_at").first()
    back = _patient_url(patient, None if assessment == latest else assessment)
    keys = None if form.cleaned_data["scope"] == "all" else form.cleaned_data["items"]
    try:
        outcome = services.order_recommendations(request, patient, clinician, assessment, keys)
    except PermissionError as exc:
        raise Http404("No such patient.") from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    lang = current_language()
    if outcome.created:
        messages.success(
            request,
            ngettext(
                "%(count)d order was made: %(names)s.",
                "%(count)d orders were made: %(names)s.",
                len(outcome.created),
            )
            % {
                "count": len(outcome.created),
                "names": "; ".join(o.name(lang) for o in outcome.created),
            },
        )
    if outcome.already_open:
        messages.info(
            request,
            _("Already ordered and still open (not ordered again): %(names)s.")
            % {"names": "; ".join(i.name(lang) for i in outcome.already_open)},
        )
    return redirect(back)


# --- the clinic's open orders ------------------------------------------------------------


@require_GET
@clinician_required
def open_orders(request: HttpRequest) -> HttpResponse:
    """The clinic's open orders, most pressing first; filter by kind, status and patient."""
    clinician = _user(request)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()[:100]
    if kind not in Order.Kind.values:
        kind = ""
    if status not in services.OPEN_STATUSES:
        status = ""
    orders = services.open_orders(clinician, kind=kind, status=status, q=q)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    lang = current_language()
    record(request, AuditEvent.Action.VIEW, patient=None, object_type="order_list")
    filters = urlencode({k: v for k, v in (("kind", kind), ("status", status), ("q", q)) if v})
    return render(
        request,
        "orders/open_orders.html",
        {
            "page": page,
            "rows": [order_row(o, lang) for o in page.object_list],
            "kinds": Order.Kind.choices,
            "statuses": [(s, Order.Status(s).label) for s in services.OPEN_STATUSES],
            "kind": kind,
            "status": status,
            "q": q,
            "filters": filters,
            "filtered": bool(kind or status or q),
        },
    )


# --- one order ---------------------------------------------------------------------------


def _render_order(
    request: HttpRequest,
    order: Order,
    *,
    schedule_form: ScheduleForm | None = None,
    cancel_form: CancelForm | None = None,
    result_form: ResultForm | None = None,
    status: int = 200,
) -> HttpResponse:
    lang = current_language()
    problems = [
        str(error)
        for form in (schedule_form, cancel_form, result_form)
        if form is not None
        for error in form.non_field_errors()
    ]
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "row": order_row(order, lang),
            "patient": order.patient,
            "schedule_form": schedule_form or ScheduleForm(),
            "cancel_form": cancel_form or CancelForm(),
            "result_form": result_form or ResultForm(order=order),
            "can_schedule": order.status == Order.Status.ORDERED,
            "max_mb": services.MAX_ATTACHMENT_MB,
            "problems": problems,
        },
        status=status,
    )


@require_GET
@clinician_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    """An order: its reasons, status history and result, and the forms for the next step."""
    order = services.get_order(request, _user(request), order_id)
    return _render_order(request, order)


def _order_url(order: Order) -> str:
    return reverse("orders:order", args=[order.pk])


def _change_order(
    request: HttpRequest,
    order: Order,
    form: Form,
    change: Callable[[], object],
    success_message: str,
) -> HttpResponse | None:
    """Make a status change of ``order`` from a valid ``form``.

    Parameters
    ----------
    request : HttpRequest
        The POST of the order's page.
    order : Order
        The order, already found for the clinician.
    form : Form
        The bound form of the change; ``change`` runs only when it is valid.
    change : callable
        Makes the change through the services (it reads ``form.cleaned_data``).
    success_message : str
        The translated message shown once the change is made.

    Returns
    -------
    HttpResponse or None
        A redirect to the order's page after the change, or ``None`` when the form (or
        the service's errors, put on the form) refused it: the caller then shows the page
        again with the form's errors.

    Raises
    ------
    Http404
        When the services say the clinician may not change the order.
    """
    if not form.is_valid():
        return None
    try:
        change()
    except PermissionError as exc:
        raise Http404("No such order.") from exc
    except ValidationError as exc:
        _add_errors(form, exc)
        return None
    messages.success(request, success_message)
    return redirect(_order_url(order))


@require_POST
@clinician_required
def schedule(request: HttpRequest, order_id: int) -> HttpResponse:
    """Mark an order as scheduled."""
    clinician = _user(request)
    order = services.get_order(request, clinician, order_id)
    form = ScheduleForm(request.POST)
    done = _change_order(
        request,
        order,
        form,
        lambda: services.schedule_order(
            request, order, clinician, scheduled_for=form.cleaned_data["scheduled_for"]
        ),
        _("The order is marked as scheduled."),
    )
    return done or _render_order(request, order, schedule_form=form, status=400)


@require_POST
@clinician_required
def cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    """Cancel an open order."""
    clinician = _user(request)
    order = services.get_order(request, clinician, order_id)
    form = CancelForm(request.POST)
    done = _change_order(
        request,
        order,
        form,
        lambda: services.cancel_order(
            request, order, clinician, reason=form.cleaned_data["reason"]
        ),
        _("The order is cancelled."),
    )
    return done or _render_order(request, order, cancel_form=form, status=400)


@require_POST
@clinician_required
def enter_result(request: HttpRequest, order_id: int) -> HttpResponse:
    """Record an order's result; lab values re-run the assessment."""
    clinician = _user(request)
    order = services.get_order(request, clinician, order_id)
    if uploads.request_too_large(request, services.MAX_ATTACHMENT_MB):
        # Refused before Django reads the body into a temporary file.
        messages.error(request, uploads.too_large_message(services.MAX_ATTACHMENT_MB))
        return redirect(_order_url(order))
    form = ResultForm(request.POST, request.FILES, order=order)
    if form.is_valid():
        try:
            outcome = services.enter_result(
                request,
                order,
                clinician,
                values=form.values(),
                result_date=form.cleaned_data["result_date"],
                text=form.cleaned_data["text"],
                interpretation=form.cleaned_data["interpretation"],
                attachment=form.cleaned_data["attachment"],
                psg_study=form.cleaned_data.get("psg_study"),
            )
        except PermissionError as exc:
            raise Http404("No such order.") from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        except AnswerError as exc:
            form.add_error(
                None,
                _("The assessment could not be re-run, so the result was not saved: %(error)s")
                % {"error": answer_problems(exc)},
            )
        else:
            if outcome.assessment is not None:
                messages.success(
                    request,
                    _("The result was saved and the assessment re-run: %(urgency)s.")
                    % {
                        "urgency": records.urgency_label(
                            outcome.assessment.urgency, current_language()
                        )
                    },
                )
                return HttpResponseRedirect(
                    reverse("records:patient", args=[order.patient.pk]) + "#assessments"
                )
            messages.success(request, _("The result was saved."))
            return redirect(_order_url(order))
    return _render_order(request, order, result_form=form, status=400)


@require_GET
@login_required
def attachment(request: HttpRequest, order_id: int) -> FileResponse:
    """Download an order's attached file (its clinicians, or the patient themselves)."""
    user = _user(request)
    order = services.get_order(request, user, order_id)
    path = services.open_attachment(request, user, order)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=order.attachment_name or path.name,
        content_type=services.attachment_content_type(order),
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- the patient's own orders -------------------------------------------------------------


@require_GET
@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    """A patient's own orders and their results, read-only."""
    user = _user(request)
    if not user.is_patient:
        raise Http404("Not a patient.")
    lang = current_language()
    rows: list[dict[str, Any]] = [order_row(o, lang) for o in services.patient_orders(user)]
    record(request, AuditEvent.Action.VIEW, patient=user, object_type="order_list")
    return render(request, "orders/my_orders.html", {"rows": rows, "patient": user})
