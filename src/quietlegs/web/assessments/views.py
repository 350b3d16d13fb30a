"""The public assessment: start page, one question per screen, report, PDF."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def start(request: HttpRequest) -> HttpResponse:
    """The landing page: what the assessment is and is not, and a start button."""
    return render(request, "assessments/start.html")
