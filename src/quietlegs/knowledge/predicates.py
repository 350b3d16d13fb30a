"""The small rule language the knowledge base uses for ``when`` clauses.

A predicate is a YAML mapping. Leaves test one answer, a condition's
likelihood band, an RLS criterion, a specifier, a secondary cause or a red
flag; ``all``, ``any`` and ``not`` combine them::

    when:
      all:
        - {q: urge_to_move, eq: true}
        - {q: symptom_onset_time, gte: "18:00"}
        - not: {condition: nocturnal_leg_cramps, at_least: likely}

Evaluation uses Kleene's three-valued logic: a test of a question that has
not been answered is *unknown* (``None``), ``not unknown`` is unknown, and a
rule only fires when its predicate is ``True``. So "against" evidence is
never counted for a question nobody answered, and the interview can tell
which unanswered questions could still change the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Likelihood bands, lowest first. A band's rank is its index.
LIKELIHOOD_BANDS: tuple[str, ...] = ("unlikely", "possible", "likely", "very_likely")
BAND_RANK: dict[str, int] = {band: i for i, band in enumerate(LIKELIHOOD_BANDS)}

#: Operators that test one answer, and the answer types each accepts.
QUESTION_OPERATORS: dict[str, frozenset[str]] = {
    "eq": frozenset({"yes_no", "choice", "number", "time_of_day"}),
    "ne": frozenset({"yes_no", "choice", "number", "time_of_day"}),
    "in": frozenset({"choice"}),
    "has": frozenset({"multi_choice"}),
    "has_any": frozenset({"multi_choice"}),
    "gte": frozenset({"number", "time_of_day"}),
    "gt": frozenset({"number", "time_of_day"}),
    "lte": frozenset({"number", "time_of_day"}),
    "lt": frozenset({"number", "time_of_day"}),
    "answered": frozenset({"yes_no", "choice", "multi_choice", "number", "time_of_day"}),
}

Truth = bool | None
AnswerValue = bool | str | float | int | tuple[str, ...]


class PredicateSyntaxError(ValueError):
    """A predicate mapping is malformed; ``path`` says where inside it."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        self.path = path
        super().__init__(message)


@dataclass(frozen=True)
class Predicate:
    """Base class of predicate nodes."""

    def walk(self) -> Iterator[Predicate]:
        """Yield this node and every node below it."""
        yield self


@dataclass(frozen=True)
class QuestionTest(Predicate):
    """Test one answer: ``{q: ID, OP: VALUE}``."""

    question: str
    op: str
    value: Any


@dataclass(frozen=True)
class AllOf(Predicate):
    """True when every item is true: ``{all: [...]}``."""

    items: tuple[Predicate, ...]

    def walk(self) -> Iterator[Predicate]:
        yield self
        for item in self.items:
            yield from item.walk()


@dataclass(frozen=True)
class AnyOf(Predicate):
    """True when at least one item is true: ``{any: [...]}``."""

    items: tuple[Predicate, ...]

    def walk(self) -> Iterator[Predicate]:
        yield self
        for item in self.items:
            yield from item.walk()


@dataclass(frozen=True)
class Not(Predicate):
    """Negation: ``{not: {...}}`` (unknown stays unknown)."""

    item: Predicate

    def walk(self) -> Iterator[Predicate]:
        yield self
        yield from self.item.walk()


@dataclass(frozen=True)
class ConditionAtLeast(Predicate):
    """``{condition: ID, at_least: BAND}``: the condition reached that band."""

    condition: str
    band: str


@dataclass(frozen=True)
class CriterionMet(Predicate):
    """``{criterion: CONDITION.CRITERION}``; ``{criteria_met: CONDITION}`` for all."""

    condition: str
    criterion: str | None  # None: all criteria of the condition


@dataclass(frozen=True)
class SpecifierHolds(Predicate):
    """``{specifier: CONDITION.SPECIFIER}``."""

    condition: str
    specifier: str


@dataclass(frozen=True)
class SecondaryCauseFound(Predicate):
    """``{secondary_cause: ID}``."""

    cause: str


@dataclass(frozen=True)
class RedFlagRaised(Predicate):
    """``{red_flag: ID}``."""

    red_flag: str


@dataclass(frozen=True)
class Always(Predicate):
    """``{always: true}``."""


_COMBINATORS = {"all", "any", "not"}
_REF_KEYS = {"condition", "criterion", "criteria_met", "specifier", "secondary_cause", "red_flag"}


def parse_predicate(raw: object, path: tuple[str | int, ...] = ()) -> Predicate:
    """Parse a predicate from its YAML form.

    Parameters
    ----------
    raw : object
        The parsed YAML value (a mapping).
    path : tuple
        Where ``raw`` sits, prepended to the path of any error.

    Returns
    -------
    predicate : Predicate
        The parsed node.

    Raises
    ------
    PredicateSyntaxError
        If ``raw`` is not a valid predicate; the message says what was expected.
    """
    if not isinstance(raw, Mapping):
        raise PredicateSyntaxError(
            f"a predicate must be a mapping such as {{q: ID, eq: VALUE}}; got {raw!r}", path
        )
    keys = set(raw)
    if keys & _COMBINATORS:
        if len(keys) != 1:
            raise PredicateSyntaxError(
                "'all', 'any' and 'not' must stand alone in their mapping; "
                f"got keys {sorted(keys)}",
                path,
            )
        (key,) = keys
        value = raw[key]
        if key == "not":
            return Not(parse_predicate(value, (*path, "not")))
        if not isinstance(value, list) or not value:
            raise PredicateSyntaxError(f"'{key}' takes a non-empty list; got {value!r}", path)
        items = tuple(parse_predicate(v, (*path, key, i)) for i, v in enumerate(value))
        return AllOf(items) if key == "all" else AnyOf(items)
    if "q" in keys:
        ops = keys - {"q"}
        if len(ops) != 1 or not ops <= set(QUESTION_OPERATORS):
            raise PredicateSyntaxError(
                f"a question test needs 'q' and exactly one operator of "
                f"{sorted(QUESTION_OPERATORS)}; got keys {sorted(keys)}",
                path,
            )
        (op,) = ops
        qid = raw["q"]
        if not isinstance(qid, str):
            raise PredicateSyntaxError(f"'q' must be a question id; got {qid!r}", path)
        value = raw[op]
        if op in {"in", "has_any"}:
            if not isinstance(value, list) or not value:
                raise PredicateSyntaxError(f"'{op}' takes a non-empty list; got {value!r}", path)
            value = tuple(value)
        if op == "answered" and not isinstance(value, bool):
            raise PredicateSyntaxError(f"'answered' takes true or false; got {value!r}", path)
        return QuestionTest(qid, op, value)
    if keys == {"always"}:
        if raw["always"] is not True:
            raise PredicateSyntaxError("'always' must be true", path)
        return Always()
    if keys == {"condition", "at_least"}:
        band = raw["at_least"]
        if band not in BAND_RANK:
            raise PredicateSyntaxError(
                f"'at_least' must be one of {list(LIKELIHOOD_BANDS)}; got {band!r}", path
            )
        return ConditionAtLeast(str(raw["condition"]), band)
    if len(keys) == 1 and keys <= _REF_KEYS - {"condition"}:
        (key,) = keys
        value = raw[key]
        if not isinstance(value, str):
            raise PredicateSyntaxError(f"'{key}' takes an id; got {value!r}", path)
        if key == "criteria_met":
            return CriterionMet(value, None)
        if key in {"criterion", "specifier"}:
            cond, dot, item = value.partition(".")
            if not dot or not cond or not item:
                raise PredicateSyntaxError(
                    f"'{key}' takes CONDITION.{key.upper()} (e.g. restless_legs_syndrome.urge); "
                    f"got {value!r}",
                    path,
                )
            if key == "criterion":
                return CriterionMet(cond, item)
            return SpecifierHolds(cond, item)
        if key == "secondary_cause":
            return SecondaryCauseFound(value)
        return RedFlagRaised(value)
    raise PredicateSyntaxError(
        "unrecognised predicate: expected {q: ID, OP: VALUE}, {all|any: [...]}, {not: ...}, "
        "{condition: ID, at_least: BAND}, {criterion: C.K}, {criteria_met: C}, "
        f"{{specifier: C.S}}, {{secondary_cause: ID}}, {{red_flag: ID}} or {{always: true}}; "
        f"got keys {sorted(keys)}",
        path,
    )


def time_to_minutes(value: object) -> int:
    """Convert ``"HH:MM"`` (24-hour clock) to minutes after midnight.

    Raises
    ------
    ValueError
        If ``value`` is not a valid ``HH:MM`` string.
    """
    if isinstance(value, str):
        hh, sep, mm = value.partition(":")
        if sep and hh.isdigit() and mm.isdigit() and len(mm) == 2 and len(hh) in (1, 2):
            hours, minutes = int(hh), int(mm)
            if 0 <= hours < 24 and 0 <= minutes < 60:
                return hours * 60 + minutes
    raise ValueError(f"a time of day must be 'HH:MM' on a 24-hour clock; got {value!r}")


@dataclass
class Facts:
    """Everything a predicate can look at, filled in as inference proceeds."""

    answers: Mapping[str, AnswerValue]
    band_rank: dict[str, int] = field(default_factory=dict)
    criteria: dict[tuple[str, str], Truth] = field(default_factory=dict)
    specifiers: dict[tuple[str, str], Truth] = field(default_factory=dict)
    secondary_causes: set[str] = field(default_factory=set)
    red_flags: set[str] = field(default_factory=set)


Compiled = Callable[[Facts], Truth]


def compile_predicate(
    pred: Predicate,
    question_types: Mapping[str, str],
    criteria_of: Mapping[str, tuple[str, ...]] | None = None,
) -> Compiled:
    """Turn a validated predicate into a fast closure ``facts -> True/False/None``.

    Parameters
    ----------
    pred : Predicate
        A predicate whose references have been checked.
    question_types : mapping
        Question id to its type (``yes_no``, ``choice``...).
    criteria_of : mapping, optional
        Condition id to its criterion ids, for ``criteria_met``.

    Returns
    -------
    evaluate : callable
        ``evaluate(facts)`` returns ``True``, ``False`` or ``None`` (unknown).
    """
    criteria_of = criteria_of or {}
    if isinstance(pred, QuestionTest):
        return _compile_question(pred, question_types[pred.question])
    if isinstance(pred, AllOf | AnyOf):
        # 'all' is decided by the first False, 'any' by the first True (Kleene).
        decisive = isinstance(pred, AnyOf)
        parts = [compile_predicate(p, question_types, criteria_of) for p in pred.items]

        def combine(facts: Facts) -> Truth:
            unknown = False
            for part in parts:
                value = part(facts)
                if value is decisive:
                    return decisive
                if value is None:
                    unknown = True
            return None if unknown else not decisive

        return combine
    if isinstance(pred, Not):
        inner = compile_predicate(pred.item, question_types, criteria_of)

        def negate(facts: Facts) -> Truth:
            value = inner(facts)
            return None if value is None else not value

        return negate
    if isinstance(pred, ConditionAtLeast):
        cond, rank = pred.condition, BAND_RANK[pred.band]
        return lambda facts: facts.band_rank.get(cond, 0) >= rank
    if isinstance(pred, CriterionMet):
        cond = pred.condition
        if pred.criterion is not None:
            key = (cond, pred.criterion)
            return lambda facts: facts.criteria.get(key)
        keys = [(cond, c) for c in criteria_of.get(cond, ())]

        def all_criteria(facts: Facts) -> Truth:
            values = [facts.criteria.get(k) for k in keys]
            if any(v is False for v in values):
                return False
            return None if any(v is None for v in values) else True

        return all_criteria
    if isinstance(pred, SpecifierHolds):
        skey = (pred.condition, pred.specifier)
        return lambda facts: facts.specifiers.get(skey)
    if isinstance(pred, SecondaryCauseFound):
        cause = pred.cause
        return lambda facts: cause in facts.secondary_causes
    if isinstance(pred, RedFlagRaised):
        flag = pred.red_flag
        return lambda facts: flag in facts.red_flags
    if isinstance(pred, Always):
        return lambda facts: True
    raise TypeError(f"pred must be a Predicate node; got {type(pred).__name__}")


def _compile_question(pred: QuestionTest, qtype: str) -> Compiled:
    qid, op, value = pred.question, pred.op, pred.value
    if op == "answered":
        wanted = bool(value)
        return lambda facts: (qid in facts.answers) is wanted
    if qtype == "time_of_day" and op != "answered":
        value = time_to_minutes(value)
    if op == "eq":
        return lambda facts: None if (a := facts.answers.get(qid)) is None else a == value
    if op == "ne":
        return lambda facts: None if (a := facts.answers.get(qid)) is None else a != value
    if op == "in":
        options = frozenset(value)
        return lambda facts: None if (a := facts.answers.get(qid)) is None else a in options
    if op == "has":
        return lambda facts: None if (a := facts.answers.get(qid)) is None else value in a  # type: ignore[operator]
    if op == "has_any":
        options = frozenset(value)

        def has_any(facts: Facts) -> Truth:
            answer = facts.answers.get(qid)
            if answer is None:
                return None
            return not options.isdisjoint(answer)  # type: ignore[arg-type]

        return has_any
    number = float(value)
    if op == "gte":
        return lambda facts: None if (a := facts.answers.get(qid)) is None else a >= number  # type: ignore[operator]
    if op == "gt":
        return lambda facts: None if (a := facts.answers.get(qid)) is None else a > number  # type: ignore[operator]
    if op == "lte":
        return lambda facts: None if (a := facts.answers.get(qid)) is None else a <= number  # type: ignore[operator]
    return lambda facts: None if (a := facts.answers.get(qid)) is None else a < number  # type: ignore[operator]
