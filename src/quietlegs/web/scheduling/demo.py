"""Demo hours, rooms and devices for the demo clinic (called by ``quietlegs.web.demo``)."""

from __future__ import annotations

from datetime import time

from quietlegs.web.accounts.models import User
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.scheduling.models import Availability, ClinicRules, Resource, VisitType

#: The demo clinic's time zone.
DEMO_TIME_ZONE = "Europe/Moscow"
#: (clinician e-mail, visit type code, weekdays, start, end) of the demo clinic.
DEMO_HOURS: tuple[tuple[str, str, tuple[int, ...], time, time], ...] = (
    ("dr.petrov@demo.quietlegs.org", "first_consultation", (0, 2, 4), time(9), time(13)),
    ("dr.petrov@demo.quietlegs.org", "follow_up", (0, 2, 4), time(14), time(17)),
    ("dr.petrov@demo.quietlegs.org", "psg_study", (1, 3), time(20), time(8)),
    ("dr.ivanova@demo.quietlegs.org", "first_consultation", (1, 3), time(10), time(14)),
    ("dr.ivanova@demo.quietlegs.org", "emg_study", (1, 3), time(15), time(18)),
    ("dr.ivanova@demo.quietlegs.org", "physiotherapy", (0, 4), time(9), time(12)),
)
DEMO_RESOURCES: tuple[tuple[str, str], ...] = (
    ("psg_bed", "Sleep lab bed 1"),
    ("emg_machine", "EMG machine"),
    ("day_hospital_bed", "Day-hospital bed 1"),
    ("day_hospital_bed", "Day-hospital bed 2"),
)


def load_demo_schedule(clinic: Clinic) -> None:
    """Give the demo clinic its time zone, resources and weekly hours.

    The clinic's rules row was made with the clinic (``seed_clinic``); only its zone is
    set here.
    """
    rules = ClinicRules.for_clinic(clinic)
    rules.time_zone = DEMO_TIME_ZONE
    rules.save()
    for kind, name in DEMO_RESOURCES:
        Resource.objects.get_or_create(clinic=clinic, name=name, defaults={"kind": kind})
    for email, code, weekdays, start, end in DEMO_HOURS:
        clinician = User.objects.filter(email=email, clinic=clinic).first()
        visit_type = VisitType.objects.filter(clinic=clinic, code=code).first()
        if clinician is None or visit_type is None:
            continue
        for weekday in weekdays:
            Availability.objects.get_or_create(
                clinic=clinic,
                clinician=clinician,
                visit_type=visit_type,
                weekday=weekday,
                start_time=start,
                end_time=end,
            )
