"""Admin for people: Django's user admin with the role and the clinic; patient profiles.

The login name is the e-mail address, so the add form asks for the e-mail and
uses it as the username. Opening or changing a patient's account is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from quietlegs.web.accounts.models import PatientProfile, User
from quietlegs.web.audit.admin import PatientDataAdmin

if TYPE_CHECKING:
    _UserCreationForm = AdminUserCreationForm[User]
    _UserChangeForm = UserChangeForm[User]
    _DjangoUserAdmin = DjangoUserAdmin[User]
    _ProfileInline = admin.StackedInline[PatientProfile, User]
else:
    _UserCreationForm = AdminUserCreationForm
    _UserChangeForm = UserChangeForm
    _DjangoUserAdmin = DjangoUserAdmin
    _ProfileInline = admin.StackedInline

CLINIC_NEEDED = _("Clinicians and clinic administrators must belong to a clinic.")


def _check_role_and_clinic(form: forms.ModelForm[User], cleaned: dict[str, Any]) -> None:
    role = cleaned.get("role")
    if role and role != User.Role.PATIENT and not cleaned.get("clinic"):
        form.add_error("clinic", CLINIC_NEEDED)


class UserCreationAdminForm(_UserCreationForm):
    """New account: the e-mail address is the login name."""

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role", "clinic")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(username__iexact=email).exists():
            raise forms.ValidationError(
                _("A person with this e-mail address already has an account."), code="exists"
            )
        self.instance.username = email
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_role_and_clinic(self, cleaned)
        return cleaned


class UserChangeAdminForm(_UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_role_and_clinic(self, cleaned)
        return cleaned


class PatientProfileInline(_ProfileInline):
    model = PatientProfile
    can_delete = False
    extra = 0
    readonly_fields = ("updated_at",)


@admin.register(User)
class UserAdmin(PatientDataAdmin, _DjangoUserAdmin):
    """Django's user admin with the role, the clinic and the preferred language."""

    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "clinic",
        "is_active",
        "is_staff",
        "date_joined",
    )
    list_filter = ("role", "clinic", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "first_name", "last_name")
    list_select_related = ("clinic",)
    inlines = (PatientProfileInline,)
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("quietlegs"), {"fields": ("role", "clinic", "preferred_language")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "role",
                    "clinic",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def patient_of(self, obj: Any) -> Any:
        return obj if isinstance(obj, User) and obj.is_patient else None

    def get_inlines(self, request: Any, obj: Any) -> Any:
        return self.inlines if obj is not None and obj.is_patient else ()


@admin.register(PatientProfile)
class PatientProfileAdmin(PatientDataAdmin):
    list_display = ("user", "updated_at")
    search_fields = ("user__email", "user__last_name")
    readonly_fields = ("updated_at",)
    list_select_related = ("user",)

    def patient_of(self, obj: Any) -> Any:
        return getattr(obj, "user", None)
