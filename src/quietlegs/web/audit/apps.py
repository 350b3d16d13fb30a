from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "quietlegs.web.audit"
    label = "audit"
    verbose_name = "Audit log"
