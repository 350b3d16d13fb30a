from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "quietlegs.web.diary"
    label = "diary"
    verbose_name = "Symptom and sleep diary"
