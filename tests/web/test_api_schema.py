"""Fuzz the stateless API against its own OpenAPI schema with schemathesis.

For every generated request (schema-valid and schema-invalid bodies and query
strings) the app must not fail (no 5xx), and every response must conform to
the schema: a documented status code and content type, and a body that matches
the documented schema.

The schema describes the *shape* of the answers (question id → true/false,
number, string, list of strings or null); whether they fit the knowledge base
(known question ids, choices, ranges, no contradictions) is the core's check,
answered with a documented 422 that names every problem. A schema-valid request
may therefore be refused, and schemathesis' ``positive_data_acceptance`` check
(which expects every schema-valid request to succeed) does not apply. The
second test generates answers that do fit the knowledge base, so the report
(200) is validated against the schema too.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from quietlegs.knowledge.schema import Question
from quietlegs.web.knowledge import kb

pytestmark = pytest.mark.django_db

#: The app's own schema, loaded through WSGI, without the personal (``me``) endpoints.
#: (Loaded at import: schemathesis' lazy fixture loader does not work with pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).exclude(
    tag="me"
)

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _no_throttling(settings: Any) -> None:
    settings.API_ANON_RATE = "1000000/m"  # the fuzzer is not a client to throttle
    cache.clear()


@schema.parametrize()
@FUZZ
def test_stateless_api_conforms_to_its_schema(case: Any) -> None:
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500


def _answer(question: Question) -> st.SearchStrategy[Any]:
    """Answers that fit one question (not necessarily consistent with the others)."""
    if question.type == "yes_no":
        return st.booleans()
    if question.type == "choice":
        return st.sampled_from(question.choice_ids())
    if question.type == "multi_choice":
        exclusive = [c.id for c in question.choices if c.exclusive]
        others = [c.id for c in question.choices if not c.exclusive]
        alone = st.sampled_from(exclusive).map(lambda c: [c]) if exclusive else st.nothing()
        return alone | st.lists(st.sampled_from(others), min_size=1, unique=True)
    if question.type == "number":
        assert question.range is not None
        low, high = question.range.min, question.range.max
        if question.range.integer:
            return st.integers(int(low), int(high))
        return st.floats(low, high, allow_nan=False)
    return st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    questions = list(kb().questions.values())
    chosen = draw(st.lists(st.sampled_from(questions), unique_by=lambda q: q.id, max_size=40))
    return {q.id: draw(_answer(q)) for q in chosen}


ASSESS = schema["/api/v1/assess"]["POST"]
INTERVIEW = schema["/api/v1/interview/next"]["POST"]


@FUZZ
@given(answers=answer_sets(), lang=st.sampled_from(["en", "ru"]))
def test_answers_that_fit_the_knowledge_base_give_a_conforming_report(
    answers: dict[str, Any], lang: str
) -> None:
    for operation in (ASSESS, INTERVIEW):
        case = operation.Case(body={"answers": answers, "lang": lang})
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        if response.status_code != 200:
            # Only contradictions between answers may be refused.
            assert response.status_code == 422
            problems = [item["msg"] for item in response.json()["detail"]]
            assert all(p.startswith("contradictory answers") for p in problems), problems
