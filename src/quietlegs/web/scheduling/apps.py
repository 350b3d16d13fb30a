from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


class SchedulingConfig(AppConfig):
    name = "quietlegs.web.scheduling"
    label = "scheduling"
    verbose_name = "Appointments"

    def ready(self) -> None:
        from quietlegs.web.clinics.models import Clinic
        from quietlegs.web.interop.export import register_contributor
        from quietlegs.web.scheduling.fhir import appointment_resources
        from quietlegs.web.scheduling.models import ClinicRules

        post_save.connect(_new_clinic, sender=Clinic, dispatch_uid="scheduling-new-clinic")
        post_save.connect(_rules_changed, sender=ClinicRules, dispatch_uid="rules-saved")
        post_delete.connect(_rules_changed, sender=ClinicRules, dispatch_uid="rules-deleted")
        # the patient's appointments (with their clinicians and rooms) in the FHIR bundle
        register_contributor("appointments", appointment_resources)


def _new_clinic(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """A new clinic starts with its scheduling rules and the default visit types (the
    clinic admin adjusts them)."""
    if created and not raw:
        from quietlegs.web.scheduling.models import seed_clinic

        seed_clinic(instance)


def _rules_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Rules saved or deleted: forget the cached time zone of their clinic.

    At once, and again when the transaction commits, so that a request that read the
    old row between the two cannot leave it in the cache.
    """
    from django.core.cache import cache

    from quietlegs.web.scheduling.models import time_zone_cache_key

    key = time_zone_cache_key(instance.clinic_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)
