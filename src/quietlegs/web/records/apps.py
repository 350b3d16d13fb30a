from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "quietlegs.web.records"
    label = "records"
    verbose_name = "Patient records"
