"""The online interview kept in the visitor's session: answers, skips, the order asked.

Views only parse the request and call these functions; which question comes next,
whether an emergency was raised and whether answers contradict each other are the
core's decisions (:class:`quietlegs.assessment.Interview`,
:func:`quietlegs.assessment.evaluate`, :func:`quietlegs.assessment.normalize_answers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest

from quietlegs._errors import AnswerError
from quietlegs.assessment import evaluate, normalize_answers
from quietlegs.assessment.answers import normalize_answer
from quietlegs.knowledge import KnowledgeBase
from quietlegs.knowledge.predicates import AnswerValue
from quietlegs.knowledge.schema import Question
from quietlegs.web.assessments.models import Assessment
from quietlegs.web.assessments.problems import answer_problem
from quietlegs.web.audit.models import AuditEvent, record
from quietlegs.web.knowledge import interview, kb

#: Session key of the interview in progress.
INTERVIEW_KEY = "interview"
#: Session key of the ids of assessments made in this session without an account.
ANONYMOUS_KEY = "anonymous_assessments"
#: Sections whose questions may not be skipped (the red-flag screen).
UNSKIPPABLE_SECTIONS: frozenset[str] = frozenset({"red_flags"})


def patient_sections(knowledge: KnowledgeBase) -> list[str]:
    """Sections, in order, that hold at least one question a patient answers."""
    used = {q.section for q in knowledge.questions.values() if q.audience == "patient"}
    return [s for s in knowledge.meta.sections if s in used]


def _individually_normalized(
    knowledge: KnowledgeBase, answers: Mapping[str, Any]
) -> dict[str, AnswerValue]:
    """Normalise each answer on its own (no consistency check); raise ``ValueError``."""
    return {qid: normalize_answer(knowledge.questions[qid], v) for qid, v in answers.items()}


def contradictions(knowledge: KnowledgeBase, answers: Mapping[str, Any], lang: str) -> list[str]:
    """The knowledge base's messages for every contradiction between ``answers``.

    Parameters
    ----------
    knowledge : KnowledgeBase
        The knowledge base.
    answers : mapping
        Answers, each valid on its own (JSON types).
    lang : str
        Language of the messages.

    Returns
    -------
    messages : list of str
        One message per consistency rule broken, in ``lang``.
    """
    facts = evaluate(knowledge, _individually_normalized(knowledge, answers)).facts
    return [
        rule.message.get(lang)
        for rule in knowledge.consistency.values()
        if knowledge.rule(rule.when)(facts) is True
    ]


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, list) and isinstance(new, list):
        return sorted(old) == sorted(new)
    return bool(old == new and type(old) is type(new))


@dataclass
class InterviewState:
    """One visitor's interview: answers (JSON types), skipped ids, and the order asked.

    ``assessment`` is the id of the assessment made when the interview ended
    (or an emergency was raised).
    """

    answers: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    assessment: str | None = None

    @classmethod
    def load(cls, session: SessionBase) -> InterviewState:
        """Read the state from ``session``.

        An empty interview when there is none, or when the stored answers no longer
        fit the knowledge base.
        """
        data = session.get(INTERVIEW_KEY)
        if not isinstance(data, dict):
            return cls()
        state = cls(
            answers=dict(data.get("answers") or {}),
            skipped=list(data.get("skipped") or []),
            asked=list(data.get("asked") or []),
            assessment=data.get("assessment"),
        )
        try:
            normalize_answers(kb(), state.answers)
        except AnswerError:
            # The knowledge base changed under a running interview: start afresh.
            return cls()
        return state

    @classmethod
    def started(cls, session: SessionBase) -> bool:
        """Whether ``session`` holds an interview."""
        return isinstance(session.get(INTERVIEW_KEY), dict)

    def save(self, session: SessionBase) -> None:
        """Write the state to ``session``."""
        session[INTERVIEW_KEY] = {
            "answers": self.answers,
            "skipped": self.skipped,
            "asked": self.asked,
            "assessment": self.assessment,
        }

    # -- navigation ------------------------------------------------------------------

    def next_question(self) -> Question | None:
        """The next question to ask, or ``None`` when the interview is over."""
        return interview().next_question(self.answers, self.skipped)

    def may_open(self, question_id: str, next_question: Question | None) -> bool:
        """Whether ``question_id`` may be shown: answered, skipped, or the next question."""
        if question_id in self.answers or question_id in self.skipped:
            return True
        return next_question is not None and next_question.id == question_id

    def previous(self, question_id: str) -> str | None:
        """The question asked before ``question_id`` (``None`` on the first one)."""
        if question_id in self.asked:
            index = self.asked.index(question_id)
            return self.asked[index - 1] if index > 0 else None
        return self.asked[-1] if self.asked else None

    # -- changes ---------------------------------------------------------------------

    def answer(self, question_id: str, value: Any, lang: str) -> list[str]:
        """Store an answer (already valid on its own); return problems instead if any.

        Later answers are kept, except those to questions that no longer apply (their
        ``ask_if`` became false, e.g. pregnancy after a change of sex); the next
        question is recomputed by the caller. Nothing is stored when the answers
        would contradict each other.

        Returns
        -------
        problems : list of str
            Empty when the answer was stored; otherwise the contradictions, in ``lang``.
        """
        knowledge = kb()
        if question_id in self.answers and _same(self.answers[question_id], value):
            return []  # unchanged (e.g. a form sent twice): keep the assessment made from it
        candidate = dict(self.answers)
        candidate[question_id] = value
        dropped = not_applicable(knowledge, candidate, keep=question_id)
        for qid in dropped:
            candidate.pop(qid, None)
        try:
            normalize_answers(knowledge, candidate)
        except AnswerError as exc:
            return contradictions(knowledge, candidate, lang) or [
                answer_problem(p) for p in exc.details
            ]
        self.answers = candidate
        self.skipped = [q for q in self.skipped if q != question_id and q not in dropped]
        self.asked = [q for q in self.asked if q not in dropped]
        if question_id not in self.asked:
            self.asked.append(question_id)
        self.assessment = None
        return []

    def skip(self, question_id: str) -> None:
        """Mark ``question_id`` as "I don't know" (any earlier answer is removed)."""
        if question_id in self.skipped:
            return
        self.answers.pop(question_id, None)
        if question_id not in self.skipped:
            self.skipped.append(question_id)
        if question_id not in self.asked:
            self.asked.append(question_id)
        self.assessment = None

    # -- what the answers mean -------------------------------------------------------

    def has_emergency(self) -> bool:
        """Whether the answers raise an emergency red flag (show the emergency screen)."""
        knowledge = kb()
        evaluation = evaluate(knowledge, normalize_answers(knowledge, self.answers))
        return any(knowledge.red_flags[f].urgency == "emergency" for f in evaluation.red_flags)


def not_applicable(
    knowledge: KnowledgeBase, answers: Mapping[str, Any], keep: str | None = None
) -> set[str]:
    """Answered questions whose ``ask_if`` is false for ``answers`` (e.g. pregnancy for a man).

    Dropping one answer can make another inapplicable, so this repeats until
    nothing more drops out. ``keep`` is never dropped (the answer just given).

    Parameters
    ----------
    knowledge : KnowledgeBase
        The knowledge base.
    answers : mapping
        Answers, each valid on its own (JSON types).
    keep : str, optional
        A question id never to drop.

    Returns
    -------
    ids : set of str
        The question ids whose answers no longer apply.
    """
    dropped: set[str] = set()
    while True:
        current = {k: v for k, v in answers.items() if k not in dropped}
        facts = evaluate(knowledge, _individually_normalized(knowledge, current)).facts
        newly = {
            qid
            for qid in current
            if qid != keep
            and (ask_if := knowledge.questions[qid].ask_if) is not None
            and knowledge.rule(ask_if)(facts) is False
        }
        if not newly:
            return dropped
        dropped |= newly


def anonymous_assessments(session: SessionBase) -> list[str]:
    """Ids of the assessments this session made without an account."""
    ids = session.get(ANONYMOUS_KEY)
    return [str(i) for i in ids] if isinstance(ids, list) else []


def remember_anonymous(session: SessionBase, assessment_id: str) -> None:
    """Remember that this session made the assessment ``assessment_id``."""
    ids = anonymous_assessments(session)
    if assessment_id not in ids:
        ids.append(assessment_id)
    session[ANONYMOUS_KEY] = ids


def claim_anonymous_assessments(request: HttpRequest, user: Any) -> int:
    """Attach this session's anonymous assessments to ``user`` (a patient), audited.

    Called after sign-up and log-in so that a report made before creating an
    account is saved in it. Assessments that already belong to someone are left
    alone.

    Returns
    -------
    count : int
        How many assessments were attached.
    """
    if not getattr(user, "is_patient", False):
        return 0
    ids = anonymous_assessments(request.session)
    if not ids:
        return 0
    with transaction.atomic():
        found = list(Assessment.objects.select_for_update().filter(pk__in=ids, patient=None))
        for assessment in found:
            assessment.patient = user
            assessment.save(update_fields=["patient"])
            record(request, AuditEvent.Action.UPDATE, patient=user, obj=assessment, actor=user)
    request.session[ANONYMOUS_KEY] = []
    return len(found)


def may_apply(knowledge: KnowledgeBase, question_id: str, answers: Mapping[str, Any]) -> bool:
    """Whether ``question_id`` may apply given ``answers`` (its ``ask_if`` is not false).

    An ``ask_if`` that cannot be decided yet (e.g. age not given) counts as applying.
    """
    ask_if = knowledge.questions[question_id].ask_if
    if ask_if is None:
        return True
    facts = evaluate(knowledge, _individually_normalized(knowledge, answers)).facts
    return knowledge.rule(ask_if)(facts) is not False
