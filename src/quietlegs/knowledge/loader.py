"""Load, validate and version the knowledge base.

:func:`load_knowledge_base` reads every ``*.yaml`` file of a folder, validates
each item against :mod:`quietlegs.knowledge.schema`, then checks the links
between items (references, question ids, choice ids, conditions, criteria)
and reports *every* problem with its file and line at once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from quietlegs._errors import KnowledgeBaseError
from quietlegs.knowledge.predicates import (
    QUESTION_OPERATORS,
    Compiled,
    ConditionAtLeast,
    CriterionMet,
    Predicate,
    PredicateSyntaxError,
    QuestionTest,
    RedFlagRaised,
    SecondaryCauseFound,
    SpecifierHolds,
    compile_predicate,
    time_to_minutes,
)
from quietlegs.knowledge.schema import (
    KINDS,
    Advice,
    ArticleClaim,
    Condition,
    ConsistencyRule,
    Indication,
    Meta,
    Question,
    RedFlag,
    Reference,
    Referral,
    SecondaryCause,
    Test,
    Treatment,
    model_fields_with_paths,
)
from quietlegs.knowledge.yamlsource import SourceMap, YamlSourceError, read_yaml_cached

logger = logging.getLogger("quietlegs.knowledge")

#: The knowledge base shipped with quietlegs.
DEFAULT_DATA_DIR = Path(__file__).parent / "data"


@dataclass
class KnowledgeBase:
    """The validated clinical knowledge base.

    Items are kept in dictionaries keyed by id, in evaluation order:
    questions by interview section then file order, conditions so that a
    condition comes after every condition its rules look at.
    """

    meta: Meta
    content_hash: str
    references: dict[str, Reference]
    questions: dict[str, Question]
    conditions: dict[str, Condition]
    red_flags: dict[str, RedFlag]
    tests: dict[str, Test]
    referrals: dict[str, Referral]
    treatments: dict[str, Treatment]
    advice: dict[str, Advice]
    secondary_causes: dict[str, SecondaryCause]
    consistency: dict[str, ConsistencyRule]
    article_claims: dict[str, ArticleClaim]
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _compiled: dict[int, Compiled] = field(default_factory=dict, repr=False)

    @property
    def version(self) -> str:
        """Return the version: the release number and a hash of the content."""
        return f"{self.meta.version}+{self.content_hash[:10]}"

    def rule(self, pred: Predicate) -> Compiled:
        """Return the compiled form of a predicate of this knowledge base."""
        return self._compiled[id(pred)]

    def text(self, key: str, lang: str = "en") -> str:
        """Return the UI text ``key`` of ``meta.texts`` in ``lang``."""
        return self.meta.texts[key].get(lang)

    def citation(self, ref_id: str) -> str:
        """Return the one-line citation of reference ``ref_id``."""
        return self.references[ref_id].citation()


def parse_cache_dir() -> Path | None:
    """Return where parsed YAML is cached, or ``None`` if caching is off.

    ``QUIETLEGS_CACHE_DIR`` chooses the folder (empty turns caching off); the default
    is ``$XDG_CACHE_HOME/quietlegs`` or ``~/.cache/quietlegs``.
    """
    configured = os.environ.get("QUIETLEGS_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "quietlegs"


@functools.lru_cache(maxsize=4)
def _load_cached(data_dir: Path) -> KnowledgeBase:
    return _load(data_dir)


def load_knowledge_base(data_dir: str | Path | None = None, *, cache: bool = True) -> KnowledgeBase:
    """Load and validate a knowledge base.

    Parameters
    ----------
    data_dir : str | Path | None
        Folder of ``*.yaml`` files; ``None`` loads the knowledge base shipped
        with quietlegs.
    cache : bool
        Reuse an earlier load of the same folder (the files are not re-read).

    Returns
    -------
    kb : KnowledgeBase
        The validated knowledge base.

    Raises
    ------
    KnowledgeBaseError
        If anything is wrong; ``problems`` lists every problem with file and line.
    """
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    folder = folder.resolve()
    if not folder.is_dir():
        raise KnowledgeBaseError([f"{folder}: knowledge base folder does not exist"])
    return _load_cached(folder) if cache else _load(folder)


class _Collector:
    """Items of every kind with where each came from, and the problems found."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self.where: dict[tuple[str, str], tuple[SourceMap, tuple[str | int, ...]]] = {}
        self.meta: Meta | None = None
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def add(self, kind: str, item: BaseModel, smap: SourceMap, path: tuple[str | int, ...]) -> None:
        item_id = str(getattr(item, "id"))  # noqa: B009 - every item model has an id
        if item_id in self.items[kind]:
            first, _ = self.where[(kind, item_id)]
            self.problems.append(
                f"{smap.where(path)}: duplicate {kind} id {item_id!r} "
                f"(first defined in {first.file})"
            )
            return
        self.items[kind][item_id] = item
        self.where[(kind, item_id)] = (smap, path)

    def at(self, kind: str, item_id: str, sub: tuple[str | int, ...] = ()) -> str:
        smap, path = self.where[(kind, item_id)]
        return smap.where((*path, *sub))


def _format_validation(
    exc: ValidationError, smap: SourceMap, base: tuple[str | int, ...]
) -> list[str]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        inner = err.get("ctx", {}).get("error")
        if isinstance(inner, PredicateSyntaxError):
            loc = (*loc, *inner.path)
            message = str(inner)
        else:
            message = err["msg"]
        dotted = ".".join(str(p) for p in (*base, *loc))
        out.append(f"{smap.where((*base, *loc))}: {dotted}: {message}")
    return out


def _read_files(folder: Path, col: _Collector) -> str:
    digest = hashlib.sha256()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        col.problems.append(f"{folder}: no *.yaml files")
    for path in files:
        raw_bytes = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw_bytes)
        try:
            data, smap = read_yaml_cached(path, raw_bytes, parse_cache_dir())
        except YamlSourceError as exc:
            col.problems.append(str(exc))
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            col.problems.append(f"{path.name}:1: the file must be a mapping of kinds to lists")
            continue
        for kind, entries in data.items():
            if kind == "meta":
                if col.meta is not None:
                    col.problems.append(f"{smap.where(('meta',))}: meta is defined twice")
                    continue
                try:
                    col.meta = Meta.model_validate(entries)
                except ValidationError as exc:
                    col.problems.extend(_format_validation(exc, smap, ("meta",)))
                continue
            if kind not in KINDS:
                col.problems.append(
                    f"{smap.where((kind,))}: unknown kind {kind!r}; expected one of "
                    f"{['meta', *KINDS]}"
                )
                continue
            if not isinstance(entries, list):
                col.problems.append(f"{smap.where((kind,))}: {kind} must be a list")
                continue
            model = KINDS[kind]
            for i, raw in enumerate(entries):
                try:
                    item = model.model_validate(raw)
                except ValidationError as exc:
                    col.problems.extend(_format_validation(exc, smap, (kind, i)))
                    continue
                col.add(kind, item, smap, (kind, i))
    if col.meta is None and files:
        col.problems.append(f"{folder}: no file defines 'meta' (version, sections, texts)")
    return digest.hexdigest()


def _check_question_test(test: QuestionTest, questions: Mapping[str, Question]) -> str | None:
    question = questions.get(test.question)
    if question is None:
        return f"unknown question {test.question!r}"
    allowed = QUESTION_OPERATORS[test.op]
    if question.type not in allowed:
        return (
            f"operator {test.op!r} does not apply to {question.type} question "
            f"{test.question!r} (it applies to {sorted(allowed)})"
        )
    if test.op == "answered":
        return None
    values = test.value if isinstance(test.value, tuple) else (test.value,)
    if question.type in ("choice", "multi_choice"):
        bad = [v for v in values if v not in question.choice_ids()]
        if bad:
            return (
                f"question {test.question!r} has no choice {bad[0]!r}; "
                f"choices are {list(question.choice_ids())}"
            )
    elif question.type == "yes_no":
        if not all(isinstance(v, bool) for v in values):
            return f"yes_no question {test.question!r} is tested against true/false; got {values!r}"
    elif question.type == "number":
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return f"number question {test.question!r} is tested against a number; got {values!r}"
    elif question.type == "time_of_day":
        try:
            for v in values:
                time_to_minutes(v)
        except ValueError as exc:
            return f"question {test.question!r}: {exc}"
    return None


def _check_links(col: _Collector) -> dict[str, set[str]]:
    """Check every cross-reference; return, per condition, the conditions it depends on."""
    refs = col.items["references"]
    questions: dict[str, Question] = col.items["questions"]
    conditions: dict[str, Condition] = col.items["conditions"]
    criteria = {(c.id, k.id) for c in conditions.values() for k in c.criteria}
    specifiers = {(c.id, s.id) for c in conditions.values() for s in c.specifiers}
    sections = set(col.meta.sections) if col.meta else set()
    depends: dict[str, set[str]] = {cid: set() for cid in conditions}

    for kind, items in col.items.items():
        for item_id, item in items.items():
            owner = item_id if kind == "conditions" else None
            for path, value in model_fields_with_paths(item):
                where = col.at(kind, item_id, path)
                if path and path[-1] == "references" and isinstance(value, list):
                    for ref in value:
                        if ref not in refs:
                            col.problems.append(
                                f"{where}: {kind} {item_id!r}: unknown reference {ref!r}"
                            )
                if isinstance(value, Predicate):
                    for node in value.walk():
                        problem = _check_node(
                            node, questions, conditions, criteria, specifiers, col
                        )
                        if problem:
                            col.problems.append(f"{where}: {kind} {item_id!r}: {problem}")
                        elif owner and isinstance(
                            node, ConditionAtLeast | CriterionMet | SpecifierHolds
                        ):
                            if node.condition != owner:
                                depends[owner].add(node.condition)
                        elif owner and isinstance(node, SecondaryCauseFound):
                            col.problems.append(
                                f"{where}: condition {item_id!r}: condition rules cannot look at "
                                "secondary causes (they are found after every condition is ranked)"
                            )
            if kind == "consistency":
                screened = [
                    node.question
                    for node in item.when.walk()
                    if isinstance(node, QuestionTest)
                    and node.question in questions
                    and questions[node.question].section == "red_flags"
                ]
                if screened:
                    col.problems.append(
                        f"{col.at(kind, item_id, ('when',))}: consistency rule {item_id!r} "
                        "looks at "
                        f"red-flag question {screened[0]!r}; a contradiction must never stop a red "
                        "flag from being reported"
                    )
            if kind == "questions" and sections and item.section not in sections:
                col.problems.append(
                    f"{col.at(kind, item_id, ('section',))}: question {item_id!r}: unknown section "
                    f"{item.section!r}; meta.sections are {sorted(sections)}"
                )
            if kind == "red_flags" and item.condition not in conditions:
                col.problems.append(
                    f"{col.at(kind, item_id, ('condition',))}: red flag {item_id!r}: unknown "
                    f"condition {item.condition!r}"
                )
            if kind == "secondary_causes" and item.condition not in conditions:
                col.problems.append(
                    f"{col.at(kind, item_id, ('condition',))}: secondary cause {item_id!r}: "
                    "unknown "
                    f"condition {item.condition!r}"
                )
            if kind == "tests":
                for i, qid in enumerate(item.measures):
                    measured = questions.get(qid)
                    if (
                        measured is None
                        or measured.audience != "clinician"
                        or measured.type != "number"
                    ):
                        col.problems.append(
                            f"{col.at(kind, item_id, ('measures', i))}: test {item_id!r}: "
                            f"measures {qid!r}, which is not a number question with "
                            "audience 'clinician'"
                        )
            if kind == "treatments":
                for i, cid in enumerate(item.conditions):
                    if cid not in conditions:
                        col.problems.append(
                            f"{col.at(kind, item_id, ('conditions', i))}: treatment {item_id!r}: "
                            f"unknown condition {cid!r}"
                        )
    return depends


def _check_node(
    node: Predicate,
    questions: Mapping[str, Question],
    conditions: Mapping[str, Condition],
    criteria: set[tuple[str, str]],
    specifiers: set[tuple[str, str]],
    col: _Collector,
) -> str | None:
    if isinstance(node, QuestionTest):
        return _check_question_test(node, questions)
    if isinstance(node, ConditionAtLeast | CriterionMet | SpecifierHolds):
        if node.condition not in conditions:
            return f"unknown condition {node.condition!r}"
        if isinstance(node, CriterionMet):
            if node.criterion is None and not conditions[node.condition].criteria:
                return f"condition {node.condition!r} has no criteria"
            if node.criterion is not None and (node.condition, node.criterion) not in criteria:
                return f"condition {node.condition!r} has no criterion {node.criterion!r}"
        if isinstance(node, SpecifierHolds) and (node.condition, node.specifier) not in specifiers:
            return f"condition {node.condition!r} has no specifier {node.specifier!r}"
    if isinstance(node, SecondaryCauseFound) and node.cause not in col.items["secondary_causes"]:
        return f"unknown secondary cause {node.cause!r}"
    if isinstance(node, RedFlagRaised) and node.red_flag not in col.items["red_flags"]:
        return f"unknown red flag {node.red_flag!r}"
    return None


def _merge_indications(col: _Collector) -> None:
    """Attach ``indications`` items to their tests and referrals; require one each."""
    for ind_id, extra in col.items["indications"].items():
        kind, target = ("tests", extra.test) if extra.test else ("referrals", extra.referral)
        items = col.items[kind]
        if target not in items:
            field_name = "test" if kind == "tests" else "referral"
            col.problems.append(
                f"{col.at('indications', ind_id, (field_name,))}: indication {ind_id!r}: unknown "
                f"{field_name} {target!r}"
            )
            continue
        item = items[target]
        added = Indication(when=extra.when, why=extra.why, references=extra.references)
        items[target] = item.model_copy(update={"indications": [*item.indications, added]})
    for kind in ("tests", "referrals"):
        for item_id, item in col.items[kind].items():
            if not item.indications:
                col.warnings.append(
                    f"{col.at(kind, item_id)}: {kind[:-1]} {item_id!r} has no indications; add "
                    "them inline or as 'indications' items in a domain file"
                )


def _load(folder: Path) -> KnowledgeBase:
    col = _Collector()
    content_hash = _read_files(folder, col)
    _merge_indications(col)
    depends = _check_links(col)
    order: list[str] = []
    try:
        order = list(TopologicalSorter(depends).static_order())
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        col.problems.append(f"conditions depend on each other in a cycle: {cycle}")
    if col.problems or col.meta is None:
        raise KnowledgeBaseError(list(dict.fromkeys(col.problems)))
    meta = col.meta
    section_rank = {s: i for i, s in enumerate(meta.sections)}
    questions = dict(
        sorted(col.items["questions"].items(), key=lambda kv: section_rank[kv[1].section])
    )
    kb = KnowledgeBase(
        meta=meta,
        content_hash=content_hash,
        references=col.items["references"],
        questions=questions,
        conditions={cid: col.items["conditions"][cid] for cid in order},
        red_flags=col.items["red_flags"],
        tests=col.items["tests"],
        referrals=col.items["referrals"],
        treatments=col.items["treatments"],
        advice=col.items["advice"],
        secondary_causes=col.items["secondary_causes"],
        consistency=col.items["consistency"],
        article_claims=col.items["article_claims"],
        origins={key: smap.where(path) for key, (smap, path) in col.where.items()},
        warnings=col.warnings,
    )
    for warning in col.warnings:
        logger.warning("knowledge base: %s", warning)
    qtypes = {q.id: q.type for q in questions.values()}
    criteria_of = {c.id: tuple(k.id for k in c.criteria) for c in kb.conditions.values()}
    for items in col.items.values():
        for item in items.values():
            for _, value in model_fields_with_paths(item):
                if isinstance(value, Predicate):
                    kb._compiled[id(value)] = compile_predicate(value, qtypes, criteria_of)
    logger.debug("loaded knowledge base %s from %s", kb.version, folder)
    return kb
