"""People: patients, clinicians, clinic administrators and reception, and what each may see.

Reception staff see their clinic's appointment book and its patients' names and
contacts (``quietlegs.web.scheduling``); :meth:`User.can_access_patient` and
:meth:`User.patients` (clinical records) stay closed to them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from quietlegs.web.clinics.models import Clinic

#: Profile questions (knowledge-base ids) a patient keeps in their profile; they
#: are filled into every new interview so it does not ask them again.
PROFILE_QUESTIONS: tuple[str, ...] = ("age", "sex", "pregnant", "medications", "known_conditions")


class User(AbstractUser):
    """A person with an account. The login name is the e-mail address."""

    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        CLINICIAN = "clinician", _("Clinician")
        CLINIC_ADMIN = "clinic_admin", _("Clinic administrator")
        RECEPTION = "reception", _("Reception")

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT)
    phone = models.CharField(
        _("phone number"),
        max_length=32,
        blank=True,
        help_text=_("For appointment reminders by text message and calls from the clinic."),
    )
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("clinic"),
    )
    preferred_language = models.CharField(
        max_length=5, choices=[("en", "English"), ("ru", "Русский")], default="en"
    )

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="patient") | models.Q(clinic__isnull=False),
                name="staff_roles_belong_to_a_clinic",
            )
        ]

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        """Clinicians and clinic administrators both see their clinic's patients."""
        return (
            self.role in (self.Role.CLINICIAN, self.Role.CLINIC_ADMIN)
            and self.clinic_id is not None
        )

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == self.Role.CLINIC_ADMIN and self.clinic_id is not None

    @property
    def is_reception(self) -> bool:
        """Reception staff book appointments; they never see clinical records."""
        return self.role == self.Role.RECEPTION and self.clinic_id is not None

    @property
    def is_clinic_staff(self) -> bool:
        """Anyone working for a clinic: clinicians, administrators and reception."""
        return self.is_clinician or self.is_reception

    def can_access_patient(self, patient: User) -> bool:
        """Whether this person may read or change ``patient``'s record.

        A patient sees only themselves; a clinician (or clinic admin) only the
        patients registered with their own clinic.
        """
        if not self.is_active or not patient.is_patient:
            return False
        if self.is_patient:
            return self.pk == patient.pk
        return self.is_clinician and patient.clinic_id == self.clinic_id

    def patients(self) -> models.QuerySet[User]:
        """The patients this person may see."""
        qs = User.objects.filter(role=self.Role.PATIENT, is_active=True)
        if self.is_patient:
            return qs.filter(pk=self.pk)
        if self.is_clinician and self.clinic_id is not None:
            return qs.filter(clinic_id=self.clinic_id)
        return qs.none()

    def display_name(self) -> str:
        return self.get_full_name() or self.email or self.username


class PatientProfile(models.Model):
    """A patient's standing answers (age, sex, pregnancy, medicines, conditions)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    answers: models.JSONField[dict[str, Any]] = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.user}"

    def interview_answers(self) -> dict[str, Any]:
        """The profile answers to pre-fill an interview with."""
        return {k: v for k, v in self.answers.items() if k in PROFILE_QUESTIONS and v is not None}
