from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "quietlegs.web.api"
    label = "api"
    verbose_name = "API"
