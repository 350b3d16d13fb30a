from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save


class SchedulingConfig(AppConfig):
    name = "quietlegs.web.scheduling"
    label = "scheduling"
    verbose_name = "Appointments"

    def ready(self) -> None:
        from quietlegs.web.clinics.models import Clinic
        from quietlegs.web.interop.export import register_contributor
        from quietlegs.web.scheduling.fhir import appointment_resources

        post_save.connect(_new_clinic, sender=Clinic, dispatch_uid="scheduling-new-clinic")
        # the patient's appointments (with their clinicians and rooms) in the FHIR bundle
        register_contributor("appointments", appointment_resources)


def _new_clinic(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """A new clinic starts with the default visit types (the admin adjusts them)."""
    if created and not raw:
        from quietlegs.web.scheduling.models import seed_visit_types

        seed_visit_types(instance)
