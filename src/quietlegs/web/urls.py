"""URL map of the web app."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for a load balancer (also the load benchmark's baseline)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", include("quietlegs.web.assessments.urls")),
    path("accounts/", include("quietlegs.web.accounts.urls")),
    path("clinic/", include("quietlegs.web.records.urls")),
    path("tremor/", include("quietlegs.web.tremor.urls")),
    path("diary/", include("quietlegs.web.diary.urls")),
    path("clinic/patients/<int:patient_id>/diary/", include("quietlegs.web.diary.clinic_urls")),
    path("clinic/manage/", include("quietlegs.web.clinics.urls")),
    path("api/v1/", include("quietlegs.web.api.urls")),
    path("orders/", include("quietlegs.web.orders.urls")),
    path("visit-reports/", include("quietlegs.web.visitreports.urls")),
    path("fhir/", include("quietlegs.web.interop.urls")),
    path("appointments/", include("quietlegs.web.scheduling.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
