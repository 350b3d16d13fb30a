from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "quietlegs.web.assessments"
    label = "assessments"
    verbose_name = "Assessments"
