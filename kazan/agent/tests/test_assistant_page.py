"""The Assistant page: settings with seed 002's ranges, the write-only API key, permissions and
tenants, the sandboxed "test the assistant" box, the AI message use and the chatbot analytics;
and the monthly AI message counter (on PostgreSQL: two threads at the quota boundary)."""

import pytest
from django.test import override_settings

from kazan.activity.models import Activity
from kazan.agent import services
from kazan.agent.models import AgentSettings, AgentToolCall
from kazan.agent.queries import agent_settings_get
from kazan.agent.testing import API_KEY, FakeOpenAI
from kazan.analytics.services import event_record
from kazan.billing.queries.limits import quota_used
from kazan.billing.testing import limits_give, subscription_status_set
from kazan.core.entitlements import Quota
from kazan.core.errors import ValidationFailed
from kazan.customers.models import Customer
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/assistant/"
VALID = {
    "enabled": "on",
    "engine": "llm",
    "model": "llama-3.1-8b",
    "temperature": "0.4",
    "max_tokens": "300",
    "top_p": "0.9",
    "top_k": "40",
    "system_prompt": "",
    "memory_messages": "10",
    "tone": "formal",
    "speed": "balanced",
    "base_url": "https://llm.example.com/v1",
    "api_key": "sk-very-secret-key-123",
    "handoff_after_failures": "3",
}


def test_defaults_are_the_seed_table(business):
    row = agent_settings_get(business=business)
    assert row.pk is None and row.engine == "local"
    assert (float(row.temperature), row.max_tokens, float(row.top_p), row.top_k) == (
        0.7,
        250,
        0.95,
        40,
    )
    assert (row.memory_messages, row.speed) == (10, "balanced")


def test_the_page_shows_the_settings_and_the_nav_link(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="nav-assistant"' in body
    assert 'id="assistant-form"' in body and 'id="assistant-try"' in body
    assert 'data-stat="ai-used"' in body


def test_saving_keeps_the_key_write_only(owner_client, business):
    response = owner_client.post(URL, VALID)
    assert response.status_code == 302
    row = AgentSettings.objects.get(business=business)
    assert row.engine == "llm" and row.model == "llama-3.1-8b" and row.tone == "formal"
    assert row.api_key == "sk-very-secret-key-123"
    assert row.base_url == "https://llm.example.com/v1"
    page = owner_client.get(URL).content.decode()
    assert "sk-very-secret-key-123" not in page
    assert "A key is stored." in page
    # saving again without a key keeps it; ticking "remove" removes it
    owner_client.post(URL, {**VALID, "api_key": "", "temperature": "0.5"})
    row.refresh_from_db()
    assert row.api_key == "sk-very-secret-key-123" and float(row.temperature) == 0.5
    owner_client.post(URL, {**VALID, "temperature": "0.5", "api_key": "", "api_key_remove": "on"})
    row.refresh_from_db()
    assert row.api_key == ""
    entries = Activity.objects.filter(business=business, action="agent.settings_changed")
    assert entries.count() == 3
    first, second, third = entries.order_by("id")
    assert second.data == {"fields": ["temperature"], "engine": "llm"}
    assert third.data == {"fields": [], "engine": "llm", "api_key": "removed"}
    assert first.data["api_key"] == "set"
    assert all("sk-very" not in str(entry.data) for entry in entries)


def test_a_failed_save_does_not_echo_the_key(owner_client):
    response = owner_client.post(URL, {**VALID, "temperature": "3"})
    assert response.status_code == 400
    assert "sk-very-secret-key-123" not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature", "0.0"),
        ("temperature", "1.1"),
        ("temperature", "0.55"),
        ("max_tokens", "49"),
        ("max_tokens", "1001"),
        ("top_p", "0.4"),
        ("top_p", "1.01"),
        ("top_k", "9"),
        ("top_k", "101"),
        ("memory_messages", "0"),
        ("memory_messages", "21"),
        ("engine", "gpt"),
        ("tone", "rude"),
        ("speed", "ludicrous"),
        ("base_url", "ftp://llm.example.com"),
        ("handoff_after_failures", "0"),
        ("temperature", "abc"),
    ],
)
def test_out_of_range_settings_are_refused(owner_client, business, field, value):
    response = owner_client.post(URL, {**VALID, field: value})
    assert response.status_code == 400
    assert not AgentSettings.objects.filter(business=business).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature", "0.1"),
        ("temperature", "1.0"),
        ("max_tokens", "50"),
        ("max_tokens", "1000"),
        ("top_p", "0.5"),
        ("top_k", "10"),
        ("top_k", "100"),
        ("top_k", ""),
        ("memory_messages", "1"),
        ("memory_messages", "20"),
    ],
)
def test_the_bounds_themselves_are_accepted(owner_client, business, field, value):
    assert owner_client.post(URL, {**VALID, field: value}).status_code == 302


@override_settings(AGENT_LLM_ALLOW_PRIVATE_URLS=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://llm.example.com/v1",
        "https://127.0.0.1/v1",
        "https://10.0.0.5/v1",
        "https://localhost:8080/v1",
    ],
)
def test_private_or_plain_http_servers_are_refused_in_production(owner_client, business, url):
    response = owner_client.post(URL, {**VALID, "base_url": url})
    assert response.status_code == 400


def test_the_service_checks_ranges_too(business, owner):
    with pytest.raises(ValidationFailed):
        services.agent_settings_update(business=business, actor=owner, max_tokens=5000)
    with pytest.raises(ValidationFailed):
        services.agent_settings_update(business=business, actor=owner, api_key_shown=True)


def test_members_without_settings_edit_are_refused(client, business):
    role = Role.AGENT
    member = MembershipFactory(business=business, role=role).user
    client.force_login(member)
    assert client.get(URL).status_code in (403, 404)
    assert client.post(URL, VALID).status_code in (403, 404)
    assert client.post(URL + "try/", {"text": "hola", "language": "es"}).status_code in (403, 404)
    assert not AgentSettings.objects.filter(business=business).exists()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_another_business_settings_never_show(owner_client, business, other_business, owner):
    AgentSettings.objects.create(
        business=other_business,
        engine="llm",
        system_prompt="Prompt of shop B",
        api_key="sk-of-shop-b",
        model="model-of-b",
    )
    body = owner_client.get(URL).content.decode()
    assert (
        "Prompt of shop B" not in body and "model-of-b" not in body and "sk-of-shop-b" not in body
    )
    owner_client.post(URL, VALID)
    other = AgentSettings.objects.get(business=other_business)
    assert other.system_prompt == "Prompt of shop B" and other.api_key == "sk-of-shop-b"


# --- the "test the assistant" box --------------------------------------------------------------


def test_trying_runs_one_sandboxed_llm_turn(owner_client, business):
    customers_before = Customer.objects.filter(business=business).count()
    with FakeOpenAI() as fake:
        AgentSettings.objects.create(
            business=business, engine="llm", base_url=fake.base_url, api_key=API_KEY
        )
        fake.tool_calls(("get_cart_info", {}))
        fake.reply("Su carrito está vacío.")
        response = owner_client.post(
            URL + "try/", {"text": "¿Qué hay en mi carrito?", "language": "es"}
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Su carrito está vacío." in body and "Answered by the AI model." in body
    # nothing of the sandbox is kept, but the AI message is counted
    assert Customer.objects.filter(business=business).count() == customers_before
    assert not AgentToolCall.objects.filter(business=business).exists()
    assert quota_used(business=business, key=Quota.AI_MESSAGES) == 1


def test_trying_with_the_local_engine(owner_client, business):
    response = owner_client.post(URL + "try/", {"text": "hola", "language": "es"})
    assert response.status_code == 200
    assert "Answered by the built-in assistant." in response.content.decode()
    assert quota_used(business=business, key=Quota.AI_MESSAGES) == 0


def test_trying_needs_a_message(owner_client):
    assert owner_client.post(URL + "try/", {"text": "", "language": "es"}).status_code == 400
    assert owner_client.post(URL + "try/", {"text": "x", "language": "xx"}).status_code == 400


# --- analytics and the counter -----------------------------------------------------------------


def test_the_analytics_count_turns_tools_failures_and_handoffs(owner_client, business):
    for kind in ("agent_turn", "agent_turn", "agent_tool_call", "agent_failed", "handoff"):
        event_record(business=business, kind=kind)
    for tool, ok in (("add_to_cart", True), ("add_to_cart", False), ("get_cart_info", True)):
        AgentToolCall.objects.create(business=business, engine="llm", tool=tool, ok=ok)
    body = owner_client.get(URL).content.decode()
    assert 'data-stat="agent_turn">2<' in body
    assert 'data-stat="agent_tool_call">1<' in body
    assert 'data-stat="agent_failed">1<' in body and 'data-stat="handoff">1<' in body
    assert 'data-tool="add_to_cart"><td><code>add_to_cart</code></td><td>2</td><td>1</td>' in body


def test_the_counter_stops_at_the_plans_ai_messages(business, other_business):
    limits_give(business, ai_messages=3)
    assert [services.ai_message_take(business=business) for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert quota_used(business=business, key=Quota.AI_MESSAGES) == 3
    assert services.ai_message_take(business=other_business)


def test_a_zero_quota_takes_nothing(business):
    limits_give(business, ai_messages=0)
    assert not services.ai_message_take(business=business)
    assert quota_used(business=business, key=Quota.AI_MESSAGES) == 0


def test_a_suspended_subscription_takes_nothing(business):
    subscription_status_set(business)
    assert not services.ai_message_take(business=business)


def test_a_new_month_starts_from_zero(business, time_machine):
    time_machine.move_to("2026-11-30 12:00Z")
    limits_give(business, ai_messages=1)
    assert services.ai_message_take(business=business)
    assert not services.ai_message_take(business=business)
    time_machine.move_to("2026-12-02 12:00Z")
    assert services.ai_message_take(business=business)
    assert quota_used(business=business, key=Quota.AI_MESSAGES) == 1


def test_the_page_shows_the_plans_ai_messages(owner_client, business):
    limits_give(business, ai_messages=40)
    services.ai_message_take(business=business)
    body = owner_client.get(URL).content.decode()
    assert "1 of 40 AI messages used." in body
    limits_give(business, ai_messages=None)
    assert "1 AI messages used (no limit)." in owner_client.get(URL).content.decode()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"temperature": "1e999", "max_tokens": "9" * 40, "top_k": "-0"},
        {**VALID, "system_prompt": "x" * 10_000},
        {**VALID, "base_url": "https://" + "a" * 400 + ".example/v1"},
        {**VALID, "api_key": "k" * 600},
        {**VALID, "memory_messages": "1.5"},
        {**VALID, "model": "m\u00e9" * 60},
    ],
)
def test_junk_is_a_form_error_never_a_500(owner_client, business, body):
    response = owner_client.post(URL, body)
    assert response.status_code == 400
    assert not AgentSettings.objects.filter(business=business).exists()
    tried = owner_client.post(URL + "try/", {"text": "x" * 5000, "language": ["es", "en"]})
    assert tried.status_code == 400
