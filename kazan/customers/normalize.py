"""Normalization of the free-form profile fields (name, language, tags) shared by services,
forms and the API, so every entry point accepts and refuses the same things."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kazan.core.errors import ValidationFailed
from kazan.customers.error_codes import CustomersErrorCode

NAME_MAX_LENGTH = 120
TAG_MAX_LENGTH = 40
TAGS_MAX = 20
SUPPORTED_LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)


def name_normalize(raw: str) -> str:
    # NUL never belongs in a name, and PostgreSQL refuses it outright.
    name = " ".join((raw or "").replace("\x00", "").split())
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(
            _("The name may have at most %(max)d characters.") % {"max": NAME_MAX_LENGTH},
            code=CustomersErrorCode.INVALID_NAME,
        )
    return name


def language_normalize(raw: str, *, strict: bool) -> str:
    """A supported language code or "". "de-DE" and "DE" become "de".

    Chat flows pass a browser's language and use strict=False: an unsupported language must not
    stop someone from registering. Dashboard and API edits use strict=True and get an error.
    """
    code = (raw or "").strip().lower().replace("_", "-").split("-", 1)[0]
    if not code or code in SUPPORTED_LANGUAGES:
        return code
    if strict:
        raise ValidationFailed(
            _("This language is not supported."), code=CustomersErrorCode.INVALID_LANGUAGE
        )
    return ""


def tags_normalize(raw: list[str] | tuple[str, ...]) -> list[str]:
    """Trimmed, de-duplicated (case-insensitively, first spelling wins) tag names."""
    seen: dict[str, str] = {}
    for item in raw:
        name = " ".join(str(item).replace("\x00", "").split())
        if not name:
            continue
        if len(name) > TAG_MAX_LENGTH:
            raise ValidationFailed(
                _("A tag may have at most %(max)d characters.") % {"max": TAG_MAX_LENGTH},
                code=CustomersErrorCode.INVALID_TAG,
            )
        seen.setdefault(name.casefold(), name)
    if len(seen) > TAGS_MAX:
        raise ValidationFailed(
            _("A customer may have at most %(max)d tags.") % {"max": TAGS_MAX},
            code=CustomersErrorCode.INVALID_TAG,
        )
    return list(seen.values())
