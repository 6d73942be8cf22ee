"""An in-memory SubscriptionGateway for the lifecycle's tests (the real gateways are tested by
their own packages against their fakes), and builders of its normalized events."""

import dataclasses
import datetime as dt
import itertools

import pytest

from kazan.billing import gateways
from kazan.billing.gateways import (
    GatewayError,
    SubscriptionCheckoutRequest,
    SubscriptionCheckoutResult,
    SubscriptionEventData,
    SubscriptionFetched,
    sync_event_id,
    sync_invoice_event_id,
)
from kazan.billing.models import PlanSubscription
from kazan.billing.queries.plans import plan_by_key
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.services.plan_subscriptions import (
    plan_subscription_for,
    subscription_checkout_start,
)

KEY = "fakesub"
_ids = itertools.count(1)


class FakeSubscriptionGateway:
    key = KEY
    redirects = True
    prorates = False  # the lifecycle invoices the proration itself
    portal_origin = ""
    calls: list[tuple[str, dict]] = []
    # What subscription_fetch answers per gateway subscription id: the fields of the state
    # (status, price_id, current_period_*, cancel_at_period_end…) or an exception to raise.
    states: dict[str, dict | Exception] = {}
    # Its latest paid invoice per gateway subscription id: the fields of the invoice_paid event
    # (gateway_invoice_id, amount_minor, currency, occurred_at, current_period_*…).
    invoices: dict[str, dict] = {}

    @classmethod
    def create(cls) -> "FakeSubscriptionGateway":
        return cls()

    def checkout_start(self, request):  # the one-off interface: unused by plans
        raise NotImplementedError

    def checkout_state(self, reference):
        return None

    def price_ensure(self, **kwargs) -> str:
        self.calls.append(("price_ensure", kwargs))
        return f"price_{kwargs['plan_key']}_{kwargs['interval']}_{kwargs['amount_minor']}"

    def subscription_checkout_start(
        self, request: SubscriptionCheckoutRequest
    ) -> SubscriptionCheckoutResult:
        self.calls.append(("checkout", {"request": request}))
        return SubscriptionCheckoutResult(
            reference=f"cs_{next(_ids)}", redirect_url="https://pay.example/checkout"
        )

    def subscription_change(self, **kwargs) -> None:
        self.calls.append(("change", kwargs))

    def subscription_cancel(self, **kwargs) -> None:
        self.calls.append(("cancel", kwargs))

    def subscription_resume(self, **kwargs) -> None:
        self.calls.append(("resume", kwargs))

    def portal_url(self, *, gateway_customer_id: str, return_url: str) -> str:
        return f"https://pay.example/portal/{gateway_customer_id}"

    def payment_refund(self, **kwargs) -> str:
        self.calls.append(("refund", kwargs))
        return "re_1"

    def subscription_fetch(self, *, gateway_subscription_id: str) -> SubscriptionFetched:
        self.calls.append(("fetch", {"gateway_subscription_id": gateway_subscription_id}))
        state = self.states.get(gateway_subscription_id)
        if state is None:
            raise GatewayError("No such subscription", code="resource_missing")
        if isinstance(state, Exception):
            raise state
        fetched = SubscriptionEventData(
            gateway=KEY,
            event_id="",
            event_type="subscription.fetched",
            kind="subscription",
            gateway_subscription_id=gateway_subscription_id,
            occurred_at=dt.datetime.now(dt.UTC),
            observed=True,
            **state,
        )
        invoice = self.invoices.get(gateway_subscription_id)
        paid = invoice and SubscriptionEventData(
            gateway=KEY,
            event_id="",
            event_type="invoice.fetched",
            kind="invoice_paid",
            gateway_subscription_id=gateway_subscription_id,
            observed=True,
            **invoice,
        )
        return SubscriptionFetched(
            state=dataclasses.replace(fetched, event_id=sync_event_id(fetched)),
            invoice=paid and dataclasses.replace(paid, event_id=sync_invoice_event_id(paid)),
        )


@pytest.fixture
def fake_gateway(settings):
    """The fake registered as a subscription gateway for one test."""
    gateways._builtin_load()
    gateways.gateway_register(KEY, FakeSubscriptionGateway.create)
    settings.BILLING_GATEWAYS = [KEY, "manual"]
    FakeSubscriptionGateway.calls = []
    FakeSubscriptionGateway.states = {}
    FakeSubscriptionGateway.invoices = {}
    FakeSubscriptionGateway.prorates = False
    yield FakeSubscriptionGateway
    gateways._registry.pop(KEY, None)


def event(kind: str, *, subscription, **fields) -> SubscriptionEventData:
    """A verified event of the fake gateway about `subscription` (a new event id each time)."""
    fields.setdefault("gateway_subscription_id", "sub_1")
    fields.setdefault("gateway_customer_id", "cus_1")
    fields.setdefault("occurred_at", dt.datetime.now(dt.UTC))
    return SubscriptionEventData(
        gateway=KEY,
        event_id=fields.pop("event_id", f"evt_{next(_ids)}"),
        event_type=fields.pop("event_type", kind),
        kind=kind,
        local_subscription_id=subscription.pk,
        **fields,
    )


def subscribe(*, business, owner, fake_gateway, time_machine, plan: str = "basic"):
    """Checkout on `plan` (monthly), the gateway's subscription event and its first paid invoice."""
    chosen = plan_by_key(key=plan)
    started = subscription_checkout_start(
        business=business, plan=chosen, interval="month", gateway_key="fakesub", actor=owner
    )
    assert started.redirect_url == "https://pay.example/checkout"
    subscription = plan_subscription_for(business)
    ((_, call),) = [c for c in fake_gateway.calls if c[0] == "checkout"]
    request = call["request"]
    assert (
        subscription_event_apply(
            event=event(
                "subscription",
                subscription=subscription,
                status="trialing",
                price_id=request.price_id,
            )
        )
        == "applied"
    )
    time_machine.move_to(subscription.trial_ends_at, tick=False)
    period_end = subscription.trial_ends_at + dt.timedelta(days=31)
    result = subscription_event_apply(
        event=event(
            "invoice_paid",
            subscription=subscription,
            gateway_invoice_id="in_1",
            payment_reference="ch_1",
            amount_minor=request.amount_minor,
            currency="EUR",
            billing_reason="subscription_cycle",
            current_period_start=subscription.trial_ends_at,
            current_period_end=period_end,
        )
    )
    assert result == "applied"
    return request, PlanSubscription.objects.get(pk=subscription.pk)
