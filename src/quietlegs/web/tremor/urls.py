from django.urls import path

from quietlegs.web.tremor import views

app_name = "tremor"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:recording_id>/", views.report, name="report"),
    path("<int:recording_id>/figure.png", views.figure, name="figure"),
    path("<int:recording_id>/reassess/", views.reassess, name="reassess"),
]
