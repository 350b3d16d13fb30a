"""Clinical knowledge as data: YAML files validated by a typed schema."""

from quietlegs.knowledge.loader import DEFAULT_DATA_DIR, KnowledgeBase, load_knowledge_base
from quietlegs.knowledge.predicates import LIKELIHOOD_BANDS
from quietlegs.knowledge.schema import URGENCY_LEVELS

__all__ = [
    "DEFAULT_DATA_DIR",
    "LIKELIHOOD_BANDS",
    "URGENCY_LEVELS",
    "KnowledgeBase",
    "load_knowledge_base",
]
