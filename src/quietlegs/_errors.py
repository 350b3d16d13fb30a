"""Exception hierarchy shared by every quietlegs package.

Every error quietlegs raises for bad input derives from :class:`QuietlegsError`,
so a shell (CLI, web app) can catch one type and show the message without a
traceback.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class Problem:
    """One problem with some input, as data a shell can word in its user's language.

    The core writes ``message`` in English (the CLI and the library show it); a shell
    that speaks other languages words the problem from ``code``, ``field``, ``row``
    and ``params`` instead (the web app does, through gettext). ``str(problem)`` is
    the English message.

    Parameters
    ----------
    code : str
        A stable, machine-readable name of the kind of problem (``"out_of_range"``,
        ``"not_a_time"``...). The codes a package uses are listed beside it (e.g.
        :data:`quietlegs.diary.PROBLEM_CODES`).
    message : str
        The problem in English, naming the field (and, for a file, the row and
        column), what is allowed and what was given.
    field : str | None
        The field (or a file's column) concerned, by its id (``"rest_latency_min"``);
        ``None`` for a problem of the whole input.
    row : int | None
        For a file, the row concerned (the header is row 1); else ``None``.
    params : mapping of str to object
        The values the message is made of (``{"low": 0, "high": 10, "value": 12}``);
        dates are :class:`datetime.date`, times :class:`datetime.time`, so a shell can
        format them for its reader.
    """

    code: str
    message: str
    field: str | None = None
    row: int | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class QuietlegsError(Exception):
    """Base class of every error quietlegs raises on purpose."""


class KnowledgeBaseError(QuietlegsError):
    """The knowledge base is malformed; ``problems`` lists each one.

    Parameters
    ----------
    problems : iterable of str
        One human-readable line per problem, each naming the file and line
        where it was found (``file.yaml:12: ...``).
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        count = len(self.problems)
        head = f"knowledge base has {count} problem{'s' if count != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class _ProblemListError(QuietlegsError, ValueError):
    """An input with one or more problems: ``details`` as data, ``problems`` in English.

    Parameters
    ----------
    problems : iterable of Problem or str
        One per problem; a plain string becomes a :class:`Problem` with the code
        ``"invalid"``.
    """

    #: What the problems are with, in the message's head ("3 problems with the diary").
    _subject = "the input"

    def __init__(self, problems: Iterable[Problem | str]) -> None:
        self.details: list[Problem] = [
            p if isinstance(p, Problem) else Problem("invalid", p) for p in problems
        ]
        self.problems: list[str] = [p.message for p in self.details]
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} with {self._subject}"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class AnswerError(_ProblemListError):
    """A set of answers cannot be assessed; ``problems`` lists each reason.

    ``problems`` holds each problem in English, naming the question id concerned;
    ``details`` holds the same problems as :class:`Problem` data (a stable ``code``
    such as ``"unknown_question"``, ``"out_of_range"`` or ``"contradictory"``, the
    question id as ``field``, the ``params``) for shells that word them in another
    language (:data:`quietlegs.assessment.answers.ANSWER_PROBLEM_CODES` lists the codes).

    Parameters
    ----------
    problems : iterable of Problem or str
        One per problem; a plain string becomes a :class:`Problem` with the code
        ``"invalid"``.
    """

    _subject = "the answers"


class SignalError(QuietlegsError, ValueError):
    """A recording or a scoring file cannot be used; the message says why.

    Raised by :mod:`quietlegs.signals` for files that are not what they claim
    to be (not an EDF, truncated, a header that lies about its length, scaling
    that would produce NaN, no leg channel, a sampling rate too low for the
    scoring rules, an unreadable hypnogram). The message names the file and,
    where it applies, the channel or line concerned and what was expected;
    ``problem`` holds it as :class:`Problem` data (a stable ``code`` such as
    ``"sampling_rate_too_low"``, and the ``params``) where the reader of a recording
    gives one, for shells that word it in another language (``"invalid"`` otherwise).
    """

    def __init__(
        self, message: str, *, code: str = "invalid", params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.problem = Problem(code, message, None, None, dict(params or {}))


class SchedulingError(QuietlegsError, ValueError):
    """An availability, exception or booking rule cannot be used; the message says why.

    Raised by :mod:`quietlegs.scheduling` for overlapping availability windows,
    empty or inverted time ranges, unknown time zones, visit types or urgency
    levels. The message names the parameter, what was allowed and what was given;
    ``problem`` holds it as :class:`Problem` data (a stable ``code``, the ``field``,
    the ``params``) for shells that word it in another language.

    Parameters
    ----------
    message : str
        The problem in English.
    code : str
        The kind of problem (``"out_of_range"``, ``"windows_overlap"``...); ``"invalid"``
        when no other code fits.
    field : str | None
        The parameter concerned, by its name (``"duration_min"``).
    params : mapping, optional
        The values the message is made of.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = Problem(code, message, field, None, dict(params or {}))


class SlotUnavailableError(SchedulingError):
    """A requested slot does not exist (any more), is in the past, or is taken."""


class DiaryError(_ProblemListError):
    """A diary entry, a treatment period or a diary file cannot be used.

    Raised by :mod:`quietlegs.diary` for impossible values (a severity of 12, an
    onset of ``25:00``, a night in the future, a second entry for the same night,
    a treatment stopped before it started, a malformed CSV row). ``problems``
    lists every problem found in English, each naming the field (and, for a file,
    the row and column) concerned, what is allowed and what was given;
    ``details`` holds the same problems as :class:`Problem` data (a stable
    ``code``, the ``field``, the ``row`` and the ``params``) for shells that word
    them in another language.

    Parameters
    ----------
    problems : iterable of Problem or str
        One per problem; a plain string becomes a :class:`Problem` with the code
        ``"invalid"``.
    """

    _subject = "the diary"
