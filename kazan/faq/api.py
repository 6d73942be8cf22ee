"""/api/v1/faqs: a business's FAQs for its website, apps and integrations.

- With the publishable `X-Client-ID` (or the business's subdomain) a client reads the active
  FAQs and asks `GET /faqs/match?q=` (rate-limited per address; the question is logged like a
  chat's, without emails or phone numbers).
- With an API key or a member's session: every FAQ with filters, and creating, changing and
  deleting them (a manager's rights), within the business's plan (402
  `plan_limit_reached` at its FAQ limit, with the limit and an `upgrade_url`)."""

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kazan.core.api import Pagination, responses
from kazan.core.crypto import blind_index
from kazan.core.errors import NotFound
from kazan.core.http import client_ip
from kazan.core.ratelimit import ratelimit_hit
from kazan.core.schemas import InputSchema
from kazan.faq import queries, services
from kazan.faq.models import ANSWER_MAX, CATEGORY_MAX, QUESTION_MAX, Faq
from kazan.faq.richtext import answer_html, answer_text
from kazan.tenancy.api_auth import (
    ClientKeyAuth,
    ClientPrincipal,
    api_actor,
    api_require,
    tenant_auth,
)

router = Router(tags=["faqs"])
READ_AUTH = [*tenant_auth, ClientKeyAuth()]
# Questions per client address and business through /match.
MATCH_LIMIT = (30, 60)
LANGUAGE_CODES = "|".join(code for code, _name in settings.LANGUAGES)


class FaqOut(Schema):
    id: int
    question: str
    alternatives: list[str] = Field(description="Other phrasings of the question.")
    answer: str = Field(description="As written: a small Markdown subset (**bold**, lists, links).")
    answer_html: str = Field(
        description="Sanitized HTML (p, br, strong, em, ul, ol, li, links to http(s), mailto "
        "and tel): safe to insert as HTML."
    )
    answer_text: str = Field(description="Plain text, links as 'label: url'.")
    language: str
    category: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_answer_html(obj: Faq) -> str:
        return answer_html(obj.answer)

    @staticmethod
    def resolve_answer_text(obj: Faq) -> str:
        return answer_text(obj.answer)


class FaqFilters(Schema):
    language: str | None = Field(None, pattern=f"^({LANGUAGE_CODES})$")
    category: str | None = Field(None, max_length=CATEGORY_MAX)
    q: str | None = Field(None, max_length=200, description="Search in questions and answers.")
    active: bool | None = Field(None, description="API key or session only.")


class FaqIn(InputSchema):
    question: str = Field(min_length=1, max_length=QUESTION_MAX)
    alternatives: list[str] = Field(default_factory=list, max_length=50)
    answer: str = Field(min_length=1, max_length=ANSWER_MAX)
    language: str = Field(pattern=f"^({LANGUAGE_CODES})$", examples=["en"])
    category: str = Field("", max_length=CATEGORY_MAX)
    is_active: bool = True


class FaqPatch(InputSchema):
    question: str | None = Field(None, min_length=1, max_length=QUESTION_MAX)
    alternatives: list[str] | None = Field(None, max_length=50)
    answer: str | None = Field(None, min_length=1, max_length=ANSWER_MAX)
    language: str | None = Field(None, pattern=f"^({LANGUAGE_CODES})$")
    category: str | None = Field(None, max_length=CATEGORY_MAX)
    is_active: bool | None = None


class MatchQuery(Schema):
    q: str = Field(min_length=1, max_length=1000, description="The visitor's question.")
    language: str | None = Field(
        None, pattern=f"^({LANGUAGE_CODES})$", description="Preferred; others match too."
    )


class SuggestionOut(Schema):
    id: int
    question: str
    confidence: float


class MatchOut(Schema):
    outcome: str = Field(description="answered | suggested | unanswered")
    confidence: float = Field(description="The matcher's confidence in `faq`, 0 to 1.")
    faq: FaqOut | None = Field(description="The best FAQ when answered or suggested.")
    suggestions: list[SuggestionOut] = Field(description="Runners-up for a 'Did you mean …?'.")


def _public(request: HttpRequest) -> bool:
    return isinstance(getattr(request, "auth", None), ClientPrincipal)


def _reader_business(request: HttpRequest):
    """The business whose FAQs the caller reads: the client id's, or a member's or API key's
    (any role may read)."""
    principal = getattr(request, "auth", None)
    if isinstance(principal, ClientPrincipal):
        return principal.business
    return api_require(request, "customers.view")


@router.get(
    "/",
    auth=READ_AUTH,
    response=responses(list[FaqOut], 422),
    summary="FAQs, in their order",
    description="With X-Client-ID only the active ones (`active` is ignored).",
)
@paginate(Pagination)
def faqs_list(request: HttpRequest, filters: Query[FaqFilters]):
    business = _reader_business(request)
    active = True if _public(request) else filters.active
    return queries.faq_list(
        business=business,
        search=filters.q or "",
        category=filters.category or "",
        language=filters.language or "",
        active=active,
    )


@router.get(
    "/match",
    auth=READ_AUTH,
    response=responses(MatchOut, 422, 429),
    summary="The FAQ that answers a question",
    description=(
        "The closest active FAQ with the matcher's confidence, and runners-up. `outcome` is "
        "`answered` (confident), `suggested` (ask the visitor 'Did you mean …?' with `faq` and "
        "`suggestions`) or `unanswered` (out of scope: the question is listed as unanswered "
        "in the dashboard). 429 `rate_limited` after 30 questions a minute from one address."
    ),
)
def faqs_match(request: HttpRequest, params: Query[MatchQuery]):
    business = _reader_business(request)
    address = blind_index(client_ip(request), scope="faq.match")
    ratelimit_hit(
        f"faq:match:{business.pk}:{address}", limit=MATCH_LIMIT[0], window_seconds=MATCH_LIMIT[1]
    )
    match = services.faq_ask(
        business=business,
        text=params.q,
        language=params.language or business.language,
        channel="api",
    )
    faq = (
        queries.faq_get(business=business, faq_id=match.best.id) if match.best is not None else None
    )
    return {
        "outcome": match.outcome,
        "confidence": round(match.confidence, 4),
        "faq": faq,
        "suggestions": [
            {"id": hit.id, "question": hit.card.question, "confidence": round(hit.confidence, 4)}
            for hit in match.suggestions
        ],
    }


@router.get(
    "/{int:faq_id}",
    auth=READ_AUTH,
    response=responses(FaqOut, 404),
    summary="One FAQ",
    description="With X-Client-ID an inactive FAQ is unknown (404).",
)
def faqs_get(request: HttpRequest, faq_id: int):
    business = _reader_business(request)
    faq = queries.faq_get(business=business, faq_id=faq_id)
    if _public(request) and not faq.is_active:
        raise NotFound(_("This FAQ does not exist."))
    return faq


@router.post(
    "/",
    auth=tenant_auth,
    response=responses(FaqOut, 402, 409, 422, ok_status=201),
    summary="Add an FAQ",
    description="402 `plan_limit_reached` at the plan's FAQ limit (with `limit` and "
    "`upgrade_url`); 409 `duplicate_question` when the question exists in that language; "
    "400 `invalid_faq` for a refused field.",
)
def faqs_create(request: HttpRequest, payload: FaqIn):
    business = api_require(request, "settings.edit")
    faq = services.faq_create(business=business, **api_actor(request), **payload.dict())
    return Status(201, faq)


@router.patch(
    "/{int:faq_id}",
    auth=tenant_auth,
    response=responses(FaqOut, 404, 409, 422),
    summary="Change an FAQ",
    description="Only the fields sent change. 409 `duplicate_question`; 400 `invalid_faq`.",
)
def faqs_update(request: HttpRequest, faq_id: int, payload: FaqPatch):
    business = api_require(request, "settings.edit")
    faq = queries.faq_get(business=business, faq_id=faq_id)
    changes = payload.dict(exclude_unset=True)
    return services.faq_update(business=business, faq=faq, **api_actor(request), **changes)


@router.delete(
    "/{int:faq_id}",
    auth=tenant_auth,
    response=responses(None, 404, ok_status=204),
    summary="Delete an FAQ",
)
def faqs_delete(request: HttpRequest, faq_id: int):
    business = api_require(request, "settings.edit")
    faq = queries.faq_get(business=business, faq_id=faq_id)
    services.faq_delete(business=business, faq=faq, **api_actor(request))
    return Status(204, None)
