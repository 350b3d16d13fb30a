from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "quietlegs.web.diary"
    label = "diary"
    verbose_name = "Symptom and sleep diary"

    def ready(self) -> None:
        from quietlegs.web.diary.fhir import diary_resources
        from quietlegs.web.interop.export import register_contributor

        # one Observation per night in the patient's FHIR bundle
        register_contributor("diary", diary_resources)
