"""The patient's diary, under ``/diary/``."""

from django.urls import path

from quietlegs.web.diary import (
    converters,  # noqa: F401 - registers <night:...>
    views,
)

app_name = "diary"
urlpatterns = [
    path("", views.home, name="home"),
    path("entry/", views.new_entry, name="new"),
    path("entry/<night:day>/", views.edit_entry, name="edit"),
    path("entry/<night:day>/history/", views.entry_history, name="history"),
    path("export.csv", views.export_csv, name="export"),
    path("fhir.json", views.export_fhir, name="fhir"),
    path("import/", views.import_csv, name="import"),
    path("treatments/", views.treatments, name="treatments"),
    path("treatments/<int:period_id>/change/", views.change_treatment, name="change_treatment"),
    path("treatments/<int:period_id>/stop/", views.stop_treatment, name="stop_treatment"),
    path("summary/", views.summary, name="summary"),
    path("settings/", views.diary_settings, name="settings"),
]
