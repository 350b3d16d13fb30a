from django.urls import path

from quietlegs.web.interop import views

app_name = "fhir"
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient/<int:patient_id>/$everything", views.everything, name="everything"),
    path("import/", views.import_bundle, name="import"),
    path("import/patients/<int:patient_id>/", views.import_into_patient, name="import_patient"),
]
