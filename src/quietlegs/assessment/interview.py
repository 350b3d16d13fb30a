"""The adaptive interview: which question next, and when to stop.

Questions are asked in the knowledge base's section order (red-flag screen
first, then the complaint, then the details). A question is asked only when

- its ``ask_if`` holds (an unknown ``ask_if`` waits until it is known), and
- it is a red-flag screen question (``core``, section ``red_flags``), or a
  ``core`` question read by a rule of the report that is still undecided
  (unknown under three-valued logic; see :meth:`Interview._undecided_reads`),
  or some answer to it would change the report
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
from quietlegs.knowledge.predicates import (
    BAND_RANK,
    AnswerValue,
    Predicate,
    QuestionTest,
    time_to_minutes,
)
from quietlegs.knowledge.schema import Question, model_fields_with_paths

#: A rule and the questions it reads.
_Rule = tuple[Predicate, frozenset[str]]

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
        self._rules = self._rule_index(kb)
        self._ask_ifs: list[tuple[str, _Rule]] = [
            (q.id, (q.ask_if, self._reads(q.ask_if)))
            for q in kb.questions.values()
            if q.ask_if is not None and q.audience in audience
        ]

    @staticmethod
    def _reads(pred: Predicate) -> frozenset[str]:
        return frozenset(n.question for n in pred.walk() if isinstance(n, QuestionTest))

    @classmethod
    def _rule_index(cls, kb: KnowledgeBase) -> dict[str, list[tuple[str, _Rule]]]:
        """Group the report's rules by what must hold for them to be read.

        Keys: ``always`` (red flags, tests, referrals, advice), ``requires:C``
        (condition C's gate), ``considered:C`` (its evidence and criteria),
        ``listed:C`` (its specifiers and secondary causes) and ``treatment:T``.
        Each value lists ``(item id, (rule, questions it reads))``.
        """
        index: dict[str, list[tuple[str, _Rule]]] = {}

        def add(key: str, item: str, pred: Predicate | None) -> None:
            if pred is not None:
                index.setdefault(key, []).append((item, (pred, cls._reads(pred))))

        for flag in kb.red_flags.values():
            add("always", flag.id, flag.when)
        for items in (kb.tests, kb.referrals):
            for rec in items.values():
                for ind in rec.indications:
                    add("always", rec.id, ind.when)
        for adv in kb.advice.values():
            add("always", adv.id, adv.when)
        for cond in kb.conditions.values():
            add(f"requires:{cond.id}", cond.id, cond.requires)
            for ev in cond.evidence:
                add(f"considered:{cond.id}", cond.id, ev.when)
            for crit in cond.criteria:
                add(f"considered:{cond.id}", cond.id, crit.when)
            for spec in cond.specifiers:
                add(f"listed:{cond.id}", cond.id, spec.when)
        for cause in kb.secondary_causes.values():
            add(f"listed:{cause.condition}", cause.id, cause.when)
        for treat in kb.treatments.values():
            add(f"treatment:{treat.id}", treat.id, treat.when)
        return index

    def _undecided_reads(self, current: Evaluation, skipped: Collection[str]) -> set[str]:
        """Return the questions read by a rule of the report that is still undecided.

        A rule is undecided when, under three-valued logic, the answers so far
        leave it unknown. Only rules the report currently reads count: red flags,
        indications and advice always; a condition's gate always, its evidence and
        criteria once the gate is open, its specifiers and secondary causes once
        it is listed; a treatment's ``when`` once one of its conditions reaches the
        treatment's band. The ``ask_if`` of a question still to be asked counts
        too (``sex`` decides whether ``pregnant`` is asked). A rule that is already
        true or false cannot be changed by any answer to a question it reads, so
        its questions are not counted.
        """
        results = {r.condition.id: r for r in current.conditions}
        keys = ["always"]
        for cid, res in results.items():
            keys.append(f"requires:{cid}")
            if res.considered:
                keys.append(f"considered:{cid}")
            if res.rank >= 1:
                keys.append(f"listed:{cid}")
        for treat in self.kb.treatments.values():
            if any(results[c].rank >= BAND_RANK[treat.min_band] for c in treat.conditions):
                keys.append(f"treatment:{treat.id}")
        reads: set[str] = set()
        for qid, ask_if in self._ask_ifs:
            if (
                qid not in current.answers
                and qid not in skipped
                and not ask_if[1] <= reads
                and self.kb.rule(ask_if[0])(current.facts) is None
            ):
                reads |= ask_if[1]
        for key in keys:
            for _, (pred, questions) in self._rules.get(key, ()):
                if not questions <= reads and self.kb.rule(pred)(current.facts) is None:
                    reads |= questions
        return reads

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
        undecided: set[str] | None = None
        for question in self.kb.questions.values():
            if not self._askable(question, current, skipped):
                continue
            if question.core and question.section == "red_flags":
                return question
            if question.core:
                if undecided is None:
                    undecided = self._undecided_reads(current, skipped)
                if question.id in undecided:
                    return question
            if self._could_change(question.id, current):
                return question
        return None

    def is_complete(self, answers: Mapping[str, Any], skipped: Collection[str] = ()) -> bool:
        """Return whether the interview has ended for these answers."""
        return self.next_question(answers, skipped) is None
