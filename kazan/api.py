"""The JSON API under /api/v1 (OpenAPI at /api/v1/docs, linked from /api/docs)."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from kazan.core.errors import KazanError

api = NinjaAPI(title="Kazan API", version="1", urls_namespace="api")


@api.exception_handler(KazanError)
def _domain_error(request: HttpRequest, exc: KazanError):
    return api.create_response(
        request, {"code": exc.code, "message": str(exc.message)}, status=exc.status
    )


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError):
    return api.create_response(
        request,
        {"code": "invalid", "message": "Some of the data is not valid.", "errors": exc.errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request, {"code": "unauthorized", "message": "Sign in first."}, status=401
    )


def _mount() -> None:
    from kazan.accounts.api import router as accounts_router
    from kazan.customers.api import router as customers_router
    from kazan.messaging.api import router as messaging_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/customers", customers_router)
    api.add_router("/messaging", messaging_router)


_mount()
