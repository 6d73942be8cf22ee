"""The engine's generic additions (issue 13, used by the Telegram CRM but not tied to it): an
optional question's Skip, Back to the question before, a long choice paged with ◀ ▶, options
from the state, a command that answers for the person, a summary's Edit that returns, and a
secret answer never logged."""

import pytest

from kazan.conversations import engine
from kazan.conversations.flowstore import flow_validate
from kazan.conversations.models import ConversationMessage
from kazan.conversations.services import conversation_receive
from kazan.conversations.tests.factories import flow_bound
from kazan.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


@engine.action("test_fruit_options")
def _fruit_options(ctx, step):
    ctx.state["fruits"] = [{"value": "f1", "label": "Apple"}, {"value": "f2", "label": "Pear"}]


FLOW = {
    "key": "test_additions",
    "start": "name",
    "steps": {
        "name": {
            "type": "ask",
            "var": "name",
            "validator": "name",
            "prompt": "Name?",
            "next": "nick",
        },
        "nick": {
            "type": "ask",
            "var": "nick",
            "validator": "text",
            "prompt": "Nickname?",
            "optional": True,
            "back": "name",
            "next": "code",
        },
        "code": {
            "type": "ask",
            "var": "code",
            "validator": "text",
            "prompt": "Secret code?",
            "secret": True,
            "commands": {"default": {"label": "Use 1234", "value": "1234"}},
            "back": "nick",
            "next": "number",
        },
        "number": {
            "type": "choose",
            "prompt": "Pick a number",
            "var": "number",
            "choices": [{"value": str(n), "label": f"No. {n}"} for n in range(1, 26)],
            "page_size": 10,
            "back": "code",
            "next": "fruits",
        },
        "fruits": {"type": "act", "action": "test_fruit_options", "next": "fruit"},
        "fruit": {
            "type": "choose",
            "prompt": "Fruit?",
            "choices_var": "fruits",
            "var": "fruit",
            "edit": True,
            "next": "summary",
        },
        "summary": {
            "type": "say",
            "text": "%(name)s/%(nick)s/%(number)s/%(fruit)s",
            "next": "review",
        },
        "review": {
            "type": "choose",
            "prompt": "OK?",
            "choices": [
                {"value": "ok", "label": "OK", "next": "done"},
                {"value": "edit_nick", "label": "Edit nick", "next": "nick", "return": True},
            ],
            "return_to": "summary",
        },
        "done": {"type": "end"},
    },
}


def _send(business, text="", **payload):
    received = conversation_receive(
        business=business,
        channel="web",
        handle="token-additions",
        inbound=engine.Inbound(text=text, payload=payload or None),
        language="en",
    )
    return received.replies


def _buttons(replies):
    values = []
    for reply in replies:
        if reply["type"] == "choices":
            values += [c["value"] for c in reply["choices"]]
        if reply["type"] == "input":
            values += [c["value"] for c in reply["commands"]]
    return values


def _texts(replies):
    return [r["text"] for r in replies if r["type"] in ("text", "error")]


@pytest.fixture
def flow(business):
    return flow_bound(business, FLOW)


def test_skip_back_paging_state_options_and_edit(business, flow):
    assert _texts(_send(business, "hi")) == ["Name?"]
    replies = _send(business, "Anna")
    # an optional question offers Skip and Back
    assert _buttons(replies) == ["skip", "back"]
    assert _texts(_send(business, command="back")) == ["Name?"]
    _send(business, "Anne")
    # Skip stores nothing and goes on
    assert _texts(_send(business, command="skip")) == ["Secret code?"]
    # a command that answers for the person; as a channel's choice (Telegram's callback)
    replies = _send(business, choice="default")
    assert _texts(replies) == ["Pick a number"]
    page = next(r for r in replies if r["type"] == "choices")
    assert page["edit"] is True
    assert _buttons(replies) == [str(n) for n in range(1, 11)] + ["page_next"]
    replies = _send(business, choice="page_next")
    assert _buttons(replies) == [str(n) for n in range(11, 21)] + ["page_prev", "page_next"]
    replies = _send(business, choice="page_next")
    assert _buttons(replies) == ["21", "22", "23", "24", "25", "back", "page_prev"]
    # an old ▶ pressed again stays on the last page, and ◀ goes back one from there
    for _ in range(2):
        replies = _send(business, choice="page_next")
        assert _buttons(replies) == ["21", "22", "23", "24", "25", "back", "page_prev"]
    replies = _send(business, choice="page_prev")
    assert _buttons(replies) == [str(n) for n in range(11, 21)] + ["page_prev", "page_next"]
    replies = _send(business, choice="page_next")
    # a typed answer is any option of any page
    replies = _send(business, "No. 3")
    assert _buttons(replies) == ["f1", "f2"]
    assert next(r for r in replies if r["type"] == "choices")["edit"] is True
    replies = _send(business, choice="f2")
    assert _texts(replies)[0] == "Anne//3/f2"
    # Edit goes to one question, and its answer returns to the summary
    replies = _send(business, choice="edit_nick")
    assert _texts(replies) == ["Nickname?"]
    replies = _send(business, "Annie")
    assert _texts(replies) == ["Anne/Annie/3/f2", "OK?"]
    assert _texts(_send(business, choice="ok")) == []


def test_a_secret_answer_is_never_logged(business, flow):
    _send(business, "hi")
    _send(business, "Anna")
    _send(business, command="skip")
    _send(business, "9876")
    logged = list(ConversationMessage.objects.filter(direction="in").values_list("text", flat=True))
    assert "9876" not in logged and "••••••" in logged


def test_a_stale_button_on_a_question_is_refused(business, flow):
    _send(business, "hi")
    replies = _send(business, choice="order")
    assert _texts(replies) == ["This option is not available here."]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"page_size": 0}, "a page has 1 to 12 options"),
        ({"choices": [{"value": "page_next", "label": "x"}]}, "reserved"),
        ({"back": "nowhere"}, "unknown steps"),
        ({"choices_var": "x"}, "not both"),
    ],
)
def test_malformed_additions_are_refused(change, message):
    definition = {
        **FLOW,
        "steps": {**FLOW["steps"], "number": {**FLOW["steps"]["number"], **change}},
    }
    with pytest.raises(ValidationFailed) as refused:
        flow_validate(definition)
    assert message in str(refused.value.message)


def test_a_long_choice_needs_a_page_size():
    choices = [{"value": str(n), "label": str(n)} for n in range(13)]
    step = {"type": "choose", "var": "x", "choices": choices, "next": "done"}
    with pytest.raises(ValidationFailed):
        flow_validate({"key": "k", "start": "s", "steps": {"s": step, "done": {"type": "end"}}})
    step["page_size"] = 12
    flow_validate({"key": "k", "start": "s", "steps": {"s": step, "done": {"type": "end"}}})
