"""Answers to findings: red flags, criteria, ranked conditions and what follows.

The engine is transparent by construction:

1. **Red flags** are evaluated first and can never be outranked: the
   urgency is the most urgent of every raised flag and every condition, and
   a condition behind a raised flag is listed first whatever its score.
2. **Conditions** are scored in the knowledge base's dependency order. Each
   starts from its prior odds and is multiplied by the likelihood ratio of
   every evidence rule that holds (Bayes with conditionally independent
   findings). The posterior probability is only used to pick a coarse
   *likelihood band*.
3. A condition defined by **criteria** (RLS: the five IRLSSG essential
   criteria) is at least ``likely`` when all criteria are met and at most
   ``possible`` otherwise.
4. Tests, referrals, treatments, advice and secondary causes are rules over
   the answers and the findings above.

Everything here is deterministic and free of I/O.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from quietlegs.knowledge.loader import KnowledgeBase
from quietlegs.knowledge.predicates import BAND_RANK, LIKELIHOOD_BANDS, AnswerValue, Facts
from quietlegs.knowledge.schema import URGENCY_LEVELS, Condition, Evidence, Recommendable

#: Posterior probability at or above which a condition enters each band.
#: These cut-offs are the project's choice (not from a publication): they
#: are wide on purpose, because the likelihood ratios are approximate.
BAND_THRESHOLDS: tuple[tuple[str, float], ...] = (
    ("very_likely", 0.80),
    ("likely", 0.50),
    ("possible", 0.15),
)

#: Band at least reached by a condition whose essential criteria are all met
#: (IRLSSG 2014: meeting the five essential criteria defines RLS).
CRITERIA_MET_FLOOR = "likely"
#: Band at most reached while any essential criterion is unmet or unknown.
CRITERIA_UNMET_CAP = "possible"
#: Band at least given to a condition behind a raised red flag.
RED_FLAG_FLOOR = "possible"

#: Urgency when no red flag is raised and no condition sets one: symptoms the
#: knowledge base cannot place deserve a doctor's look rather than self-care.
DEFAULT_URGENCY = "routine"

URGENCY_RANK: dict[str, int] = {u: i for i, u in enumerate(URGENCY_LEVELS)}


@dataclass(frozen=True)
class EvidenceHit:
    """An evidence rule that held."""

    evidence: Evidence

    @property
    def direction(self) -> str:
        """``for`` when the rule points to the condition, ``against`` otherwise."""
        return "for" if self.evidence.lr >= 1 else "against"


@dataclass
class ConditionResult:
    """How one condition came out."""

    condition: Condition
    considered: bool
    probability: float
    band: str
    hits: list[EvidenceHit] = field(default_factory=list)
    criteria: dict[str, bool | None] = field(default_factory=dict)
    specifiers: list[str] = field(default_factory=list)
    red_flags: list[str] = field(default_factory=list)
    secondary_causes: list[str] = field(default_factory=list)

    @property
    def rank(self) -> int:
        """The band's rank (0 = unlikely)."""
        return BAND_RANK[self.band]


@dataclass
class Evaluation:
    """Everything the engine found, before it is worded in a language."""

    answers: Mapping[str, AnswerValue]
    red_flags: list[str]
    urgency: str
    urgency_source: tuple[str, str]  # ("red_flag"|"condition"|"default", id)
    conditions: list[ConditionResult]  # ranked: red flags first, then by probability
    tests: dict[str, list[int]]  # test id -> indices of the indications that held
    referrals: dict[str, list[int]]
    treatments: list[str]
    advice: list[str]
    secondary_causes: list[str]
    facts: Facts = field(repr=False, compare=False, default_factory=lambda: Facts(answers={}))

    def signature(self) -> tuple[object, ...]:
        """Return what a person would see change; equal signatures, same report."""
        return (
            self.urgency,
            tuple(self.red_flags),
            tuple(
                (r.condition.id, r.band, tuple(sorted(r.criteria.items())), tuple(r.specifiers))
                for r in self.conditions
                if r.rank >= 1
            ),
            tuple(self.tests),
            tuple(self.referrals),
            tuple(self.treatments),
            tuple(self.advice),
            tuple(self.secondary_causes),
        )

    @functools.cached_property
    def listed(self) -> list[ConditionResult]:
        """Conditions at least ``possible``, ranked."""
        return [r for r in self.conditions if r.rank >= 1]


def _band(probability: float) -> str:
    for band, threshold in BAND_THRESHOLDS:
        if probability >= threshold:
            return band
    return "unlikely"


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def evaluate(kb: KnowledgeBase, answers: Mapping[str, AnswerValue]) -> Evaluation:
    """Evaluate normalised answers against the knowledge base.

    Parameters
    ----------
    kb : KnowledgeBase
        The knowledge base.
    answers : mapping
        Normalised answers (see :func:`quietlegs.assessment.normalize_answers`).

    Returns
    -------
    evaluation : Evaluation
        The language-free findings.
    """
    facts = Facts(answers=answers)
    rule = kb.rule

    raised = [f.id for f in kb.red_flags.values() if rule(f.when)(facts) is True]
    facts.red_flags.update(raised)
    flags_by_condition: dict[str, list[str]] = {}
    for flag_id in raised:
        flags_by_condition.setdefault(kb.red_flags[flag_id].condition, []).append(flag_id)

    results: dict[str, ConditionResult] = {}
    for cond in kb.conditions.values():
        result = _score(kb, cond, facts, flags_by_condition.get(cond.id, []))
        results[cond.id] = result
        facts.band_rank[cond.id] = result.rank
        for crit_id, met in result.criteria.items():
            facts.criteria[(cond.id, crit_id)] = met
        for spec in cond.specifiers:
            facts.specifiers[(cond.id, spec.id)] = (
                rule(spec.when)(facts) if result.rank >= 1 else False
            )
        result.specifiers = [
            s.id for s in cond.specifiers if facts.specifiers[(cond.id, s.id)] is True
        ]

    causes = []
    for cause in kb.secondary_causes.values():
        if results[cause.condition].rank >= 1 and rule(cause.when)(facts) is True:
            causes.append(cause.id)
            results[cause.condition].secondary_causes.append(cause.id)
    facts.secondary_causes.update(causes)

    ranked = sorted(
        results.values(),
        key=lambda r: (
            -len(r.red_flags),
            -(r.rank >= 1 and r.condition.group == "emergency"),
            -r.rank,
            -r.probability,
            r.condition.id,
        ),
    )

    listed = [r for r in ranked if r.rank >= 1]
    candidates = [(kb.red_flags[f].urgency, 0, ("red_flag", f)) for f in raised] + [
        (r.condition.urgency, 1, ("condition", r.condition.id))
        for r in listed
        if r.rank >= BAND_RANK[r.condition.urgency_min_band]
    ]
    urgency, source = DEFAULT_URGENCY, ("default", "")
    if candidates:
        # Most urgent first; on a tie a red flag is the reason given.
        urgency, _, source = min(candidates, key=lambda c: (URGENCY_RANK[c[0]], c[1]))

    def indicated(items: Mapping[str, Recommendable]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for item_id, item in items.items():
            hits = [i for i, ind in enumerate(item.indications) if rule(ind.when)(facts) is True]
            if hits:
                out[item_id] = hits
        return out

    tests = indicated(kb.tests)
    referrals = indicated(kb.referrals)
    treatments = [
        t.id
        for t in kb.treatments.values()
        if any(results[c].rank >= BAND_RANK[t.min_band] for c in t.conditions)
        and (t.when is None or rule(t.when)(facts) is True)
    ]
    advice = [a.id for a in kb.advice.values() if rule(a.when)(facts) is True]
    return Evaluation(
        answers=answers,
        red_flags=raised,
        urgency=urgency,
        urgency_source=source,
        conditions=ranked,
        tests=tests,
        referrals=referrals,
        treatments=treatments,
        advice=advice,
        secondary_causes=causes,
        facts=facts,
    )


def _score(kb: KnowledgeBase, cond: Condition, facts: Facts, flags: list[str]) -> ConditionResult:
    rule = kb.rule
    if cond.requires is not None and rule(cond.requires)(facts) is not True and not flags:
        return ConditionResult(cond, considered=False, probability=0.0, band="unlikely")
    log_odds = _logit(cond.prior)
    hits = []
    for ev in cond.evidence:
        if rule(ev.when)(facts) is True:
            hits.append(EvidenceHit(ev))
            log_odds += math.log(ev.lr)
    probability = 1.0 / (1.0 + math.exp(-log_odds))
    band = _band(probability)
    criteria = {c.id: rule(c.when)(facts) for c in cond.criteria}
    if cond.criteria_rule == "all_required":
        if all(v is True for v in criteria.values()):
            band = max(band, CRITERIA_MET_FLOOR, key=BAND_RANK.__getitem__)
        else:
            band = min(band, CRITERIA_UNMET_CAP, key=BAND_RANK.__getitem__)
    if flags:
        band = max(band, RED_FLAG_FLOOR, key=BAND_RANK.__getitem__)
    return ConditionResult(
        cond,
        considered=True,
        probability=probability,
        band=band,
        hits=hits,
        criteria=criteria,
        red_flags=list(flags),
    )


__all__ = ["BAND_THRESHOLDS", "LIKELIHOOD_BANDS", "Evaluation", "evaluate"]
