"""`quietlegs serve`'s preparation, the demo data, and the production settings checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from quietlegs.web import demo
from quietlegs.web.accounts.models import User
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.clinics.models import Clinic
from quietlegs.web.diary import presentation
from quietlegs.web.diary.models import DiaryEntry
from quietlegs.web.records.models import LabResult

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_demo_data_once_with_working_logins(
    settings: pytest.FixtureRequest, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    logins = demo.load_demo_data()
    assert logins is not None
    roles = sorted(role for role, _, _ in logins)
    assert roles == ["clinic_admin", "clinician", "patient", "patient", "patient", "reception"]
    assert demo.load_demo_data() is None  # not twice
    assert demo.saved_logins() == logins
    assert Clinic.objects.count() == 1
    assert User.objects.filter(role="patient").count() == 3
    assert Assessment.objects.filter(urgency="emergency").exists()
    assert LabResult.objects.filter(question_id="ferritin_ng_ml").exists()
    anna = User.objects.get(email="anna@demo.quietlegs.org")
    assert DiaryEntry.objects.filter(patient=anna).count() == 63
    assert presentation.record_summary(anna, "en")["augmentation"]["warning"]
    assert (tmp_path / "demo-logins.txt").stat().st_mode & 0o077 == 0
    # every printed login works through the real log-in page
    for _, email, password in logins:
        response = Client().post("/accounts/login/", {"username": email, "password": password})
        assert response.status_code == 302, email


@pytest.mark.django_db
def test_migrations_are_committed() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("QUIETLEGS_")}
    full.update({"DJANGO_SETTINGS_MODULE": "quietlegs.web.settings", **env})
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_production_refuses_a_default_secret(tmp_path: Path) -> None:
    result = _settings_in_subprocess(
        {
            "QUIETLEGS_ENV": "production",
            "QUIETLEGS_DATA_DIR": str(tmp_path),
            "QUIETLEGS_ALLOWED_HOSTS": "legs.example.org",
        }
    )
    assert result.returncode != 0
    assert "QUIETLEGS_SECRET_KEY is not set: refusing to start in production" in result.stderr


def test_production_refuses_a_short_secret_and_missing_hosts(tmp_path: Path) -> None:
    short = _settings_in_subprocess(
        {
            "QUIETLEGS_ENV": "production",
            "QUIETLEGS_DATA_DIR": str(tmp_path),
            "QUIETLEGS_SECRET_KEY": "django-insecure-abc",
            "QUIETLEGS_ALLOWED_HOSTS": "x.org",
        }
    )
    assert "must be at least 50 random characters" in short.stderr
    no_hosts = _settings_in_subprocess(
        {
            "QUIETLEGS_ENV": "production",
            "QUIETLEGS_DATA_DIR": str(tmp_path),
            "QUIETLEGS_SECRET_KEY": "k" * 64,
        }
    )
    assert "QUIETLEGS_ALLOWED_HOSTS must name the site's host(s)" in no_hosts.stderr


def test_production_starts_with_a_real_secret(tmp_path: Path) -> None:
    ok = _settings_in_subprocess(
        {
            "QUIETLEGS_ENV": "production",
            "QUIETLEGS_DATA_DIR": str(tmp_path),
            "QUIETLEGS_SECRET_KEY": "s" * 64,
            "QUIETLEGS_ALLOWED_HOSTS": "legs.example.org",
        }
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "False"  # DEBUG is always off in production


def test_unknown_environment_is_refused(tmp_path: Path) -> None:
    bad = _settings_in_subprocess({"QUIETLEGS_ENV": "staging", "QUIETLEGS_DATA_DIR": str(tmp_path)})
    assert "QUIETLEGS_ENV must be 'development' or 'production'; got 'staging'" in bad.stderr


def test_development_keeps_its_generated_secret_out_of_the_repo(tmp_path: Path) -> None:
    first = _settings_in_subprocess({"QUIETLEGS_DATA_DIR": str(tmp_path)})
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0
    key = key_file.read_text()
    _settings_in_subprocess({"QUIETLEGS_DATA_DIR": str(tmp_path)})
    assert key_file.read_text() == key  # reused, not regenerated
