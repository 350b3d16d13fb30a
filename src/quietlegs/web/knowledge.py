"""The knowledge base as the web app uses it: loaded once per process."""

from __future__ import annotations

import functools

from django.utils.translation import get_language

from quietlegs.assessment import LANGUAGES, Interview
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base


def kb() -> KnowledgeBase:
    """Return the shipped knowledge base (cached after the first call)."""
    return load_knowledge_base()


@functools.lru_cache(maxsize=1)
def interview() -> Interview:
    """The patient interview over :func:`kb` (built once per process: building it
    probes every rule for the values that matter)."""
    return Interview(kb(), audience=("patient",))


def current_language() -> str:
    """Return the active UI language if the knowledge base has it, else English."""
    lang = (get_language() or "en")[:2]
    return lang if lang in LANGUAGES else "en"
