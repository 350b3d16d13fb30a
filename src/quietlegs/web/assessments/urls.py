from django.urls import path

from quietlegs.web.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.start, name="start"),
    path("assess/start/", views.begin, name="begin"),
    path("assess/q/<slug:question_id>/", views.question, name="question"),
    path("assess/emergency/", views.emergency, name="emergency"),
    path("assessments/<uuid:pk>/", views.report, name="report"),
    path("assessments/<uuid:pk>/pdf/", views.report_pdf, name="report_pdf"),
]
