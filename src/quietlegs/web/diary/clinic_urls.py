"""A patient's diary for their clinician, under ``/clinic/patients/<id>/diary/``."""

from django.urls import path

from quietlegs.web.diary import (
    converters,  # noqa: F401 - registers <night:...>
    views,
)

app_name = "diary_clinic"
urlpatterns = [
    path("", views.clinic_diary, name="diary"),
    path(
        "treatments/<int:period_id>/change/",
        views.clinic_change_treatment,
        name="change_treatment",
    ),
    path("treatments/<int:period_id>/stop/", views.clinic_stop_treatment, name="stop_treatment"),
    path("summary/", views.clinic_summary, name="summary"),
    path("export.csv", views.clinic_export_csv, name="export"),
    path("entry/<night:day>/history/", views.clinic_entry_history, name="history"),
]
