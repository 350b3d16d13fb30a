from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "quietlegs.web.fhir"
    label = "fhir"
    verbose_name = "FHIR export and import"

    def ready(self) -> None:
        from quietlegs.web.fhir import export

        export.register_builtin_contributors()
