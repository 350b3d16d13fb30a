"""Clinical vignettes: answer sets with the expected triage and diagnosis.

A vignette file is YAML::

    vignettes:
      - id: rls_typical_adult
        description: "52-year-old woman, evening urge to move relieved by walking"
        references: [allen2014_irlssg]
        answers: {age: 52, sex: female, ...}
        expected:
          urgency: routine
          condition: restless_legs_syndrome   # the correct diagnosis, or null
          red_flags: []                       # flags that must be raised
          tests: [ferritin_tsat]              # tests that must be asked for

:func:`score_vignettes` measures what ``benchmarks/vignettes.py`` prints and
the test suite holds to: emergency recall, triage accuracy, top-1 and top-3.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from quietlegs._errors import QuietlegsError
from quietlegs.assessment.answers import normalize_answers
from quietlegs.assessment.inference import Evaluation, evaluate
from quietlegs.assessment.interview import Interview
from quietlegs.knowledge.loader import KnowledgeBase
from quietlegs.knowledge.schema import URGENCY_LEVELS

#: The suite that ships with the repository.
DEFAULT_VIGNETTE_DIR = Path(__file__).resolve().parents[3] / "vignettes"


@dataclass(frozen=True)
class Vignette:
    """One case with its expected outcome."""

    id: str
    description: str
    answers: dict[str, Any]
    urgency: str
    condition: str | None
    red_flags: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    file: str = ""


@dataclass
class VignetteOutcome:
    """What the engine made of one vignette."""

    vignette: Vignette
    urgency: str
    ranked: list[str]
    red_flags: list[str]
    tests: list[str]

    @property
    def triage_correct(self) -> bool:
        """Whether the urgency is exactly the expected one."""
        return self.urgency == self.vignette.urgency

    @property
    def rank_of_expected(self) -> int | None:
        """1-based rank of the expected condition, or None if not listed."""
        if self.vignette.condition is None:
            return None
        try:
            return self.ranked.index(self.vignette.condition) + 1
        except ValueError:
            return None

    @property
    def missing(self) -> list[str]:
        """Expected red flags and tests the report lacks."""
        return [f"red flag {f}" for f in self.vignette.red_flags if f not in self.red_flags] + [
            f"test {t}" for t in self.vignette.tests if t not in self.tests
        ]


@dataclass
class VignetteScores:
    """Accuracy over a vignette suite (fractions in [0, 1])."""

    outcomes: list[VignetteOutcome] = field(default_factory=list)

    def _frac(self, hits: int, total: int) -> float:
        return hits / total if total else float("nan")

    @property
    def emergency_recall(self) -> float:
        """Share of emergency vignettes triaged as emergency."""
        em = [o for o in self.outcomes if o.vignette.urgency == "emergency"]
        return self._frac(sum(o.urgency == "emergency" for o in em), len(em))

    @property
    def triage_accuracy(self) -> float:
        """Share of vignettes with exactly the expected urgency."""
        return self._frac(sum(o.triage_correct for o in self.outcomes), len(self.outcomes))

    @property
    def under_triage(self) -> float:
        """Share of vignettes triaged *less* urgently than expected (the dangerous error)."""
        rank = {u: i for i, u in enumerate(URGENCY_LEVELS)}
        worse = sum(rank[o.urgency] > rank[o.vignette.urgency] for o in self.outcomes)
        return self._frac(worse, len(self.outcomes))

    def _top(self, k: int) -> float:
        with_dx = [o for o in self.outcomes if o.vignette.condition is not None]
        return self._frac(
            sum(o.rank_of_expected is not None and o.rank_of_expected <= k for o in with_dx),
            len(with_dx),
        )

    @property
    def top1(self) -> float:
        """Share of vignettes with a diagnosis whose diagnosis is ranked first."""
        return self._top(1)

    @property
    def top3(self) -> float:
        """Share of vignettes with a diagnosis whose diagnosis is in the first three."""
        return self._top(3)


def load_vignettes(folder: str | Path | None = None) -> list[Vignette]:
    """Read every ``*.yaml`` vignette file of ``folder``.

    Raises
    ------
    QuietlegsError
        If a file is malformed; the message names the file and the vignette.
    """
    root = Path(folder) if folder is not None else DEFAULT_VIGNETTE_DIR
    out: list[Vignette] = []
    seen: set[str] = set()
    for path in sorted(root.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = data.get("vignettes") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise QuietlegsError(f"{path.name}: expected a mapping with a 'vignettes' list")
        for i, raw in enumerate(items):
            label = raw.get("id", "?") if isinstance(raw, dict) else "?"
            where = f"{path.name}: vignette {i} ({label})"
            if not isinstance(raw, dict) or not isinstance(raw.get("expected"), dict):
                raise QuietlegsError(f"{where}: needs 'id', 'answers' and 'expected'")
            exp = raw["expected"]
            if exp.get("urgency") not in URGENCY_LEVELS:
                raise QuietlegsError(
                    f"{where}: expected.urgency must be one of {list(URGENCY_LEVELS)}; "
                    f"got {exp.get('urgency')!r}"
                )
            vid = str(raw.get("id"))
            if vid in seen:
                raise QuietlegsError(f"{where}: duplicate vignette id {vid!r}")
            seen.add(vid)
            out.append(
                Vignette(
                    id=vid,
                    description=str(raw.get("description", "")),
                    answers=dict(raw.get("answers") or {}),
                    urgency=exp["urgency"],
                    condition=exp.get("condition"),
                    red_flags=tuple(exp.get("red_flags") or ()),
                    tests=tuple(exp.get("tests") or ()),
                    references=tuple(raw.get("references") or ()),
                    file=path.name,
                )
            )
    return out


def run_vignette(kb: KnowledgeBase, vignette: Vignette) -> VignetteOutcome:
    """Assess one vignette.

    Raises
    ------
    AnswerError
        If the vignette's answers do not fit the knowledge base.
    """
    ev: Evaluation = evaluate(kb, normalize_answers(kb, vignette.answers))
    return VignetteOutcome(
        vignette=vignette,
        urgency=ev.urgency,
        ranked=[r.condition.id for r in ev.listed],
        red_flags=list(ev.red_flags),
        tests=list(ev.tests),
    )


def score_vignettes(
    kb: KnowledgeBase, vignettes: Sequence[Vignette], *, via_interview: bool = False
) -> VignetteScores:
    """Assess every vignette and return the scores.

    With ``via_interview=True`` each vignette is first replayed through the adaptive
    interview (:func:`replay_interview`), so only the answers the interview asks for
    are used: this measures whether the interview asks enough.
    """
    if via_interview:
        vignettes = [dataclasses.replace(v, answers=replay_interview(kb, v)[0]) for v in vignettes]
    return VignetteScores([run_vignette(kb, v) for v in vignettes])


def replay_interview(kb: KnowledgeBase, vignette: Vignette) -> tuple[dict[str, Any], list[str]]:
    """Run the interview, answering from the vignette; skip what it does not say.

    Measurements in the vignette (questions whose audience is ``measurement``, e.g. a
    recorded tremor's dominant frequency) are not asked of the patient: they come with
    the answers from the start, as the web app adds a patient's recorded measurements
    when it runs the assessment.

    Returns
    -------
    answers : dict
        The answers the interview collected.
    asked : list of str
        Every question asked, in order (answered or skipped).
    """
    interview = Interview(kb)
    answers: dict[str, Any] = {
        qid: value
        for qid, value in vignette.answers.items()
        if qid in kb.questions and kb.questions[qid].audience == "measurement"
    }
    skipped: list[str] = []
    asked: list[str] = []
    while (question := interview.next_question(answers, skipped)) is not None:
        asked.append(question.id)
        if question.id in vignette.answers:
            answers[question.id] = vignette.answers[question.id]
        else:
            skipped.append(question.id)
    return answers, asked
