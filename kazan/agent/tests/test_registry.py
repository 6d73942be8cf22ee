"""The tool registry and the engine interface: validation, logging without contact data,
counting, the OpenAI schema and the engine choice."""

import pydantic
import pytest

from kazan.agent.engines.base import AgentOutcome, AgentTurn, engine_for, engine_register
from kazan.agent.models import AgentSettings, AgentToolCall
from kazan.agent.tools import (
    Tool,
    ToolFailed,
    ToolScope,
    tool_call,
    tool_register,
    tools,
    tools_openai_schema,
)
from kazan.analytics.models import Event
from kazan.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


class EchoArgs(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    quantity: int = pydantic.Field(ge=1, le=99)
    note: str = ""


def _echo(scope, args):
    if args.quantity == 13:
        raise ToolFailed("unlucky", "no thirteen", {"quantity": 13})
    return {"business": scope.business.pk, "quantity": args.quantity}


@pytest.fixture
def echo_tool():
    return tool_register(Tool("test_echo", "Echo a quantity.", EchoArgs, _echo))


@pytest.fixture
def scope(business):
    return ToolScope(business=business, customer=CustomerFactory(business=business))


def test_valid_call_runs_logs_and_counts(echo_tool, scope):
    result = tool_call(scope=scope, name="test_echo", arguments={"quantity": 2})
    assert result.ok and result.data == {"business": scope.business.pk, "quantity": 2}
    row = AgentToolCall.objects.get(business=scope.business, tool="test_echo")
    assert row.ok and row.arguments == {"quantity": 2, "note": ""}
    assert Event.objects.filter(business=scope.business, kind="agent_tool_call").exists()


@pytest.mark.parametrize(
    "arguments",
    [{}, {"quantity": 0}, {"quantity": "many"}, {"quantity": 2, "hack": 1}, None, "x"],
)
def test_bad_arguments_are_a_failed_result(echo_tool, scope, arguments):
    result = tool_call(scope=scope, name="test_echo", arguments=arguments)
    assert not result.ok and result.error_code == "agent_tool_arguments"
    assert AgentToolCall.objects.get(tool="test_echo").ok is False


def test_unknown_tool(scope):
    result = tool_call(scope=scope, name="rm_rf", arguments={})
    assert not result.ok and result.error_code == "agent_tool_unknown"


def test_tool_refusal(echo_tool, scope):
    result = tool_call(scope=scope, name="test_echo", arguments={"quantity": 13})
    assert not result.ok and result.error_code == "unlucky" and result.data == {"quantity": 13}


def test_contact_data_is_not_logged(echo_tool, scope):
    tool_call(scope=scope, name="test_echo", arguments={"quantity": 1, "note": "me@x.org"})
    tool_call(scope=scope, name="test_echo", arguments={"quantity": 1, "note": "+49 151 1234567"})
    notes = [r.arguments["note"] for r in AgentToolCall.objects.filter(tool="test_echo")]
    assert notes == ["[redacted]", "[redacted]"]


def test_openai_schema(echo_tool):
    schema = {t["function"]["name"]: t for t in tools_openai_schema()}
    echo = schema["test_echo"]
    assert echo["type"] == "function"
    params = echo["function"]["parameters"]
    assert params["type"] == "object" and params["required"] == ["quantity"]
    assert params["properties"]["quantity"]["type"] == "integer"
    assert "test_echo" in [t.name for t in tools()]


class _Fake:
    key = "llm"

    def respond(self, turn: AgentTurn) -> AgentOutcome:
        return AgentOutcome(replies=[])


def test_engine_for_local_by_default(business):
    assert engine_for(business, AgentSettings(business=business)).key == "local"


def test_engine_for_llm_when_chosen(business, monkeypatch):
    from kazan.agent.engines import base

    monkeypatch.setitem(base._ENGINES, "llm", _Fake())
    engine_register(base._ENGINES["llm"])
    settings = AgentSettings(business=business, engine="llm")
    assert engine_for(business, settings).key == "llm"
