"""A visit report as an A4 PDF (WeasyPrint), made from its signed content."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from quietlegs.web.assessments.pdf import render_pdf
from quietlegs.web.visitreports.models import VisitReport

PDF_TEMPLATE = "visitreports/report_pdf.html"


def pdf_filename(report: VisitReport) -> str:
    """``quietlegs-visit-<date>-v<version>.pdf``."""
    return f"quietlegs-visit-{report.visit_date:%Y-%m-%d}-v{report.version}.pdf"


def report_pdf_response(
    request: HttpRequest, report: VisitReport, context: dict[str, Any]
) -> HttpResponse:
    """An attachment response holding the report as a PDF."""
    html = render_to_string(PDF_TEMPLATE, context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report)}"'
    response["Cache-Control"] = "private, no-store"
    return response
