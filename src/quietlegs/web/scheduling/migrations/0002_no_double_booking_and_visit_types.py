"""No double booking on PostgreSQL (exclusion constraints), and default visit types.

The exclusion constraints exist only on PostgreSQL (``btree_gist`` lets a GiST
index compare the clinician or resource id with ``=`` next to the range overlap
``&&``). SQLite has no such constraint; there the unique constraints of 0001 and
the lock rows taken by ``services.book`` guard instead. The operation touches the
database only on PostgreSQL and never the migration state, so the models need no
vendor-specific Meta and ``makemigrations`` stays quiet on both backends.
"""

from typing import Any

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

ACTIVE = "('booked', 'arrived')"

CONSTRAINTS = (
    (
        "no_overlapping_visits_per_clinician",
        "clinician_id WITH =, tstzrange(start, \"end\", '[)') WITH &&",
        f"status IN {ACTIVE}",
    ),
    (
        "no_overlapping_visits_per_resource",
        "resource_id WITH =, tstzrange(start, \"end\", '[)') WITH &&",
        f"status IN {ACTIVE} AND resource_id IS NOT NULL",
    ),
)


class PostgresExclusionConstraints(migrations.operations.base.Operation):
    """Add the exclusion constraints on PostgreSQL; do nothing elsewhere."""

    reversible = True
    reduces_to_sql = True

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, expressions, condition in CONSTRAINTS:
            schema_editor.execute(
                f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {name} "
                f"EXCLUDE USING gist ({expressions}) WHERE ({condition})"
            )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, _expressions, _condition in CONSTRAINTS:
            schema_editor.execute(
                f"ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS {name}"
            )

    def describe(self) -> str:
        return "Exclusion constraints against overlapping active appointments (PostgreSQL)"


DEFAULT_VISIT_TYPES = (
    ("first_consultation", 45, 15, "", True),
    ("follow_up", 30, 10, "", True),
    ("emg_study", 60, 15, "emg_machine", False),
    ("psg_study", 600, 0, "psg_bed", False),
    ("physiotherapy", 45, 15, "", True),
    ("day_hospital", 240, 0, "day_hospital_bed", False),
)


def seed_visit_types(apps: Any, schema_editor: Any) -> None:
    Clinic = apps.get_model("clinics", "Clinic")
    VisitType = apps.get_model("scheduling", "VisitType")
    for clinic in Clinic.objects.all():
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


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        PostgresExclusionConstraints(),
        migrations.RunPython(seed_visit_types, migrations.RunPython.noop),
    ]
