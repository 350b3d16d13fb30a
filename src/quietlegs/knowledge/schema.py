"""Typed schema of the knowledge base (pydantic models).

Every YAML file under ``knowledge/data`` is a mapping whose top-level keys
name kinds of item (``questions``, ``conditions``...); each kind is a list of
the models below. Every clinical item carries ``references`` (ids into the
references table); :mod:`quietlegs.knowledge.loader` checks that they exist.
See ``docs/knowledge-base.md`` for the format with examples.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from quietlegs.knowledge.predicates import Predicate, parse_predicate

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
RefIds = Annotated[list[Id], Field(default_factory=list)]
Band = Literal["unlikely", "possible", "likely", "very_likely"]
Urgency = Literal["emergency", "urgent", "routine", "self_care"]
QuestionType = Literal["yes_no", "choice", "multi_choice", "number", "time_of_day"]

#: Urgency levels, most urgent first.
URGENCY_LEVELS: tuple[str, ...] = ("emergency", "urgent", "routine", "self_care")


def _as_predicate(value: object) -> Predicate:
    if isinstance(value, Predicate):
        return value
    return parse_predicate(value)


When = Annotated[Predicate, BeforeValidator(_as_predicate)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Text(_Model):
    """A text in every UI language."""

    en: Annotated[str, Field(min_length=1)]
    ru: Annotated[str, Field(min_length=1)]

    def get(self, lang: str) -> str:
        """Return the text in ``lang`` (``en`` or ``ru``)."""
        return self.ru if lang == "ru" else self.en


def _sentence(text: str) -> str:
    """``text`` ended by one full stop (or its own "?", "!" or ".")."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


class Reference(_Model):
    """A published source that clinical items cite."""

    id: Id
    authors: str
    title: str
    source: str = Field(description="journal, publisher or organisation")
    year: Annotated[int, Field(ge=1900, le=2100)]
    volume: str | None = None
    pages: str | None = None
    doi: Annotated[str, Field(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    url: str | None = None
    note: str | None = None

    def citation(self) -> str:
        """Return a one-line citation (Vancouver-like)."""
        # "et al." and a title ending in "?" or "." take no second full stop.
        parts = [f"{_sentence(self.authors)} {_sentence(self.title)} {self.source}. {self.year}"]
        if self.volume:
            parts[0] += f";{self.volume}"
        if self.pages:
            parts[0] += f":{self.pages}"
        if self.doi:
            parts.append(f"doi:{self.doi}")
        return ". ".join(parts)


class Choice(_Model):
    """One option of a choice or multi-choice question."""

    id: Id
    text: Text
    exclusive: bool = Field(False, description="multi-choice: may not be combined (e.g. 'none')")


class UnitForms(_Model):
    """Plural forms of a unit that agrees with its number (e.g. years).

    English: ``[one, other]`` ("1 year", "2 years"); Russian: ``[one, few, many]``
    ("1 год", "2 года", "5 лет"), chosen by the CLDR plural rules of each language.
    """

    en: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=2, max_length=2)]
    ru: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=3, max_length=3)]

    def get(self, lang: str, number: float) -> str:
        """Return the form of the unit that goes with ``number`` in ``lang``."""
        if lang == "ru":
            return self.ru[russian_plural_index(number)]
        return self.en[0] if number == 1 else self.en[1]


def russian_plural_index(number: float) -> int:
    """CLDR plural category of ``number`` in Russian: 0 one, 1 few, 2 many.

    Whole numbers: one for 1, 21, 31... (not 11); few for 2-4, 22-24... (not 12-14);
    many otherwise. Fractions take the few form ("2,5 года").
    """
    if number != int(number):
        return 1
    n = abs(int(number))
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


class NumberRange(_Model):
    """Allowed range of a number question."""

    min: float
    max: float
    unit: Text | None = None
    #: For a unit that agrees with its number; ``unit`` stays the form for ranges
    #: ("from 0 to 120 years").
    unit_forms: UnitForms | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> NumberRange:
        if self.min >= self.max:
            raise ValueError(f"range min must be below max; got min={self.min}, max={self.max}")
        return self


class Question(_Model):
    """One interview question."""

    id: Id
    section: Id
    type: QuestionType
    text: Text
    help: Text | None = None
    choices: list[Choice] = Field(default_factory=list)
    range: NumberRange | None = None
    ask_if: When | None = None
    core: bool = Field(
        False,
        description="asked when ask_if holds while it can still matter (red-flag screen: always)",
    )
    audience: Literal["patient", "clinician", "measurement"] = "patient"
    references: RefIds

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if self.type in ("choice", "multi_choice"):
            if len(self.choices) < 2:
                raise ValueError(f"a {self.type} question needs at least 2 choices")
            ids = [c.id for c in self.choices]
            if len(set(ids)) != len(ids):
                raise ValueError(f"choice ids must be unique; got {ids}")
        elif self.choices:
            raise ValueError(f"a {self.type} question takes no choices")
        if (self.type == "number") != (self.range is not None):
            raise ValueError("a number question needs a range, and only a number question has one")
        return self

    def choice_ids(self) -> tuple[str, ...]:
        """Return the ids of the choices, in order."""
        return tuple(c.id for c in self.choices)


class Evidence(_Model):
    """An answer pattern that makes a condition more or less likely."""

    when: When
    lr: Annotated[float, Field(gt=0, le=1000)] = Field(
        description="likelihood ratio: >1 points to the condition, <1 against"
    )
    lr_source: Literal["literature", "expert"] = "expert"
    reason: Text
    references: RefIds


class Criterion(_Model):
    """A diagnostic criterion, met when ``when`` is true."""

    id: Id
    text: Text
    when: When
    references: RefIds


class Specifier(_Model):
    """A specifier (course, clinical significance...) that holds when ``when`` is true."""

    id: Id
    name: Text
    when: When
    references: RefIds


class Condition(_Model):
    """A condition the assessment can rank."""

    id: Id
    name: Text
    group: Literal["emergency", "rls", "sleep", "mimic", "weakness", "tremor"]
    summary: Text
    prior: Annotated[float, Field(gt=0, lt=1)] = Field(
        description="pre-test probability among people who would use the tool"
    )
    requires: When | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    criteria: list[Criterion] = Field(default_factory=list)
    criteria_rule: Literal["all_required"] | None = None
    specifiers: list[Specifier] = Field(default_factory=list)
    urgency: Urgency = "routine"
    urgency_min_band: Band = "likely"
    urgency_reason: Text
    references: Annotated[list[Id], Field(min_length=1)]

    @model_validator(mode="after")
    def _criteria(self) -> Condition:
        if self.criteria_rule and not self.criteria:
            raise ValueError("criteria_rule needs criteria")
        for name, items in (("criteria", self.criteria), ("specifiers", self.specifiers)):
            ids = [i.id for i in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{name} ids must be unique; got {ids}")
        return self


class RedFlag(_Model):
    """An answer pattern that needs emergency or urgent care, whatever else is found."""

    id: Id
    name: Text
    condition: Id
    urgency: Literal["emergency", "urgent"]
    when: When
    action: Text
    references: Annotated[list[Id], Field(min_length=1)]


class Indication(_Model):
    """One reason to order a test or make a referral."""

    when: When
    why: Text
    references: RefIds


#: What kind of examination a test is (what a clinic orders it as): a laboratory test,
#: imaging (ultrasound/Doppler, MRI, CT), polysomnography, electromyography / nerve
#: conduction, or anything else (e.g. an ECG).
TestKind = Literal["lab", "imaging", "psg", "emg", "other"]


class Recommendable(_Model):
    """What tests and referrals share: a name, reasons to recommend them, references."""

    id: Id
    name: Text
    description: Text | None = None
    indications: list[Indication] = Field(default_factory=list)
    references: Annotated[list[Id], Field(min_length=1)]


class Test(Recommendable):
    """A test or examination to ask for.

    Its indications may be given inline or, from another file, as
    ``indications`` items naming the test (see :class:`ExtraIndication`); the
    loader merges them and requires at least one. ``kind`` says how a clinic
    orders it; ``measures`` names the clinician questions (``audience:
    clinician``, numbers) whose values its result gives, so a result entered for
    the test feeds back into the assessment (e.g. iron studies measure
    ``ferritin_ng_ml`` and ``tsat_percent``).
    """

    kind: TestKind = "other"
    measures: list[Id] = Field(default_factory=list)


class Referral(Recommendable):
    """A specialist to see."""


class ExtraIndication(_Model):
    """A reason to order a test or make a referral, kept beside the condition it serves."""

    id: Id
    test: Id | None = None
    referral: Id | None = None
    when: When
    why: Text
    references: RefIds

    @model_validator(mode="after")
    def _one_target(self) -> ExtraIndication:
        if (self.test is None) == (self.referral is None):
            raise ValueError("an indication names exactly one of 'test' or 'referral'")
        return self


class TimelineUse(_Model):
    """How a treatment appears in a patient's treatment timeline (``quietlegs.diary``).

    Only treatments a person can be *on* (a medicine group, iron, a device) carry this;
    information-only items (e.g. "no iron if TSAT is high") do not.
    """

    dopaminergic: bool = Field(
        False,
        description=(
            "a dopaminergic medicine (levodopa, dopamine agonists): the diary watches for "
            "augmentation by the MPI criteria (garciaborreguero2007_mpi)"
        ),
    )
    over_the_counter: bool = Field(
        False,
        description="bought without a prescription: patients may record it in their own timeline",
    )


class Treatment(_Model):
    """A group of treatment, with the current guideline's direction and strength."""

    id: Id
    name: Text
    conditions: Annotated[list[Id], Field(min_length=1)]
    min_band: Band = "possible"
    when: When | None = None
    direction: Literal["for", "against", "against_standard_use", "no_recommendation"]
    strength: Literal["strong", "conditional", "good_practice", "not_graded"]
    certainty: Literal["high", "moderate", "low", "very_low", "not_graded"]
    info: Text
    article_note: Text | None = Field(
        None, description="where the source article differs from the current guideline"
    )
    timeline: TimelineUse | None = Field(
        None, description="set when a patient can be on it: it may be recorded in the diary"
    )
    references: Annotated[list[Id], Field(min_length=1)]


class Advice(_Model):
    """A prevention or self-care measure."""

    id: Id
    text: Text
    when: When
    evidence: Text
    evidence_level: Literal["guideline", "trial", "observational", "expert_opinion", "none"]
    source: Literal["article", "guideline", "article_and_guideline"]
    references: Annotated[list[Id], Field(min_length=1)]


class SecondaryCause(_Model):
    """A cause that makes a condition (RLS) secondary."""

    id: Id
    condition: Id
    name: Text
    when: When
    evidence_level: Literal["established", "weak", "not_established"]
    note: Text
    references: Annotated[list[Id], Field(min_length=1)]


class ConsistencyRule(_Model):
    """Answers that contradict each other: ``when`` true means contradiction."""

    id: Id
    when: When
    message: Text


class ArticleClaim(_Model):
    """A claim of the source article, checked against current evidence."""

    id: Id
    claim: Text
    verdict: Literal["consistent", "partly_consistent", "conflicts", "no_evidence"]
    current_evidence: Text
    references: Annotated[list[Id], Field(min_length=1)]


class Meta(_Model):
    """The knowledge base's version, sections and UI texts."""

    version: Annotated[str, Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")]
    released: dt.date
    languages: list[Literal["en", "ru"]]
    sections: Annotated[list[Id], Field(min_length=1)]
    section_names: dict[str, Text] = Field(default_factory=dict)
    texts: dict[str, Text]

    @field_validator("texts")
    @classmethod
    def _required_texts(cls, value: dict[str, Text]) -> dict[str, Text]:
        missing = sorted(set(REQUIRED_TEXTS) - set(value))
        if missing:
            raise ValueError(f"texts is missing {missing}")
        return value


#: UI texts every knowledge base must define in ``meta.texts``.
REQUIRED_TEXTS: tuple[str, ...] = (
    "disclaimer",
    "emergency_call",
    "treatment_notice",
    "urgency_emergency",
    "urgency_urgent",
    "urgency_routine",
    "urgency_self_care",
    "reason_no_pattern",
    "band_unlikely",
    "band_possible",
    "band_likely",
    "band_very_likely",
)

#: Kinds of item, the YAML key they live under and their model.
KINDS: dict[str, type[_Model]] = {
    "references": Reference,
    "questions": Question,
    "conditions": Condition,
    "red_flags": RedFlag,
    "tests": Test,
    "referrals": Referral,
    "indications": ExtraIndication,
    "treatments": Treatment,
    "advice": Advice,
    "secondary_causes": SecondaryCause,
    "consistency": ConsistencyRule,
    "article_claims": ArticleClaim,
}


def model_fields_with_paths(model: BaseModel) -> list[tuple[tuple[str | int, ...], Any]]:
    """Return every (path, value) below ``model``, recursing into models and lists."""
    out: list[tuple[tuple[str | int, ...], Any]] = []

    def visit(value: Any, path: tuple[str | int, ...]) -> None:
        out.append((path, value))
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                visit(getattr(value, name), (*path, name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                visit(item, (*path, i))

    visit(model, ())
    return out
