from django.apps import AppConfig


class TremorConfig(AppConfig):
    name = "quietlegs.web.tremor"
    label = "tremor"
    verbose_name = "Tremor recordings"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from quietlegs.web.interop.export import register_contributor
        from quietlegs.web.tremor.fhir import tremor_resources
        from quietlegs.web.tremor.models import TremorRecording, remove_files
        from quietlegs.web.tremor.visitreport import tremor_sections
        from quietlegs.web.visitreports.sections import register_section_provider

        # Also on a cascade (a deleted account): the files go with the row.
        post_delete.connect(remove_files, sender=TremorRecording, dispatch_uid="tremor-files")
        # one Observation per recording in the patient's FHIR bundle
        register_contributor("tremor", tremor_resources)
        # the latest measurement of each task in visit reports
        register_section_provider("tremor", tremor_sections)
