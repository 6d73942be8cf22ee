"""The FAQ matcher: plain data in, a ranked answer out. No Django, no database: the faq app
builds an index from a business's FAQs and synonyms and caches it; `manage.py faq_eval` and
`bench/faq.py` build one from JSON Lines files.

    index = index_build(entries, synonyms)
    result = index.match("Habt ihr Hafermilch?", language="de")
    result.faq_id        # the best FAQ, or None when the matcher abstains (out of scope)
    result.confidence    # calibrated: about the chance that faq_id is right, 0..1
    result.suggestions   # the runners-up worth a "Did you mean …?", best first
"""

from kazan.faq.matching.encoder import VectorStore
from kazan.faq.matching.index import INDEX_FORMAT, FaqIndex, index_build
from kazan.faq.matching.types import FaqEntry, Match, MatchResult, Synonym

__all__ = [
    "INDEX_FORMAT",
    "FaqEntry",
    "FaqIndex",
    "Match",
    "MatchResult",
    "Synonym",
    "VectorStore",
    "index_build",
]
