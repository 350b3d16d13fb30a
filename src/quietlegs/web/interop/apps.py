from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "quietlegs.web.interop"
    label = "fhir"
    verbose_name = "FHIR export and import (interoperability)"

    def ready(self) -> None:
        from quietlegs.web.interop import export

        export.register_builtin_contributors()
