"""The report as an A4 PDF, rendered with WeasyPrint from an HTML template."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from quietlegs.web.assessments.models import Assessment

#: Template of the PDF: the report page's content, urgency first, on A4.
PDF_TEMPLATE = "assessments/report_pdf.html"


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render an HTML document to PDF bytes with WeasyPrint.

    Parameters
    ----------
    html : str
        A complete HTML document (its CSS sets the page size).
    base_url : str, optional
        Base for relative links in the document.

    Returns
    -------
    pdf : bytes
        The PDF file.
    """
    from weasyprint import HTML  # imported here: loading it takes a while

    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf


def pdf_filename(assessment: Assessment) -> str:
    """``quietlegs-report-<date>.pdf``, the date being the assessment's."""
    return f"quietlegs-report-{assessment.created_at:%Y-%m-%d}.pdf"


def report_pdf_response(
    request: HttpRequest, assessment: Assessment, context: dict[str, Any]
) -> HttpResponse:
    """An attachment response holding the report as a PDF."""
    html = render_to_string(PDF_TEMPLATE, context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(assessment)}"'
    return response
