from django.urls import path

from quietlegs.web.visitreports import views

app_name = "visitreports"
urlpatterns = [
    path("patients/<int:patient_id>/new/", views.new_report, name="new"),
    path("<int:report_id>/", views.report_detail, name="report"),
    path("<int:report_id>/pdf/", views.report_pdf, name="pdf"),
    path("<int:report_id>/amend/", views.amend, name="amend"),
]
