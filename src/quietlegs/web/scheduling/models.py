"""The appointment book: visit types, resources, availability, exceptions, appointments, waitlist.

The rules (availability, exceptions, resources) are turned into slots by the pure
:mod:`quietlegs.scheduling` core; :mod:`quietlegs.web.scheduling.services` books them.

No double booking, ever: an active appointment (booked or arrived) holds its
clinician, and its resource if it needs one, for ``[start, end)``.

- PostgreSQL: exclusion constraints over (clinician, tstzrange) and (resource,
  tstzrange) of active appointments (``btree_gist``), added by migration 0002.
- Every database (SQLite too): unique (clinician, start) and (resource, start) of
  active appointments, and bookings made inside a transaction that first locks a
  :class:`ScheduleLock` row per clinician and resource (see ``services.book``), then
  checks for an overlapping active visit. PostgreSQL locks the row
  (``SELECT ... FOR UPDATE``); SQLite has no row locks, but the settings open every
  transaction with ``BEGIN IMMEDIATE``, which takes the database's write lock, so
  bookings are serialized there too.
"""

from __future__ import annotations

import uuid
from zoneinfo import available_timezones

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from quietlegs.scheduling import VisitSpec
from quietlegs.web.clinics.models import Clinic

#: Statuses in which an appointment holds its time.
ACTIVE_STATUSES: tuple[str, ...] = ("booked", "arrived")


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            _("Enter an IANA time zone name such as Europe/Moscow; got %(value)s."),
            params={"value": value},
            code="time_zone",
        )


#: How long a clinic's time zone stays in the cache (seconds). Saving or deleting the
#: rules drops it at once from the cache this process uses (the shared Redis cache when
#: ``REDIS_URL`` is set); web processes that each keep their own memory cache (several
#: processes without Redis) see a change at the latest after this long.
TIME_ZONE_CACHE_S = 300


def time_zone_cache_key(clinic_id: int) -> str:
    """The cache key of a clinic's time zone name."""
    return f"quietlegs:clinic-time-zone:{clinic_id}"


class ClinicRules(models.Model):
    """A clinic's scheduling rules: one row per clinic, made with the clinic.

    :func:`seed_clinic` makes it when a clinic is created (the ``post_save`` of
    :class:`~quietlegs.web.clinics.models.Clinic`: the admin, the demo data, any code)
    and migration 0003 made it for the clinics that existed before; reading the rules
    (:meth:`for_clinic`) never writes.
    """

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="rules")
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Moscow",
        validators=[validate_time_zone],
        help_text=_("The clinic's IANA time zone, e.g. Europe/Moscow or Europe/Berlin."),
    )
    min_notice_h = models.PositiveIntegerField(
        _("minimum notice to cancel or reschedule online (hours)"),
        default=24,
        help_text=_("Later than this, patients call the clinic instead."),
    )
    min_lead_h = models.PositiveIntegerField(
        _("earliest online booking from now (hours)"),
        default=2,
        help_text=_("Patients cannot book a slot starting sooner than this."),
    )
    horizon_days = models.PositiveIntegerField(
        _("how far ahead patients may book (days)"), default=60
    )
    reminder_h = models.PositiveIntegerField(
        _("send reminders this many hours before the visit"), default=24
    )

    class Meta:
        verbose_name = _("scheduling rules")
        verbose_name_plural = _("scheduling rules")

    def __str__(self) -> str:
        return f"rules of {self.clinic}"

    @classmethod
    def for_clinic(cls, clinic: Clinic) -> ClinicRules:
        """The rules of ``clinic``, read once per ``clinic`` instance; never a write.

        A clinic whose row is missing (one loaded from a fixture, which skips the
        ``post_save`` that makes it) gets the default rules, unsaved: saving them (the
        set-up page does) stores them.
        """
        try:
            rules: ClinicRules = clinic.rules  # the reverse one-to-one caches the row
        except cls.DoesNotExist:
            return cls(clinic=clinic)
        return rules

    @classmethod
    def cached_time_zone(cls, clinic_id: int) -> str:
        """The IANA name of clinic ``clinic_id``'s time zone, from the cache.

        One read-only query when it is not cached (then cached for
        :data:`TIME_ZONE_CACHE_S` seconds); ``""`` when the clinic has no rules row.
        Saving or deleting the rules empties the entry (``forget_time_zone``).
        """
        key = time_zone_cache_key(clinic_id)
        name = cache.get(key)
        if isinstance(name, str):
            return name
        found = cls.objects.filter(clinic_id=clinic_id).values_list("time_zone", flat=True).first()
        name = found or ""
        cache.set(key, name, TIME_ZONE_CACHE_S)
        return name

    def clean(self) -> None:
        if not 1 <= self.horizon_days <= 366:
            raise ValidationError(
                {"horizon_days": _("Enter a number of days from 1 to 366.")}, code="range"
            )
        if self.min_notice_h > 24 * 14 or self.reminder_h > 24 * 14 or self.min_lead_h > 24 * 14:
            raise ValidationError(_("Hours must be at most two weeks (336)."), code="range")


class Resource(models.Model):
    """A room or device some visits need (a PSG bed, an EMG machine)."""

    class Kind(models.TextChoices):
        PSG_BED = "psg_bed", _("PSG bed")
        EMG_MACHINE = "emg_machine", _("EMG machine")
        PHYSIO_ROOM = "physio_room", _("Physiotherapy room")
        DAY_HOSPITAL_BED = "day_hospital_bed", _("Day-hospital bed")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="resource_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class VisitType(models.Model):
    """A kind of visit the clinic books: how long, the buffer after it, what it needs."""

    class Code(models.TextChoices):
        FIRST_CONSULTATION = "first_consultation", _("First consultation")
        FOLLOW_UP = "follow_up", _("Follow-up visit")
        EMG_STUDY = "emg_study", _("EMG study")
        PSG_STUDY = "psg_study", _("PSG (sleep) study")
        PHYSIOTHERAPY = "physiotherapy", _("Physiotherapy session")
        DAY_HOSPITAL = "day_hospital", _("Day-hospital slot")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="visit_types")
    code = models.CharField(_("visit type"), max_length=30, choices=Code.choices)
    duration_min = models.PositiveIntegerField(_("duration (minutes)"))
    buffer_min = models.PositiveIntegerField(_("buffer after the visit (minutes)"), default=0)
    resource_kind = models.CharField(
        _("needs a resource"), max_length=30, choices=Resource.Kind.choices, blank=True
    )
    patients_may_book = models.BooleanField(_("patients may book it online"), default=True)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="visit_type_code_unique")
        ]

    def __str__(self) -> str:
        return str(self.get_code_display())

    @property
    def name(self) -> str:
        return str(self.get_code_display())

    def clean(self) -> None:
        from quietlegs.scheduling import SchedulingError

        try:
            self.spec()
        except SchedulingError as exc:
            # The core names the field by its id ("duration_min must be between 5 and
            # 960 min"); the page names it as the form labels it, in the reader's language.
            problem = exc.problem
            if problem.field in ("duration_min", "buffer_min") and problem.code in (
                "out_of_range",
                "not_a_whole_number",
            ):
                field = self._meta.get_field(problem.field)
                label = capfirst(getattr(field, "verbose_name", problem.field))
                message = _(
                    "%(label)s: enter a whole number from %(low)s to %(high)s; got %(value)s."
                ) % {
                    "label": label,
                    "low": problem.params["low"],
                    "high": problem.params["high"],
                    "value": problem.params["value"],
                }
                raise ValidationError({problem.field: message}, code=problem.code) from exc
            raise ValidationError(
                _("This visit type cannot be saved with these values."), code=problem.code
            ) from exc

    def spec(self) -> VisitSpec:
        """The core's description of this visit type."""
        return VisitSpec(
            self.pk,
            duration_min=self.duration_min,
            buffer_min=self.buffer_min,
            resource_kinds=(self.resource_kind,) if self.resource_kind else (),
        )


#: Durations (min), buffers (min) and resources of the visit types a new clinic starts
#: with; the clinic admin changes them on the schedule set-up page.
DEFAULT_VISIT_TYPES: tuple[tuple[str, int, int, str, bool], ...] = (
    ("first_consultation", 45, 15, "", True),
    ("follow_up", 30, 10, "", True),
    ("emg_study", 60, 15, "emg_machine", False),
    ("psg_study", 600, 0, "psg_bed", False),
    ("physiotherapy", 45, 15, "", True),
    ("day_hospital", 240, 0, "day_hospital_bed", False),
)


def seed_clinic(clinic: Clinic) -> None:
    """Give a new ``clinic`` its scheduling rules and the default visit types."""
    ClinicRules.objects.get_or_create(clinic=clinic)
    seed_visit_types(clinic)


def seed_visit_types(clinic: Clinic) -> None:
    """Give ``clinic`` the default visit types it does not have yet."""
    for code, duration, buffer, resource, bookable in DEFAULT_VISIT_TYPES:
        VisitType.objects.get_or_create(
            clinic=clinic,
            code=code,
            defaults={
                "duration_min": duration,
                "buffer_min": buffer,
                "resource_kind": resource,
                "patients_may_book": bookable,
            },
        )


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Availability(models.Model):
    """Weekly hours: a clinician sees one visit type on a weekday, start to end (local time)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="availability")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="availability",
        verbose_name=_("clinician"),
    )
    visit_type = models.ForeignKey(
        VisitType, on_delete=models.CASCADE, related_name="+", verbose_name=_("visit type")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(
        _("to"), help_text=_("An end before the start runs overnight (a sleep study).")
    )

    class Meta:
        ordering = ["clinician_id", "weekday", "start_time"]
        verbose_name_plural = _("availability")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """A one-off change: closed (holiday, sick day, device repair) or extra hours."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Closed")
        EXTRA = "extra", _("Extra hours")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CLOSED)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinician"),
        help_text=_("Empty: the whole clinic is closed."),
    )
    resource = models.ForeignKey(
        Resource,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resource"),
    )
    visit_type = models.ForeignKey(
        VisitType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visit type"),
        help_text=_("For extra hours: which visits."),
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("to"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["first_day", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.first_day}–{self.last_day}"

    def clean(self) -> None:
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError(
                {"last_day": _("The last day must be on or after the first day.")}, code="order"
            )
        if (self.start_time is None) != (self.end_time is None):
            raise ValidationError(_("Give both times, or neither for whole days."), code="times")
        if self.kind == self.Kind.EXTRA:
            if self.clinician_id is None or self.visit_type_id is None:
                raise ValidationError(
                    _("Extra hours need a clinician and a visit type."), code="extra"
                )
            if self.start_time is None or self.first_day != self.last_day:
                raise ValidationError(
                    _("Extra hours are for one day, with a start and an end time."),
                    code="extra",
                )
        elif self.clinician_id is not None and self.resource_id is not None:
            raise ValidationError(
                _("Close either a clinician or a resource, not both."), code="target"
            )


class ScheduleLock(models.Model):
    """One row per clinician and per resource, locked while booking (portable guard)."""

    key = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.key


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def active(self) -> AppointmentQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


class Appointment(models.Model):
    """A booked visit."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ARRIVED = "arrived", _("Arrived")
        NO_SHOW = "no_show", _("Did not come")
        COMPLETED = "completed", _("Completed")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        RECEPTION = "reception", _("Reception")
        WAITLIST = "waitlist", _("Waitlist offer")

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointments"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clinic_appointments"
    )
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.ONLINE)
    urgency = models.CharField(max_length=20, blank=True)
    reason = models.CharField(_("reason for the visit"), max_length=300, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    #: The booking form's one-time token: the same POST twice books once.
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_to"
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["clinician", "start"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="one_active_visit_per_clinician_start",
            ),
            models.UniqueConstraint(
                fields=["resource", "start"],
                condition=models.Q(status__in=ACTIVE_STATUSES, resource__isnull=False),
                name="one_active_visit_per_resource_start",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "start"]),
            models.Index(fields=["status", "start"]),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.visit_type} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class WaitlistEntry(models.Model):
    """A patient waiting for an earlier or any slot of a visit type (first come, first served).

    ``offered`` while one of its :class:`WaitlistOffer` is open; back to ``waiting`` when
    the patient declines it, it expires or the time is taken; ``booked`` once they book.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a slot")
        BOOKED = "booked", _("Booked")
        REMOVED = "removed", _("Removed")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="waitlist")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("patient"),
    )
    visit_type = models.ForeignKey(
        VisitType, on_delete=models.CASCADE, related_name="+", verbose_name=_("visit type")
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinician"),
        help_text=_("Empty: any clinician."),
    )
    earliest = models.DateField(_("not before"), null=True, blank=True)
    latest = models.DateField(_("not after"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    offered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = _("waitlist entries")

    def __str__(self) -> str:
        return f"{self.patient} waits for {self.visit_type}"


class WaitlistOffer(models.Model):
    """A freed time offered to one waitlist entry, by e-mail with "book" and "no thanks".

    One offer of a time is open at once. Declined, expired (after
    ``QUIETLEGS_WAITLIST_OFFER_H`` hours, never after ``closes_at``) or withdrawn, the
    time goes to the next matching entry (see ``services.offer_slot``); a person is
    offered a time (clinician and start) once, ever.
    """

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("waitlist offer", "Open")
        BOOKED = "booked", pgettext_lazy("waitlist offer", "Booked")
        DECLINED = "declined", pgettext_lazy("waitlist offer", "Declined")
        EXPIRED = "expired", pgettext_lazy("waitlist offer", "Expired")
        WITHDRAWN = "withdrawn", pgettext_lazy("waitlist offer", "Withdrawn")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_offers"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    visit_type = models.ForeignKey(VisitType, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    offered_at = models.DateTimeField()
    #: When the e-mail went out (None: not yet, the periodic job tries again).
    sent_at = models.DateTimeField(null=True, blank=True)
    #: The offer ends then: ``QUIETLEGS_WAITLIST_OFFER_H`` after it was sent, at the latest
    #: at ``closes_at``.
    expires_at = models.DateTimeField()
    #: No offer of this time is open after this: its start, or for a time that had begun
    #: when it was freed (a no-show's), its end.
    closes_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    nonce = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["offered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "clinician", "start"], name="waitlist_offer_once_per_person"
            ),
            models.UniqueConstraint(
                fields=["clinician", "start"],
                condition=models.Q(status="open"),
                name="waitlist_one_open_offer_per_time",
            ),
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(status="open"),
                name="waitlist_one_open_offer_per_entry",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} offered to {self.patient} ({self.status})"
