from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "quietlegs.web.clinics"
    label = "clinics"
    verbose_name = "Clinics"
