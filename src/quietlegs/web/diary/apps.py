from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "quietlegs.web.diary"
    label = "diary"
    verbose_name = "Symptom and sleep diary"

    def ready(self) -> None:
        from quietlegs.web.diary.fhir import diary_resources
        from quietlegs.web.diary.visitreport import diary_sections
        from quietlegs.web.interop.export import register_contributor
        from quietlegs.web.visitreports.sections import register_section_provider

        # one Observation per night in the patient's FHIR bundle
        register_contributor("diary", diary_resources)
        # augmentation (first, if it warns), the last weeks and the treatments in visit reports
        register_section_provider("diary", diary_sections)
