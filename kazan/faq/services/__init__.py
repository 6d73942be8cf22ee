"""Write use-cases of the faq app, one module per group, re-exported here."""

from kazan.faq.services.faqs import (
    faq_clean,
    faq_create,
    faq_delete,
    faq_toggle,
    faq_update,
    synonym_create,
    synonym_delete,
    synonym_update,
)
from kazan.faq.services.imports import (
    ImportReport,
    faq_import,
    faq_import_check,
    faq_import_stage,
    faq_import_staged,
    faq_import_unstage,
)
from kazan.faq.services.questions import (
    faq_ask,
    faq_click_record,
    faq_question_record,
    unanswered_resolve,
)

__all__ = [
    "ImportReport",
    "faq_ask",
    "faq_clean",
    "faq_click_record",
    "faq_create",
    "faq_delete",
    "faq_import",
    "faq_import_check",
    "faq_import_stage",
    "faq_import_staged",
    "faq_import_unstage",
    "faq_question_record",
    "faq_toggle",
    "faq_update",
    "synonym_create",
    "synonym_delete",
    "synonym_update",
    "unanswered_resolve",
]
