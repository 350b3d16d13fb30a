"""The vignette suite: the accuracy targets, held by the test suite as well as the benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest

from quietlegs import QuietlegsError
from quietlegs.assessment.vignettes import Vignette, load_vignettes, run_vignette, score_vignettes
from quietlegs.knowledge import KnowledgeBase

VIGNETTES = load_vignettes()


def test_suite_is_large_enough() -> None:
    assert len(VIGNETTES) >= 40


@pytest.mark.parametrize("vignette", VIGNETTES, ids=lambda v: v.id)
def test_vignette_is_well_formed(kb: KnowledgeBase, vignette: Vignette) -> None:
    assert vignette.condition is None or vignette.condition in kb.conditions
    assert set(vignette.red_flags) <= set(kb.red_flags)
    assert set(vignette.tests) <= set(kb.tests)
    run_vignette(kb, vignette)  # answers valid for the knowledge base


@pytest.mark.parametrize(
    "vignette", [v for v in VIGNETTES if v.urgency == "emergency"], ids=lambda v: v.id
)
def test_every_emergency_vignette_is_an_emergency(kb: KnowledgeBase, vignette: Vignette) -> None:
    outcome = run_vignette(kb, vignette)
    assert outcome.urgency == "emergency"
    assert not outcome.missing


def test_accuracy_targets(kb: KnowledgeBase) -> None:
    scores = score_vignettes(kb, VIGNETTES)
    assert scores.emergency_recall == 1.0
    assert scores.triage_accuracy >= 0.90
    assert scores.top3 >= 0.90


def test_malformed_vignette_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "vignettes:\n  - id: x\n    answers: {}\n    expected: {urgency: soon}\n", encoding="utf-8"
    )
    with pytest.raises(
        QuietlegsError, match=r"bad\.yaml: vignette 0 \(x\): expected\.urgency must be one of"
    ):
        load_vignettes(tmp_path)
    (tmp_path / "bad.yaml").write_text("items: []\n", encoding="utf-8")
    with pytest.raises(
        QuietlegsError, match=r"bad\.yaml: expected a mapping with a 'vignettes' list"
    ):
        load_vignettes(tmp_path)


def test_accuracy_targets_hold_through_the_interview(kb: KnowledgeBase) -> None:
    """Only the answers the adaptive interview asks for are used."""
    scores = score_vignettes(kb, VIGNETTES, via_interview=True)
    assert scores.emergency_recall == 1.0
    assert scores.triage_accuracy >= 0.90
    assert scores.top3 >= 0.90
