"""Answers to an explained, safe report. No I/O, no web.

- :func:`assess` — answers in, :class:`Report` out;
- :class:`Interview` — which question next, and when to stop;
- :func:`normalize_answers` — check answers without assessing them.
"""

from quietlegs.assessment.answers import normalize_answers
from quietlegs.assessment.inference import Evaluation, evaluate
from quietlegs.assessment.interview import Interview
from quietlegs.assessment.report import LANGUAGES, Report, assess, build_report

__all__ = [
    "LANGUAGES",
    "Evaluation",
    "Interview",
    "Report",
    "assess",
    "build_report",
    "evaluate",
    "normalize_answers",
]
