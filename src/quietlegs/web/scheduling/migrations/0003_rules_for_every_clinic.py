"""Every clinic has its scheduling rules row.

Until now the row was made the first time a page read the rules (a write on a GET);
from now on it is made with the clinic (``seed_clinic``, the ``post_save`` of
``Clinic``) and reading never writes. This gives the clinics that existed before
theirs, with the default values (those a first read would have given them).
"""

from typing import Any

from django.db import migrations


def add_missing_rules(apps: Any, schema_editor: Any) -> None:
    """Make the default rules row of each clinic that has none."""
    Clinic = apps.get_model("clinics", "Clinic")
    ClinicRules = apps.get_model("scheduling", "ClinicRules")
    missing = Clinic.objects.filter(rules__isnull=True).values_list("pk", flat=True)
    ClinicRules.objects.bulk_create([ClinicRules(clinic_id=pk) for pk in missing])


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0002_alter_invitation_role"),
        ("scheduling", "0002_no_double_booking_and_visit_types"),
    ]

    operations = [migrations.RunPython(add_missing_rules, migrations.RunPython.noop)]
