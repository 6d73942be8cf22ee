"""The LLM engine driven by the official openai SDK against FakeOpenAI, a local server speaking
the chat-completions wire format: plain answers, tool-call rounds, bad tool calls, the
server's failures (each answered by the local engine), the sampling parameters, and what the
prompt may contain (no personal data beyond the first name)."""

import json
import logging

import pydantic
import pytest
from django.test import override_settings

from kazan.agent.engines import base, llm
from kazan.agent.engines.base import AgentOutcome, AgentTurn, engine_for, engine_register
from kazan.agent.models import AgentSettings, AgentToolCall
from kazan.agent.testing import API_KEY, FakeOpenAI
from kazan.agent.tools import Tool, ToolScope, registry
from kazan.billing.queries.limits import quota_used
from kazan.billing.testing import limits_give
from kazan.commerce.testing import sicilian_shop
from kazan.core.entitlements import Quota
from kazan.customers.tests.factories import CustomerFactory
from kazan.faq.models import Faq

pytestmark = pytest.mark.django_db

PHONE = "+4915112399876"
EMAIL = "maria.gonzalez@example.org"
STREET = "Calle Mayor 12"


class LinkArgs(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")


def _my_data_link(scope, args):
    return {"my_data_url": "https://shop.example/link/secret-token", "expires_in_hours": 1}


@pytest.fixture
def link_tool(monkeypatch):
    """A tool whose result carries a secure link (like create_order's payment link)."""
    monkeypatch.setitem(
        registry._TOOLS, "my_data_link", Tool("my_data_link", "My data.", LinkArgs, _my_data_link)
    )


def _cart(business, customer):
    from kazan.commerce.queries import cart_view

    view = cart_view(business=business, customer=customer, channel="whatsapp")
    return [(line.product_id, line.quantity) for line in view.lines]


class RecordingLocal:
    key = "local"

    def __init__(self):
        self.turns = []

    def respond(self, turn):
        self.turns.append(turn)
        return AgentOutcome(replies=[{"type": "text", "text": "local answer"}])


@pytest.fixture
def local(monkeypatch):
    engine = RecordingLocal()
    monkeypatch.setitem(base._ENGINES, "local", engine)
    return engine


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def customer(business):
    return CustomerFactory(
        business=business,
        name="María González Ruiz",
        phone_e164=PHONE,
        email=EMAIL,
        address=json.dumps(
            {"street": STREET, "city": "Zaragoza", "postal_code": "50001", "country": "ES"}
        ),
        language="es",
    )


@pytest.fixture
def settings_row(business, fake):
    return AgentSettings.objects.create(
        business=business, engine="llm", base_url=fake.base_url, api_key=API_KEY, model="llama-3"
    )


def _turn(business, customer, settings_row, text, history=None):
    scope = ToolScope(business=business, customer=customer, channel="whatsapp", language="es")
    return AgentTurn(
        scope=scope, text=text, payload=None, history=history or [], settings=settings_row
    )


def test_a_plain_answer_is_the_model_text(business, customer, settings_row, fake, local):
    fake.reply("¡Hola María! ¿En qué puedo ayudarle?")

    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "Hola"))

    assert outcome.replies[0] == {"type": "text", "text": "¡Hola María! ¿En qué puedo ayudarle?"}
    assert outcome.calls == [] and outcome.understood
    request = fake.requests[0]
    assert request["model"] == "llama-3"
    assert request["messages"][0]["role"] == "system"
    assert request["messages"][-1] == {"role": "user", "content": "Hola"}
    assert {tool["function"]["name"] for tool in request["tools"]} >= {
        "get_product_list",
        "add_to_cart",
        "create_order",
        "get_faq_info",
    }
    assert fake.headers[0]["authorization"] == f"Bearer {API_KEY}"
    assert local.turns == []


def test_a_tool_call_runs_and_its_result_goes_back(business, customer, settings_row, fake, local):
    shop = sicilian_shop(business)
    box = shop["box_degustacion"]
    fake.tool_calls(("add_to_cart", {"product_id": box.pk, "quantity": 1}))
    fake.reply("He añadido la caja a su carrito.")

    outcome = llm.LlmEngine().respond(
        _turn(business, customer, settings_row, "Me llevo la Degustación")
    )

    assert _cart(business, customer) == [(box.pk, 1)]
    assert [call.name for call in outcome.calls] == ["add_to_cart"]
    assert outcome.calls[0].result.ok
    assert outcome.replies[0]["text"] == "He añadido la caja a su carrito."
    second = fake.requests[1]["messages"]
    assistant, tool = second[-2], second[-1]
    assert assistant["role"] == "assistant" and assistant["tool_calls"][0]["function"] == {
        "name": "add_to_cart",
        "arguments": json.dumps({"product_id": box.pk, "quantity": 1}),
    }
    assert tool["role"] == "tool" and tool["tool_call_id"] == assistant["tool_calls"][0]["id"]
    fed = json.loads(tool["content"])
    assert fed["ok"] and fed["data"]["added"] == {"product_id": box.pk, "quantity": 1}
    row = AgentToolCall.objects.get(business=business)
    assert row.engine == "llm" and row.tool == "add_to_cart" and row.ok


def test_two_tool_calls_in_one_message(business, customer, settings_row, fake, local):
    cream = sicilian_shop(business)["crema_pistacho"]
    fake.tool_calls(
        ("get_product_list", {"query": "crema de pistacho"}),
        ("add_to_cart", {"product_id": cream.pk, "quantity": 2}),
    )
    fake.reply("Listo: dos cremas de pistacho en su carrito.")

    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "pistacho x2"))

    assert [call.name for call in outcome.calls] == ["get_product_list", "add_to_cart"]
    assert all(call.result.ok for call in outcome.calls)
    assert _cart(business, customer) == [(cream.pk, 2)]
    found = json.loads(fake.requests[1]["messages"][-2]["content"])["data"]["products"]
    assert cream.pk in [product["id"] for product in found]
    # on WhatsApp the products found also go out as the interactive product list
    assert outcome.replies[0]["text"].startswith("Listo")
    assert [r["type"] for r in outcome.replies[1:]] == ["product_list"]
    tools = [m for m in fake.requests[1]["messages"] if m["role"] == "tool"]
    assert len(tools) == 2
    ids = [c["id"] for c in fake.requests[1]["messages"][-3]["tool_calls"]]
    assert [m["tool_call_id"] for m in tools] == ids


def test_malformed_arguments_and_unknown_tools_are_reported_to_the_model(
    business, customer, settings_row, fake, local
):
    fake.tool_calls(("add_to_cart", '{"product_id": 3,'), ("get_weather", {"city": "Rome"}))
    fake.tool_calls(("add_to_cart", {"product_id": "three"}))
    fake.reply("Lo siento, no he podido hacerlo.")

    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "añade tres"))

    assert _cart(business, customer) == []
    assert [(c.name, c.result.error_code) for c in outcome.calls] == [
        ("add_to_cart", "agent_tool_arguments"),
        ("get_weather", "agent_tool_unknown"),
        ("add_to_cart", "agent_tool_arguments"),
    ]
    fed = [json.loads(m["content"]) for m in fake.requests[1]["messages"] if m["role"] == "tool"]
    assert [f["error"] for f in fed] == ["agent_tool_arguments", "agent_tool_unknown"]
    assert outcome.replies[0]["text"] == "Lo siento, no he podido hacerlo."
    assert local.turns == []


def test_a_tool_refusal_goes_back_as_a_failed_result(
    business, other_business, customer, settings_row, fake
):
    foreign = sicilian_shop(other_business)["box_clasica"]  # another shop's product
    fake.tool_calls(("add_to_cart", {"product_id": foreign.pk}))
    fake.reply("Ese producto no existe.")

    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "esa caja"))

    assert outcome.calls[0].result.error_code == "product_not_found"
    tool = fake.requests[1]["messages"][-1]
    assert json.loads(tool["content"])["error"] == "product_not_found"
    assert _cart(business, customer) == []


def test_tool_rounds_are_bounded(business, customer, settings_row, fake, local):
    settings_row.speed = "fast"  # two rounds
    for _ in range(5):
        fake.tool_calls(("get_product_list", {"query": "x"}))

    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "x"))

    assert len(fake.requests) == 3  # two rounds of tools, then one that may not call any
    assert fake.requests[-1]["tool_choice"] == "none"
    assert len(outcome.calls) == 2


# Each case's client timeout: the errors answer at once, so theirs only bounds a hung test; the
# slow answer outlasts a timeout long enough for a loaded machine to deliver the request.
@pytest.mark.parametrize(
    ("fail", "timeout"),
    [
        (lambda f: f.error(429, retry_after=30), 30),
        (lambda f: f.error(500), 30),
        (lambda f: f.error(503), 30),
        (lambda f: f.error(401), 30),
        (lambda f: f.slow(10), 2),
    ],
    ids=["429", "500", "503", "401", "timeout"],
)
def test_server_failures_fall_back_to_the_local_engine(
    business, customer, settings_row, fake, local, caplog, fail, timeout
):
    fail(fake)
    with override_settings(AGENT_LLM_TIMEOUT_SECONDS=timeout), caplog.at_level(logging.WARNING):
        outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "Hola"))

    assert outcome.replies == [{"type": "text", "text": "local answer"}]
    assert len(local.turns) == 1
    assert len(fake.requests) == 1  # no retries: the customer is waiting
    logged = " ".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "agent llm unavailable" in logged
    assert PHONE not in logged and EMAIL not in logged and "González" not in logged


def test_a_failure_after_tools_ran_shows_their_results_instead_of_redoing_them(
    business, customer, settings_row, fake, local
):
    box = sicilian_shop(business)["box_sabores"]
    fake.tool_calls(("add_to_cart", {"product_id": box.pk}))
    fake.error(500)

    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "añade la caja"))

    assert _cart(business, customer) == [(box.pk, 1)]  # once
    assert local.turns == []
    assert [call.name for call in outcome.calls] == ["add_to_cart"]
    assert "Sabores de la Isla" in outcome.replies[0]["text"]  # the cart, as the local engine


def test_an_unreachable_server_falls_back(business, customer, settings_row, local):
    settings_row.base_url = "http://127.0.0.1:9/v1"  # discard port: connection refused

    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "Hola"))

    assert outcome.replies == [{"type": "text", "text": "local answer"}]


def test_quota_reached_means_the_local_engine(business, settings_row, monkeypatch):
    local = RecordingLocal()
    monkeypatch.setitem(base._ENGINES, "local", local)
    engine_register(llm.LlmEngine())
    limits_give(business, ai_messages=2)
    chosen = [engine_for(business, settings_row).key for _ in range(3)]
    assert chosen == ["llm", "llm", "local"]
    assert quota_used(business=business, key=Quota.AI_MESSAGES) == 2


def test_sampling_parameters_for_a_compatible_server(business, customer, settings_row, fake):
    settings_row.temperature, settings_row.top_p, settings_row.top_k = 0.3, 0.9, 25
    settings_row.max_tokens = 300

    llm.LlmEngine().respond(_turn(business, customer, settings_row, "Hola"))

    request = fake.requests[0]
    assert request["temperature"] == 0.3 and request["top_p"] == 0.9
    assert request["max_tokens"] == 300 and request["top_k"] == 25


def test_openai_never_gets_top_k():
    row = AgentSettings(api_key="sk-own", top_k=40, max_tokens=250)
    endpoint = llm.endpoint_for(row)
    assert endpoint.is_openai and endpoint.base_url is None
    params = llm.sampling(endpoint, row)
    assert "extra_body" not in params and "max_tokens" not in params
    assert params["max_completion_tokens"] == 250


@override_settings(
    AGENT_LLM_BASE_URL="http://llm.internal/v1", AGENT_LLM_API_KEY="", AGENT_LLM_MODEL="qwen"
)
def test_the_platform_server_is_used_without_a_business_server():
    endpoint = llm.endpoint_for(AgentSettings(model=""))
    assert endpoint == llm.Endpoint("http://llm.internal/v1", llm.NO_KEY, "qwen")


@override_settings(AGENT_LLM_BASE_URL="", AGENT_LLM_API_KEY="")
def test_nothing_configured_means_no_endpoint(business, customer, local):
    row = AgentSettings(business=business, engine="llm")
    assert llm.endpoint_for(row) is None
    outcome = llm.LlmEngine().respond(_turn(business, customer, row, "Hola"))
    assert outcome.replies[0]["text"] == "local answer"


# --- what the prompt contains ----------------------------------------------------------------


def test_no_personal_data_in_any_prompt(business, customer, settings_row, fake, local):
    sicilian_shop(business)
    history = [
        {"role": "user", "content": f"Mi email es {EMAIL} y mi móvil {PHONE}"},
        {"role": "assistant", "content": "Gracias, María."},
        {"role": "user", "content": f"Envíelo a {STREET}, Zaragoza, 50001"},
    ]
    fake.tool_calls(("get_product_list", {"query": "regalo"}))
    fake.reply("Aquí tiene.")

    llm.LlmEngine().respond(
        _turn(
            business,
            customer,
            settings_row,
            f"Busco un regalo, llámeme al 0034 612 345 678 o {EMAIL}",
            history,
        )
    )

    sent = " ".join(fake.prompts())
    assert len(fake.requests) == 2
    for secret in (EMAIL, PHONE, PHONE.lstrip("+"), "612 345 678", STREET, "Zaragoza", "50001"):
        assert secret not in sent, secret
    assert "González" not in sent and "Ruiz" not in sent
    assert "María" in sent  # the first name may be used


def test_the_prompt_has_guardrails_tone_language_and_retrieval(
    business, customer, settings_row, fake
):
    sicilian_shop(business)
    Faq.objects.create(
        business=business,
        question="¿Hacen envíos a toda España?",
        answer="Sí, enviamos a toda España en 48 horas.",
        language="es",
    )
    settings_row.tone = "formal"

    llm.LlmEngine().respond(
        _turn(business, customer, settings_row, "crema de pistacho para regalar")
    )

    system = fake.requests[0]["messages"][0]["content"]
    assert business.name in system
    assert "decline" in system and "Never ask for personal data" in system
    assert "formal" in system
    assert "Spanish" in system
    assert "pistacho" in system.lower()  # the catalog hit is in the context
    assert "product_id" in system


def test_a_custom_prompt_keeps_the_guardrails(business, customer, settings_row, fake):
    settings_row.system_prompt = "Eres Lucía, la dependienta de la tienda."

    llm.LlmEngine().respond(_turn(business, customer, settings_row, "Hola"))

    system = fake.requests[0]["messages"][0]["content"]
    assert system.startswith("Eres Lucía")
    assert "Never ask for personal data" in system


def test_memory_keeps_the_last_n_messages(business, customer, settings_row, fake):
    settings_row.memory_messages = 2
    history = [{"role": "user", "content": f"m{n}"} for n in range(6)]

    llm.LlmEngine().respond(_turn(business, customer, settings_row, "now", history))

    messages = fake.requests[0]["messages"]
    assert [m["content"] for m in messages[1:]] == ["m4", "m5", "now"]


def test_memory_is_the_thread_log_without_notes_and_scrubbed(
    business, customer, settings_row, fake
):
    """The agent step builds the model's memory with `memory_from_log`: the team's internal
    notes never reach the model, and contact data in the customer's texts is masked."""
    from kazan.agent.engines.prompt import memory_from_log
    from kazan.conversations.models import Conversation, ConversationMessage

    conversation = Conversation.objects.create(
        business=business, customer=customer, channel="whatsapp"
    )
    for direction, text in [
        ("in", "Hola"),
        ("out", "¡Hola!"),
        ("note", "VIP customer, phone " + PHONE),
        ("in", f"mi correo {EMAIL}"),
    ]:
        ConversationMessage.objects.create(
            business=business, conversation=conversation, direction=direction, text=text
        )
    settings_row.memory_messages = 10
    scope = ToolScope(business=business, customer=customer, conversation=conversation)
    history = memory_from_log(business=business, conversation=conversation, limit=10)
    turn = AgentTurn(
        scope=scope, text="¿y ahora?", payload=None, history=history, settings=settings_row
    )

    llm.LlmEngine().respond(turn)

    messages = fake.requests[0]["messages"][1:]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "user"]
    assert "VIP" not in json.dumps(messages)
    assert EMAIL not in json.dumps(messages)


def test_made_up_links_are_removed_from_the_answer(business, customer, settings_row, fake):
    Faq.objects.create(
        business=business,
        question="¿Dónde están las condiciones de envío?",
        answer="En https://shop.example/envios",
        language="es",
    )
    fake.reply("Pague aquí: https://evil.example/pay y lea https://shop.example/envios")

    outcome = llm.LlmEngine().respond(
        _turn(business, customer, settings_row, "condiciones de envío")
    )

    text = outcome.replies[0]["text"]
    assert "evil.example" not in text
    assert "https://shop.example/envios" in text


def test_an_empty_answer_is_answered_by_the_local_engine(
    business, customer, settings_row, fake, local
):
    fake.reply("")

    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "Hola"))

    assert outcome.replies == [{"type": "text", "text": "local answer"}]


def test_links_reach_the_customer_but_never_the_model(
    business, customer, settings_row, fake, link_tool
):
    fake.tool_calls(("my_data_link", {}))
    fake.reply("Le he enviado un enlace seguro para ver sus datos.")

    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "mis datos"))

    assert "secret-token" not in " ".join(fake.prompts())
    assert outcome.replies[0]["text"].startswith("Le he enviado")
    assert outcome.replies[1]["type"] == "links"
    assert outcome.replies[1]["links"][0]["url"] == "https://shop.example/link/secret-token"


@override_settings(AGENT_LLM_ALLOW_PRIVATE_URLS=False)
def test_a_business_server_on_the_platform_network_is_never_called(
    business, customer, settings_row, fake, local
):
    outcome = llm.LlmEngine().respond(_turn(business, customer, settings_row, "Hola"))

    assert fake.requests == []  # 127.0.0.1: refused before any request
    assert outcome.replies == [{"type": "text", "text": "local answer"}]


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.10", True),
        ("169.254.169.254", True),
        ("[::1]", True),
        ("localhost", True),
        ("llm.internal", True),
        ("93.184.215.14", False),
        ("api.example.com", False),
    ],
)
def test_private_hosts(host, private):
    assert llm.host_is_private(host) is private


@override_settings(AGENT_LLM_BASE_URL="", AGENT_LLM_API_KEY="")
def test_without_a_server_the_local_engine_is_chosen_and_nothing_counted(business):
    engine_register(llm.LlmEngine())
    row = AgentSettings(business=business, engine="llm")
    assert engine_for(business, row).key == "local"
    assert quota_used(business=business, key=Quota.AI_MESSAGES) == 0
