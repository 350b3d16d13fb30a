"""The adaptive interview: which question next, and when to stop.

Questions are asked in the knowledge base's section order (red-flag screen
first, then the complaint, then the details). A question is asked only when

- its ``ask_if`` holds (an unknown ``ask_if`` waits until it is known), and
- it is a ``core`` question, or some answer to it would change the report
  (urgency, red flags, a condition's band, criteria, specifiers, tests,
  referrals, treatments, advice or secondary causes). This is checked by
  trying each possible answer: every choice, both yes and no, and for numbers
  and times the values either side of every threshold the rules use.

The interview ends as soon as an emergency red flag is raised (the person
must be shown the emergency screen, not more questions), or when no
remaining question could change the report.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from quietlegs.assessment.answers import normalize_answers
from quietlegs.assessment.inference import Evaluation, evaluate
from quietlegs.knowledge.loader import KnowledgeBase
from quietlegs.knowledge.predicates import AnswerValue, QuestionTest, time_to_minutes
from quietlegs.knowledge.schema import Question, model_fields_with_paths

#: Step either side of a number threshold when probing whether a number
#: question matters (a fraction of the question's range).
_NUMBER_PROBE_FRACTION = 1e-6


class Interview:
    """Chooses the next question for a set of answers.

    Parameters
    ----------
    kb : KnowledgeBase
        The knowledge base.
    audience : tuple of str
        Which questions may be asked: ``patient`` (default), ``clinician``
        and/or ``measurement``.

    Examples
    --------
    >>> from quietlegs.knowledge import load_knowledge_base
    >>> interview = Interview(load_knowledge_base())
    >>> interview.next_question({}).section
    'red_flags'
    """

    def __init__(self, kb: KnowledgeBase, audience: tuple[str, ...] = ("patient",)) -> None:
        self.kb = kb
        self.audience = audience
        self._probes = self._probe_values(kb)

    @staticmethod
    def _probe_values(kb: KnowledgeBase) -> dict[str, list[AnswerValue]]:
        thresholds: dict[str, set[float]] = {}
        for items in (
            kb.questions,
            kb.conditions,
            kb.red_flags,
            kb.tests,
            kb.referrals,
            kb.treatments,
            kb.advice,
            kb.secondary_causes,
        ):
            for item in items.values():
                for _, value in model_fields_with_paths(item):
                    walk = getattr(value, "walk", None)
                    if walk is None:
                        continue
                    for node in walk():
                        if isinstance(node, QuestionTest) and node.op in {
                            "eq",
                            "ne",
                            "gte",
                            "gt",
                            "lte",
                            "lt",
                        }:
                            q = kb.questions[node.question]
                            if q.type == "number":
                                thresholds.setdefault(q.id, set()).add(float(node.value))
                            elif q.type == "time_of_day":
                                thresholds.setdefault(q.id, set()).add(time_to_minutes(node.value))
        probes: dict[str, list[AnswerValue]] = {}
        for q in kb.questions.values():
            if q.type == "yes_no":
                probes[q.id] = [True, False]
            elif q.type == "choice":
                probes[q.id] = list(q.choice_ids())
            elif q.type == "multi_choice":
                probes[q.id] = [(c,) for c in q.choice_ids()]
            elif q.type == "number" and q.range is not None:
                step = (
                    1.0 if q.range.integer else (q.range.max - q.range.min) * _NUMBER_PROBE_FRACTION
                )
                values = {q.range.min, q.range.max}
                for t in thresholds.get(q.id, ()):
                    values.update({t - step, t, t + step})
                probes[q.id] = [float(v) for v in sorted(values) if q.range.min <= v <= q.range.max]
            else:
                values = {0.0, 1439.0}
                for t in thresholds.get(q.id, ()):
                    values.update({t - 1, t, t + 1})
                probes[q.id] = [int(v) for v in sorted(values) if 0 <= v <= 1439]
        return probes

    def _askable(
        self, question: Question, current: Evaluation, skipped: Collection[str] = ()
    ) -> bool:
        if question.id in current.answers or question.id in skipped:
            return False
        if question.audience not in self.audience:
            return False
        return question.ask_if is None or self.kb.rule(question.ask_if)(current.facts) is True

    def _could_change(self, question_id: str, current: Evaluation) -> bool:
        base = current.signature()
        for value in self._probes[question_id]:
            trial = dict(current.answers)
            trial[question_id] = value
            if evaluate(self.kb, trial).signature() != base:
                return True
        return False

    def could_change_report(self, question_id: str, answers: Mapping[str, Any]) -> bool:
        """Return whether some answer to ``question_id`` would change the report.

        Raises
        ------
        AnswerError
            If the answers are invalid.
        """
        normalized = normalize_answers(self.kb, answers)
        return self._could_change(question_id, evaluate(self.kb, normalized))

    def next_question(
        self, answers: Mapping[str, Any], skipped: Collection[str] = ()
    ) -> Question | None:
        """Return the next question to ask, or ``None`` when the interview is over.

        Parameters
        ----------
        answers : mapping
            The answers so far, as JSON types.
        skipped : collection of str
            Questions the person chose not to answer ("I don't know"); they are
            not asked again and stay unknown.

        Returns
        -------
        question : Question | None
            The next question, or ``None`` once an emergency red flag is
            raised or nothing left could change the report.

        Raises
        ------
        AnswerError
            If the answers so far are invalid.
        """
        normalized = normalize_answers(self.kb, answers)
        current = evaluate(self.kb, normalized)
        if any(self.kb.red_flags[f].urgency == "emergency" for f in current.red_flags):
            return None
        for question in self.kb.questions.values():
            if self._askable(question, current, skipped) and (
                question.core or self._could_change(question.id, current)
            ):
                return question
        return None

    def is_complete(self, answers: Mapping[str, Any], skipped: Collection[str] = ()) -> bool:
        """Return whether the interview has ended for these answers."""
        return self.next_question(answers, skipped) is None
