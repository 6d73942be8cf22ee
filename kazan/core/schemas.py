"""Base of the API's input schemas."""

from ninja import Schema
from pydantic import field_validator


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class InputSchema(Schema):
    """Refuses NUL characters in every text field (422): PostgreSQL cannot store or even compare
    them, so one would otherwise end as a DataError, a 500. Django's form fields do the same."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value):
        if _has_nul(value):
            raise ValueError("Null characters are not allowed.")
        return value
