"""Account forms: sign-up, log-in by e-mail, the profile built from knowledge-base questions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from quietlegs._errors import AnswerError
from quietlegs.assessment import normalize_answers
from quietlegs.knowledge.schema import Question
from quietlegs.web.accounts.models import PROFILE_QUESTIONS, PatientProfile, User
from quietlegs.web.assessments.forms import answer_field, initial_value, unit_of
from quietlegs.web.assessments.problems import answer_problem
from quietlegs.web.assessments.session import contradictions, may_apply, not_applicable
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.knowledge import kb


def normalize_email(value: str) -> str:
    """E-mail addresses are the login name: compared without case or spaces."""
    return value.strip().lower()


class SignupForm(forms.Form):
    """A new patient account: e-mail, password twice, optional name, language, clinic."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    clinic = forms.ModelChoiceField(
        label=_("Your clinic (optional)"),
        queryset=Clinic.objects.none(),
        required=False,
        empty_label=_("No clinic"),
        help_text=_("The clinicians of the clinic you choose can see your reports."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["clinic"]
        assert isinstance(field, forms.ModelChoiceField)  # for the type checker
        field.queryset = Clinic.objects.filter(accepts_patients=True)

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(username__iexact=email).exists() or (
            User.objects.filter(email__iexact=email).exists()
        ):
            raise forms.ValidationError(
                _("An account with this e-mail address already exists. Log in instead."),
                code="duplicate",
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first:
            probe = User(
                username=cleaned.get("email", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("name", ""),
            )
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

    def save(self) -> User:
        """Create the patient and their (empty) profile together."""
        data = self.cleaned_data
        with transaction.atomic():
            user = User.objects.create_user(
                username=data["email"],
                email=data["email"],
                password=data["password1"],
                first_name=data.get("name", ""),
                role=User.Role.PATIENT,
                clinic=data.get("clinic"),
                preferred_language=data["language"],
            )
            PatientProfile.objects.create(user=user)
        return user


class EmailAuthenticationForm(AuthenticationForm):
    """Django's log-in form with the e-mail address as the user name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail address")
        self.fields["username"].widget.attrs["autocomplete"] = "email"

    def clean_username(self) -> str:
        return normalize_email(str(self.cleaned_data.get("username", "")))


class ProfileForm(forms.Form):
    """The patient's standing answers, one field per knowledge-base profile question.

    The pregnancy question is offered only when it may apply (its ``ask_if`` is not
    false for the saved answers) and kept only when it applies to the new ones.
    """

    def __init__(self, lang: str, saved: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lang = lang
        self.answers: dict[str, Any] = {}
        self.questions: dict[str, Question] = {}
        knowledge = kb()
        for qid in PROFILE_QUESTIONS:
            question = knowledge.questions.get(qid)
            if question is None:
                continue
            if not may_apply(knowledge, qid, saved):
                continue
            field = answer_field(question, lang, required=False)
            unit = unit_of(question, lang)
            if unit:
                field.label = f"{field.label} ({unit})"
            field.initial = initial_value(question, saved.get(qid))
            self.fields[qid] = field
            self.questions[qid] = question

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        knowledge = kb()
        answers = {qid: cleaned[qid] for qid in self.questions if cleaned.get(qid) is not None}
        for qid in not_applicable(knowledge, answers):
            answers.pop(qid)
        try:
            normalize_answers(knowledge, answers)
        except AnswerError as exc:
            for message in contradictions(knowledge, answers, self.lang) or [
                answer_problem(p) for p in exc.details
            ]:
                self.add_error(None, message)
        self.answers = answers
        return cleaned


class DeleteAccountForm(forms.Form):
    """Confirm deleting the account with the current password."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = str(self.cleaned_data.get("password", ""))
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."), code="wrong")
        return password
