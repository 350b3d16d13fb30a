from django.urls import path

from quietlegs.web.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.start, name="start"),
]
