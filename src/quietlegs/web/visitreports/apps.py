from django.apps import AppConfig


class VisitReportsConfig(AppConfig):
    name = "quietlegs.web.visitreports"
    label = "visitreports"
    verbose_name = "Visit reports"

    def ready(self) -> None:
        from quietlegs.web.visitreports import sections

        sections.register_builtin_providers()
