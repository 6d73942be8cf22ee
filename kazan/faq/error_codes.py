"""The stable codes of the FAQ engine's errors."""

from kazan.core.errors import ErrorCode


class FaqErrorCode(ErrorCode):
    INVALID_FAQ = "invalid_faq"
    DUPLICATE_QUESTION = "duplicate_question"
    INVALID_SYNONYM = "invalid_synonym"
    INVALID_IMPORT = "invalid_import"
    NO_ANSWER = "faq_no_answer"
