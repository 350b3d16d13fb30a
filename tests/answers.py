"""Answer sets shared by the tests and the benchmarks (made in code, no files)."""

from __future__ import annotations

from typing import Any

#: A typical adult with clinically significant RLS: all five IRLSSG criteria, symptoms
#: twice a week or more, moderately distressing; no history, no medicines.
TYPICAL_RLS_ANSWERS: dict[str, Any] = {
    "emergency_signs": ["none"],
    "age": 52,
    "sex": "female",
    "pregnant": False,
    "main_symptoms": ["urge_to_move", "unpleasant_sensations"],
    "rls_urge": True,
    "rls_worse_at_rest": True,
    "rls_relieved_by_movement": True,
    "rls_evening_worse": True,
    "rls_frequency": "twice_weekly_or_more",
    "rls_distress": "moderately",
    "known_conditions": ["none"],
    "medications": ["none"],
    "caffeine": "one_two",
    "alcohol": "occasionally",
    "smoking": False,
    "exercise": "moderate",
}
