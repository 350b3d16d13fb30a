"""The diary in the patient's FHIR bundle: one Observation per night.

The contributor :func:`diary_resources` (registered in ``DiaryConfig.ready``) builds the
Observations with the core's :func:`quietlegs.diary.fhir.diary_observations` (mapping in
``docs/monitoring.md``) and gives each the id ``diary-<night>`` (one entry per night and
patient, so the id is unique in the bundle).
"""

from __future__ import annotations

from fhir.resources.resource import Resource

from quietlegs.diary.fhir import IDENTIFIER_SYSTEM, diary_observations
from quietlegs.web.accounts.models import User
from quietlegs.web.diary import services
from quietlegs.web.interop import codes
from quietlegs.web.interop.export import patient_reference


def diary_resources(patient: User, request_user: User | None) -> list[Resource]:
    """Every diary entry of ``patient`` as a validated FHIR Observation, earliest night first."""
    observations = diary_observations(
        services.patient_diary(patient), patient_reference(patient)["reference"]
    )
    for observation in observations:
        night = next(i.value for i in observation.identifier or [] if i.system == IDENTIFIER_SYSTEM)
        observation.id = codes.fhir_id("diary", night)
    return list(observations)
