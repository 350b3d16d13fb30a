"""quietlegs: leg weakness, restless legs, periodic limb movements and tremor.

The public API is small:

- :func:`quietlegs.knowledge.load_knowledge_base` loads the versioned clinical
  knowledge base;
- :func:`quietlegs.assessment.assess` turns answers into a :class:`Report`;
- :class:`quietlegs.assessment.Interview` chooses the next question.
"""

from __future__ import annotations

import logging

from quietlegs._errors import (
    AnswerError,
    DiaryError,
    KnowledgeBaseError,
    Problem,
    QuietlegsError,
)

__version__ = "0.1.0"

logger = logging.getLogger("quietlegs")
logger.addHandler(logging.NullHandler())

__all__ = [
    "AnswerError",
    "DiaryError",
    "KnowledgeBaseError",
    "Problem",
    "QuietlegsError",
    "__version__",
    "logger",
]
