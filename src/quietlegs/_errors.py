"""Exception hierarchy shared by every quietlegs package.

Every error quietlegs raises for bad input derives from :class:`QuietlegsError`,
so a shell (CLI, web app) can catch one type and show the message without a
traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


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


class AnswerError(QuietlegsError, ValueError):
    """A set of answers cannot be assessed; ``problems`` lists each reason.

    Parameters
    ----------
    problems : iterable of str
        One line per problem, each naming the question id concerned.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} with the answers"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class SignalError(QuietlegsError, ValueError):
    """A recording or a scoring file cannot be used; the message says why.

    Raised by :mod:`quietlegs.signals` for files that are not what they claim
    to be (not an EDF, truncated, a header that lies about its length, scaling
    that would produce NaN, no leg channel, a sampling rate too low for the
    scoring rules, an unreadable hypnogram). The message names the file and,
    where it applies, the channel or line concerned and what was expected.
    """


class SchedulingError(QuietlegsError, ValueError):
    """An availability, exception or booking rule cannot be used; the message says why.

    Raised by :mod:`quietlegs.scheduling` for overlapping availability windows,
    empty or inverted time ranges, unknown time zones, visit types or urgency
    levels. The message names the parameter, what was allowed and what was given.
    """


class SlotUnavailableError(SchedulingError):
    """A requested slot does not exist (any more), is in the past, or is taken."""


class DiaryError(QuietlegsError, ValueError):
    """A diary entry, a treatment period or a diary file cannot be used.

    Raised by :mod:`quietlegs.diary` for impossible values (a severity of 12, an
    onset of ``25:00``, a night in the future, a second entry for the same night,
    a treatment stopped before it started, a malformed CSV row). ``problems``
    lists every problem found, each naming the field (and, for a file, the row and
    column) concerned, what is allowed and what was given.

    Parameters
    ----------
    problems : iterable of str
        One line per problem.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} with the diary"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))
