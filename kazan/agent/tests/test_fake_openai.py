"""FakeOpenAI answers like the chat-completions API: the SDK parses its objects and raises its
exception classes for its errors; it refuses what OpenAI refuses (a bad key, a tool message
answering no call, another path) and can be scripted by a function of the request."""

import openai
import pytest

from kazan.agent.testing import API_KEY, FakeOpenAI, completion

USER = [{"role": "user", "content": "hi"}]


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _client(fake, key=API_KEY):
    return openai.OpenAI(api_key=key, base_url=fake.base_url, max_retries=0, timeout=2)


def test_a_completion_parses_in_the_sdk(fake):
    fake.tool_calls(("get_cart_info", {}), content=None)
    answer = _client(fake).chat.completions.create(model="m", messages=USER)
    assert answer.object == "chat.completion"
    assert answer.choices[0].finish_reason == "tool_calls"
    call = answer.choices[0].message.tool_calls[0]
    assert call.type == "function" and call.function.name == "get_cart_info"
    assert call.function.arguments == "{}"
    assert answer.usage.total_tokens == 49


def test_a_responder_answers_from_the_request(fake):
    fake.responder = lambda request: completion(content=f"{len(request['messages'])} messages")
    answer = _client(fake).chat.completions.create(model="m", messages=USER * 3)
    assert answer.choices[0].message.content == "3 messages"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, openai.AuthenticationError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
def test_errors_have_openais_shape(fake, status, error):
    fake.error(status, retry_after=1 if status == 429 else None)
    with pytest.raises(error) as raised:
        _client(fake).chat.completions.create(model="m", messages=USER)
    assert raised.value.status_code == status
    assert set(raised.value.body) >= {"message", "type", "code"}


def test_what_openai_refuses(fake):
    with pytest.raises(openai.AuthenticationError):
        _client(fake, key="sk-wrong").chat.completions.create(model="m", messages=USER)
    orphan = [*USER, {"role": "tool", "tool_call_id": "call_x", "content": "{}"}]
    with pytest.raises(openai.BadRequestError):
        _client(fake).chat.completions.create(model="m", messages=orphan)
    with pytest.raises(openai.NotFoundError):
        _client(fake).completions.create(model="m", prompt="hi")
    assert len(fake.requests) == 3


def test_a_slow_answer_is_a_timeout(fake):
    fake.slow(1.5)
    client = openai.OpenAI(api_key=API_KEY, base_url=fake.base_url, max_retries=0, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="m", messages=USER)
