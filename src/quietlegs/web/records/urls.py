from django.urls import path

from quietlegs.web.records import views

app_name = "records"
urlpatterns = [
    path("", views.patient_list, name="patients"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient"),
    path("patients/<int:patient_id>/labs/", views.add_lab_result, name="add_lab"),
    path("patients/<int:patient_id>/findings/", views.add_exam_finding, name="add_finding"),
    path("patients/<int:patient_id>/notes/", views.add_note, name="add_note"),
    path("patients/<int:patient_id>/psg/", views.upload_psg, name="upload_psg"),
    path("patients/<int:patient_id>/psg/<int:study_id>/", views.psg_study, name="psg_study"),
    path(
        "patients/<int:patient_id>/psg/<int:study_id>/<str:name>",
        views.psg_study_file,
        name="psg_study_file",
    ),
]
