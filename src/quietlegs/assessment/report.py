"""The report a person receives, worded in one language.

:class:`Report` is plain data (dataclasses) with :meth:`Report.to_dict` for
JSON. Its order is part of its safety: ``red_flags`` and the urgency come
first, and every report carries the disclaimer and when to call emergency
services.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from quietlegs._validation import check_option
from quietlegs.assessment.answers import format_answer, normalize_answers
from quietlegs.assessment.inference import ConditionResult, Evaluation, evaluate
from quietlegs.knowledge.loader import KnowledgeBase
from quietlegs.knowledge.predicates import QuestionTest

LANGUAGES: tuple[str, ...] = ("en", "ru")


@dataclass(frozen=True)
class Reason:
    """A finding that points to a condition (``for``) or away from it (``against``)."""

    text: str
    direction: str
    likelihood_ratio: float | None  # None for a raised red flag
    answers: dict[str, str]
    references: list[str]


@dataclass(frozen=True)
class CriterionStatus:
    """One diagnostic criterion: ``met`` is True, False or None (not asked)."""

    id: str
    text: str
    met: bool | None


@dataclass(frozen=True)
class RedFlagFinding:
    """A raised red flag and what to do now."""

    id: str
    name: str
    urgency: str
    condition: str
    action: str
    references: list[str]


@dataclass(frozen=True)
class SecondaryCauseFinding:
    """A possible cause that makes a condition secondary."""

    id: str
    name: str
    evidence_level: str
    note: str


@dataclass(frozen=True)
class ConditionFinding:
    """A ranked condition with the reasons behind it."""

    id: str
    name: str
    group: str
    likelihood: str
    likelihood_label: str
    summary: str
    reasons: list[Reason]
    criteria: list[CriterionStatus]
    specifiers: list[dict[str, str]]
    form: str | None
    secondary_causes: list[SecondaryCauseFinding]
    red_flags: list[str]
    references: list[str]


@dataclass(frozen=True)
class Recommendation:
    """A test or a referral with every reason it is indicated."""

    id: str
    name: str
    why: list[str]
    references: list[str]


@dataclass(frozen=True)
class AdviceItem:
    """A prevention or self-care measure with its evidence."""

    id: str
    text: str
    evidence: str
    evidence_level: str
    source: str
    references: list[str]


@dataclass(frozen=True)
class TreatmentInfo:
    """Treatment information, for discussion with a doctor; never a dose."""

    id: str
    name: str
    conditions: list[str]
    direction: str
    strength: str
    certainty: str
    info: str
    article_note: str | None
    references: list[str]


@dataclass(frozen=True)
class Report:
    """The assessment report. See ``docs/assessment.md`` for each field."""

    urgency: str
    urgency_label: str
    urgency_reason: str
    red_flags: list[RedFlagFinding]
    emergency_call: str
    conditions: list[ConditionFinding]
    considered_unlikely: list[ConditionFinding]
    tests: list[Recommendation]
    referrals: list[Recommendation]
    advice: list[AdviceItem]
    treatments: list[TreatmentInfo]
    treatment_notice: str
    disclaimer: str
    knowledge_version: str
    language: str
    references: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


def _questions_of(pred: object) -> list[str]:
    walk = getattr(pred, "walk", None)
    if walk is None:
        return []
    seen: list[str] = []
    for node in walk():
        if isinstance(node, QuestionTest) and node.question not in seen:
            seen.append(node.question)
    return seen


def merge_flag_reasons(flags: list[Reason], reasons: list[Reason]) -> list[Reason]:
    """The raised red flags first, then the other reasons; a red flag worded as one of
    the evidence's reasons is shown once.

    A red flag and a piece of evidence may test the same answer (the knowledge base's
    ``acs_chest_pain`` flag and the acute coronary syndrome's chest-pain evidence): the
    flag raises the urgency and the evidence the probability, but the reader was told
    "Chest pain, pressure or tightness" twice. The flag's place (first: red flags always
    win) keeps the evidence's likelihood ratio and answers, and both one's references.
    Reasons with other wordings, or the other direction, all stay.

    Parameters
    ----------
    flags : list of Reason
        The condition's raised red flags (``likelihood_ratio`` None, no answers).
    reasons : list of Reason
        Its evidence, strongest first.

    Returns
    -------
    list of Reason
        Each wording once per direction, the red flags' first.
    """
    evidence = {(r.text.strip().casefold(), r.direction): r for r in reversed(reasons)}
    merged: list[Reason] = []
    used: set[int] = set()
    for flag in flags:
        twin = evidence.get((flag.text.strip().casefold(), flag.direction))
        if twin is None:
            if all(m.text != flag.text or m.direction != flag.direction for m in merged):
                merged.append(flag)
            continue
        if id(twin) in used:
            continue
        used.add(id(twin))
        references = list(dict.fromkeys([*flag.references, *twin.references]))
        merged.append(
            Reason(twin.text, twin.direction, twin.likelihood_ratio, twin.answers, references)
        )
    return merged + [r for r in reasons if id(r) not in used]


def _condition_finding(
    kb: KnowledgeBase, result: ConditionResult, evaluation: Evaluation, lang: str
) -> ConditionFinding:
    cond = result.condition
    reasons = []
    for hit in result.hits:
        ev = hit.evidence
        shown = {
            qid: format_answer(kb.questions[qid], evaluation.answers[qid], lang)
            for qid in _questions_of(ev.when)
            if qid in evaluation.answers
        }
        reasons.append(
            Reason(
                text=ev.reason.get(lang),
                direction=hit.direction,
                likelihood_ratio=ev.lr,
                answers=shown,
                references=list(ev.references),
            )
        )
    # Strongest first: for-reasons by falling LR, then against-reasons by rising LR.
    reasons.sort(key=lambda r: abs(math.log(r.likelihood_ratio or 1.0)), reverse=True)
    reasons.sort(key=lambda r: r.direction != "for")
    flags = [
        Reason(kb.red_flags[f].name.get(lang), "for", None, {}, list(kb.red_flags[f].references))
        for f in result.red_flags
    ]
    reasons = merge_flag_reasons(flags, reasons)
    criteria = [
        CriterionStatus(c.id, c.text.get(lang), result.criteria.get(c.id)) for c in cond.criteria
    ]
    specs = [
        {"id": s.id, "name": s.name.get(lang)} for s in cond.specifiers if s.id in result.specifiers
    ]
    has_causes = any(sc.condition == cond.id for sc in kb.secondary_causes.values())
    causes = [
        SecondaryCauseFinding(sc.id, sc.name.get(lang), sc.evidence_level, sc.note.get(lang))
        for sc in (kb.secondary_causes[c] for c in result.secondary_causes)
    ]
    form = None
    if has_causes and result.rank >= 1:
        # Secondary only when an established cause is found; weak associations are listed
        # as possible contributors but do not make the condition secondary.
        established = any(c.evidence_level == "established" for c in causes)
        form = "secondary" if established else "primary"
    return ConditionFinding(
        id=cond.id,
        name=cond.name.get(lang),
        group=cond.group,
        likelihood=result.band,
        likelihood_label=kb.text(f"band_{result.band}", lang),
        summary=cond.summary.get(lang),
        reasons=reasons,
        criteria=criteria,
        specifiers=specs,
        form=form,
        secondary_causes=causes,
        red_flags=list(result.red_flags),
        references=list(cond.references),
    )


def build_report(kb: KnowledgeBase, evaluation: Evaluation, lang: str = "en") -> Report:
    """Word an :class:`Evaluation` as a :class:`Report` in ``lang``.

    Parameters
    ----------
    kb : KnowledgeBase
        The knowledge base the evaluation came from.
    evaluation : Evaluation
        The findings.
    lang : {"en", "ru"}
        Language of every text.

    Returns
    -------
    report : Report
    """
    check_option("lang", lang, LANGUAGES)
    kind, source_id = evaluation.urgency_source
    if kind == "red_flag":
        flag = kb.red_flags[source_id]
        reason = f"{flag.name.get(lang)}: {flag.action.get(lang)}"
    elif kind == "condition":
        reason = kb.conditions[source_id].urgency_reason.get(lang)
    else:
        reason = kb.text("reason_no_pattern", lang)

    red_flags = [
        RedFlagFinding(
            f.id, f.name.get(lang), f.urgency, f.condition, f.action.get(lang), list(f.references)
        )
        for f in (kb.red_flags[i] for i in evaluation.red_flags)
    ]
    # Emergency flags before urgent ones.
    red_flags.sort(key=lambda f: f.urgency != "emergency")
    listed = [_condition_finding(kb, r, evaluation, lang) for r in evaluation.listed]
    unlikely = [
        _condition_finding(kb, r, evaluation, lang)
        for r in evaluation.conditions
        if r.rank == 0 and r.considered and r.hits
    ]

    def recommendations(
        items: Mapping[str, Any], chosen: Mapping[str, list[int]]
    ) -> list[Recommendation]:
        out = []
        for item_id, hits in chosen.items():
            item = items[item_id]
            refs = list(item.references)
            for i in hits:
                refs += [r for r in item.indications[i].references if r not in refs]
            out.append(
                Recommendation(
                    item_id,
                    item.name.get(lang),
                    [item.indications[i].why.get(lang) for i in hits],
                    refs,
                )
            )
        return out

    advice = [
        AdviceItem(
            a.id,
            a.text.get(lang),
            a.evidence.get(lang),
            a.evidence_level,
            a.source,
            list(a.references),
        )
        for a in (kb.advice[i] for i in evaluation.advice)
    ]
    treatments = [
        TreatmentInfo(
            t.id,
            t.name.get(lang),
            [c for c in t.conditions if any(r.condition.id == c for r in evaluation.listed)],
            t.direction,
            t.strength,
            t.certainty,
            t.info.get(lang),
            t.article_note.get(lang) if t.article_note else None,
            list(t.references),
        )
        for t in (kb.treatments[i] for i in evaluation.treatments)
    ]
    report = Report(
        urgency=evaluation.urgency,
        urgency_label=kb.text(f"urgency_{evaluation.urgency}", lang),
        urgency_reason=reason,
        red_flags=red_flags,
        emergency_call=kb.text("emergency_call", lang),
        conditions=listed,
        considered_unlikely=unlikely,
        tests=recommendations(kb.tests, evaluation.tests),
        referrals=recommendations(kb.referrals, evaluation.referrals),
        advice=advice,
        treatments=treatments,
        treatment_notice=kb.text("treatment_notice", lang),
        disclaimer=kb.text("disclaimer", lang),
        knowledge_version=kb.version,
        language=lang,
    )
    cited: list[str] = []
    for f in red_flags:
        cited += f.references
    for c in listed:
        cited += c.references + [r for reason in c.reasons for r in reason.references]
    for group in (report.tests, report.referrals, advice, treatments):
        for item in group:
            cited += item.references
    report.references.update({r: kb.citation(r) for r in dict.fromkeys(cited)})
    return report


def assess(kb: KnowledgeBase, answers: Mapping[str, Any], lang: str = "en") -> Report:
    """Assess a set of answers.

    Parameters
    ----------
    kb : KnowledgeBase
        The knowledge base (see :func:`quietlegs.knowledge.load_knowledge_base`).
    answers : mapping of str to object
        Question id to answer as JSON types: ``true``/``false`` for yes/no,
        a choice id, a list of choice ids, a number, or ``"HH:MM"``.
    lang : {"en", "ru"}
        Language of the report.

    Returns
    -------
    report : Report
        The report; the same answers always give the same report.

    Raises
    ------
    AnswerError
        If any answer is unknown, malformed, out of range or contradicts another.
    """
    check_option("lang", lang, LANGUAGES)
    normalized = normalize_answers(kb, answers)
    return build_report(kb, evaluate(kb, normalized), lang)
