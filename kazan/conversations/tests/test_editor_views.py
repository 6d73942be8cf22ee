"""The flow editor's pages: owners and managers list, create, edit and bind flows and set what
the bot does when it does not understand; every edit is a new version; bad posts are refused
with form errors or a 400, never a 500; agents and other businesses get nothing."""

import pytest

from kazan.activity.models import Activity
from kazan.conversations.engine import Inbound
from kazan.conversations.flows import REVIEW_FUNNEL
from kazan.conversations.flowstore import flow_default_ensure, flow_for_channel
from kazan.conversations.models import BotSettings, Flow, FlowBinding, FlowVersion, Status
from kazan.conversations.services import conversation_receive
from kazan.conversations.tests.editor_helpers import editor_fields, step_index
from kazan.conversations.tests.factories import flow_bound
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _funnel(business) -> Flow:
    return flow_default_ensure(business=business)


def _open(client, flow) -> dict[str, str]:
    response = client.get(f"/dashboard/flows/{flow.pk}/")
    assert response.status_code == 200
    return editor_fields(response.content.decode())


def test_the_list_shows_the_seeded_funnel_bound_to_every_channel(owner_client, business):
    response = owner_client.get("/dashboard/flows/")

    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-flow="{REVIEW_FUNNEL}"' in body
    assert "All channels" in body
    assert FlowBinding.objects.get(business=business, channel="*").flow.key == REVIEW_FUNNEL


def test_the_editor_shows_the_funnel_with_its_actions_kept_read_only(owner_client, business):
    fields = _open(owner_client, _funnel(business))

    greet = step_index(fields, "greet")
    assert greet == 0  # the start step comes first
    assert fields["s0-text-en"] == "Welcome to %(business)s! Thank you for visiting."
    # a translated default is offered in the other languages
    assert fields["s0-text-de"].startswith("Willkommen")
    otp = step_index(fields, "otp_send")
    assert fields[f"s{otp}-type"] == "act"
    assert f"s{otp}-text-en" not in fields


def test_saving_the_greeting_makes_a_new_version_and_keeps_the_rest(owner_client, business, owner):
    flow = _funnel(business)
    fields = _open(owner_client, flow)
    fields["s0-text-en"] = "Hello from the new greeting!"
    fields["s0-text-de"] = "Hallo mit dem neuen Gruß!"

    response = owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "op": "save"})

    assert response.status_code == 200
    assert "Saved as version 2" in response.content.decode()
    version = flow_for_channel(business=business, channel="web")
    assert version.number == 2
    greet = version.definition["steps"]["greet"]
    assert greet["text"] == {
        **{k: v for k, v in greet["text"].items() if k not in ("en", "de")},
        "en": "Hello from the new greeting!",
        "de": "Hallo mit dem neuen Gruß!",
    }
    assert greet["text_attr"] == "greetings"  # the business's own greeting still wins
    assert (
        version.definition["steps"]["otp_send"]
        == (FlowVersion.objects.get(flow=flow, number=1).definition["steps"]["otp_send"])
    )
    assert Activity.objects.filter(
        business=business, action="flow.saved", actor=owner, data={"version": 2}
    ).exists()


def test_texts_left_as_they_were_stay_the_platforms_and_changed_ones_get_the_name(
    owner_client, business
):
    flow = _funnel(business)
    first = flow.current_version.definition["steps"]
    fields = _open(owner_client, flow)
    fields["s0-text-en"] = "Hi, welcome!"  # the German default is left as it was

    owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "op": "save"})

    steps = flow_for_channel(business=business, channel="web").definition["steps"]
    # untouched: still the msgid, so the engine translates it and fills in the guest's name
    assert steps["ask_phone"]["prompt"] == first["ask_phone"]["prompt"]
    assert "%(name)s" in steps["ask_phone"]["prompt"]
    # changed: the owner's own text, shown as written, with the business's name written in
    assert steps["greet"]["text"]["en"] == "Hi, welcome!"
    assert steps["greet"]["text"]["de"].startswith(f"Willkommen bei {business.name}")


def test_an_edit_keeps_the_form_and_says_why_when_invalid(owner_client, business):
    flow = _funnel(business)
    fields = _open(owner_client, flow)
    fields["s0-text-en"] = ""  # the business's language is required
    fields["s0-next"] = "no_such_step"
    fields[f"s{step_index(fields, 'ask_name')}-text-en"] = "Typed and not lost"

    response = owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "op": "save"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "please write it at least in English" in body
    assert "The next step does not exist" in body
    assert "Typed and not lost" in body  # the form comes back as typed
    assert FlowVersion.objects.filter(flow=flow).count() == 1


def test_htmx_operations_add_move_and_remove_steps_without_saving(owner_client, business):
    flow = _funnel(business)
    fields = _open(owner_client, flow)
    count = int(fields["steps"])
    htmx = {"HTTP_HX_REQUEST": "true"}

    added = owner_client.post(
        f"/dashboard/flows/{flow.pk}/", {**fields, "op": "add:choose"}, **htmx
    )
    fields = editor_fields(added.content.decode())
    assert int(fields["steps"]) == count + 1
    new = count  # appended last, with two empty options
    assert fields[f"s{new}-type"] == "choose" and fields[f"s{new}-options"] == "2"

    moved = owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "op": f"up:{new}"}, **htmx)
    fields = editor_fields(moved.content.decode())
    assert fields[f"s{new - 1}-type"] == "choose"

    removed = owner_client.post(
        f"/dashboard/flows/{flow.pk}/", {**fields, "op": f"remove:{new - 1}"}, **htmx
    )
    fields = editor_fields(removed.content.decode())
    assert int(fields["steps"]) == count
    assert FlowVersion.objects.filter(flow=flow).count() == 1


def test_a_new_menu_flow_with_a_link_step_is_checked_field_by_field(owner_client, business):
    owner_client.post("/dashboard/flows/new/", {"name": "Menu", "template": "menu"})
    flow = Flow.objects.get(business=business, name="Menu")
    fields = _open(owner_client, flow)
    added = owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "op": "add:link"})
    fields = editor_fields(added.content.decode())
    link = int(fields["steps"]) - 1
    fields[f"s{link}-text-en"] = "Find us here"
    fields[f"s{link}-l0-label-en"] = "Chat on WhatsApp"
    fields[f"s{link}-l0-kind"] = "whatsapp"
    fields[f"s{link}-l0-target"] = "12345"
    added = owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "op": f"add_link:{link}"})
    fields = editor_fields(added.content.decode())
    fields[f"s{link}-l1-label-en"] = "Website"
    fields[f"s{link}-l1-target"] = "javascript:alert(1)"

    response = owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "op": "save"})

    body = response.content.decode()
    assert response.status_code == 400
    assert "is not a valid WhatsApp number" in body
    assert "is not a web address" in body
    assert FlowVersion.objects.filter(flow=flow).count() == 1


def test_a_valid_link_step_is_stored_in_the_engines_link_format(business):
    from kazan.conversations.editor.forms import FlowDraft

    data = {
        "flow_name": "Links",
        "steps": "1",
        "s0-name": "links",
        "s0-type": "link",
        "s0-text-en": "Find us",
        "s0-text-de": "Hier sind wir",
        "s0-links": "3",
        "s0-l0-kind": "whatsapp",
        "s0-l0-label-en": "WhatsApp",
        "s0-l0-target": "0151 23456789",
        "s0-l0-text-en": "Hi!",
        "s0-l1-kind": "url",
        "s0-l1-label-en": "Website",
        "s0-l1-target": "https://example.com/",
        "s0-l2-kind": "form",
        "s0-l2-label-en": "Book a table",
        "s0-l2-target": "https://example.com/book",
    }

    definition = FlowDraft(data, business=business, base={}).definition()

    assert definition == {
        "start": "links",
        "order": ["links"],
        "steps": {
            "links": {
                "type": "link",
                "text": {"en": "Find us", "de": "Hier sind wir"},
                "next": None,
                "links": [
                    {
                        "label": {"en": "WhatsApp"},
                        "whatsapp": "+4915123456789",
                        "text": {"en": "Hi!"},
                    },
                    {"label": {"en": "Website"}, "url": "https://example.com/"},
                    {"label": {"en": "Book a table"}, "form": "https://example.com/book"},
                ],
            }
        },
    }


@pytest.mark.parametrize(
    "junk",
    [
        {"steps": "999"},
        {"steps": "abc"},
        {"s0-name": "../../etc"},
        {"s0-type": "teleport"},
        {"s1-name": "greet"},  # two steps of one name
        {"op": "remove:999"},
        {"op": "up:x"},
        {"op": "add:act"},  # actions are not made in the editor
        {"op": "remove_option:0:0"},  # the first step has no options
    ],
)
def test_junk_posts_get_a_400_and_change_nothing(owner_client, business, junk):
    flow = _funnel(business)
    fields = _open(owner_client, flow)

    response = owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "op": "save", **junk})

    assert response.status_code == 400
    assert FlowVersion.objects.filter(flow=flow).count() == 1


def test_too_long_texts_and_too_many_steps_are_refused(owner_client, business):
    flow = _funnel(business)
    fields = _open(owner_client, flow)
    fields["s0-text-en"] = "x" * 1001

    response = owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "op": "save"})

    assert response.status_code == 400
    assert "at most 1000 characters" in response.content.decode()
    response = owner_client.post(f"/dashboard/flows/{flow.pk}/", {**fields, "steps": "41"})
    assert response.status_code == 400


def test_binding_a_channel_and_back_to_all_channels(owner_client, business, owner):
    _funnel(business)
    owner_client.post("/dashboard/flows/new/", {"name": "Website menu", "template": "menu"})
    menu = Flow.objects.get(business=business, name="Website menu")

    response = owner_client.post(
        "/dashboard/flows/channels/",
        {"channel": "web", "flow": menu.pk, "restart_keywords": "start, menu"},
    )

    assert response.status_code == 302
    assert flow_for_channel(business=business, channel="web").flow == menu
    assert flow_for_channel(business=business, channel="sms").flow.key == REVIEW_FUNNEL
    binding = FlowBinding.objects.get(business=business, channel="web")
    assert binding.restart_keywords == ["START", "MENU"]
    assert Activity.objects.filter(business=business, action="flow.bound", actor=owner).exists()
    # the list names the channel as people read it, not by its key
    assert '<span class="badge">Website</span>' in owner_client.get("/dashboard/flows/").text

    owner_client.post("/dashboard/flows/channels/", {"channel": "web", "flow": ""})
    assert flow_for_channel(business=business, channel="web").flow.key == REVIEW_FUNNEL


@pytest.mark.parametrize(
    "post",
    [
        {"channel": "fax", "flow": ""},
        {"channel": "*", "flow": ""},  # every channel needs a flow
        {"channel": "web", "flow": "abc"},
        {"channel": "web", "flow": "", "restart_keywords": "two words"},
        {"channel": "web", "flow": "", "restart_keywords": ",".join(["A"] * 11 + ["B" * 11])},
    ],
)
def test_bad_bindings_are_refused(owner_client, business, post):
    _funnel(business)

    response = owner_client.post("/dashboard/flows/channels/", post)

    assert response.status_code == 400
    assert FlowBinding.objects.filter(business=business).count() == 1


def test_another_businesss_flow_cannot_be_bound_or_opened(owner_client, business, other_business):
    _funnel(business)
    theirs = _funnel(other_business)

    assert owner_client.get(f"/dashboard/flows/{theirs.pk}/").status_code == 404
    assert owner_client.post(f"/dashboard/flows/{theirs.pk}/preview/").status_code == 404
    response = owner_client.post(
        "/dashboard/flows/channels/", {"channel": "web", "flow": theirs.pk}
    )
    assert response.status_code == 400
    assert not FlowBinding.objects.filter(business=business, channel="web").exists()


def test_creating_needs_a_name_and_a_known_template(owner_client, business):
    assert (
        owner_client.post("/dashboard/flows/new/", {"name": "", "template": "menu"}).status_code
        == 400
    )
    assert (
        owner_client.post("/dashboard/flows/new/", {"name": "X", "template": "evil"}).status_code
        == 400
    )
    assert not Flow.objects.filter(business=business, name="X").exists()


@pytest.mark.parametrize("role", [Role.MANAGER])
def test_managers_edit_flows(client, business, role):
    client.force_login(MembershipFactory(business=business, role=role).user)
    assert client.get("/dashboard/flows/").status_code == 200


def test_agents_get_403_everywhere(client, business):
    flow = _funnel(business)
    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)

    assert client.get("/dashboard/flows/").status_code == 403
    assert client.get(f"/dashboard/flows/{flow.pk}/").status_code == 403
    assert client.post(f"/dashboard/flows/{flow.pk}/", {"op": "save"}).status_code == 403
    assert client.post(f"/dashboard/flows/{flow.pk}/preview/").status_code == 403
    assert (
        client.post("/dashboard/flows/new/", {"name": "X", "template": "menu"}).status_code == 403
    )
    assert client.post("/dashboard/flows/channels/", {"channel": "*"}).status_code == 403
    assert (
        client.post("/dashboard/flows/settings/", {"misses_before_handoff": "1"}).status_code == 403
    )
    assert not BotSettings.objects.filter(business=business).exists()
    assert "/dashboard/flows/" not in client.get("/dashboard/").content.decode()


def test_the_order_of_steps_is_kept_across_a_save(owner_client, business):
    """PostgreSQL's jsonb keeps no key order: the editor saves its own."""
    flow = _funnel(business)
    fields = _open(owner_client, flow)
    moved = editor_fields(
        owner_client.post(
            f"/dashboard/flows/{flow.pk}/", {**fields, "op": "down:1"}
        ).content.decode()
    )
    order = [moved[f"s{i}-name"] for i in range(int(moved["steps"]))]
    assert order[1:3] == ["ask_phone", "ask_name"]

    owner_client.post(f"/dashboard/flows/{flow.pk}/", {**moved, "op": "save"})

    reopened = _open(owner_client, flow)
    assert [reopened[f"s{i}-name"] for i in range(int(reopened["steps"]))] == order


# --- "When the bot does not understand" ---------------------------------------------------------

MENU = {
    "key": "menu",
    "start": "what",
    "steps": {
        "what": {
            "type": "choose",
            "prompt": {"en": "Opening hours?"},
            "var": "need",
            "choices": [{"value": "hours", "label": {"en": "Opening hours"}, "next": "hours"}],
        },
        "hours": {"type": "say", "text": {"en": "9 to 5."}, "next": "end"},
        "end": {"type": "end"},
    },
}
SORRY = "Sorry, I did not understand that."


def _customer_says(business, text: str):
    return conversation_receive(
        business=business, channel="sms", handle="+4915112345678", inbound=Inbound(text=text)
    )


def _texts(received) -> list[str]:
    return [reply["text"] for reply in received.replies if reply["type"] == "text"]


def test_the_card_explains_what_happens_today_with_the_defaults(owner_client, business):
    response = owner_client.get("/dashboard/flows/")

    assert "When the bot does not understand" in response.text
    assert "hands the conversation to your team" in response.text
    assert response.text.count("Coming soon") == 2  # the FAQ and the assistant answer nothing yet
    assert 'name="misses_before_handoff" value="3"' in response.text
    assert 'id="id_faq_fallback" checked' in response.text
    assert 'id="id_agent_fallback">' in response.text


def test_one_miss_hands_off_once_saved_so(owner_client, business, owner):
    """Given a menu flow and the default of three misses, when the owner sets one on the Flows
    page, then the customer's first misunderstood message goes to a person."""
    flow_bound(business, MENU)

    response = owner_client.post(
        "/dashboard/flows/settings/", {"misses_before_handoff": "1"}, follow=True
    )

    assert response.redirect_chain == [("/dashboard/flows/", 302)]
    assert "What the bot does when it does not understand was saved." in response.text
    _customer_says(business, "hi")
    received = _customer_says(business, "what about Sunday?")
    assert received.conversation.status == Status.OPEN
    assert "person from our team" in _texts(received)[-1]
    assert Activity.objects.get(
        business=business, action="bot_settings.updated", actor=owner
    ).data == {"faq_fallback": [True, False], "misses_before_handoff": [3, 1]}


def test_zero_never_hands_off(owner_client, business):
    flow_bound(business, MENU)
    owner_client.post("/dashboard/flows/settings/", {"misses_before_handoff": "0"})

    _customer_says(business, "hi")
    for _n in range(5):
        received = _customer_says(business, "what about Sunday?")
        assert _texts(received) == [SORRY]  # and the options again

    assert received.conversation.status == Status.BOT


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", "This field is required."),
        ("abc", "Enter a whole number."),
        ("1.5", "Enter a whole number."),
        ("-1", "greater than or equal to 0"),
        ("21", "less than or equal to 20"),
        ("9" * 40, "less than or equal to 20"),
    ],
)
def test_a_bad_number_is_explained_and_nothing_changes(owner_client, business, value, error):
    response = owner_client.post(
        "/dashboard/flows/settings/",
        {"misses_before_handoff": value, "faq_fallback": "on", "agent_fallback": "on"},
    )

    assert response.status_code == 400
    assert error in response.text
    assert 'id="bot-settings"' in response.text
    assert not BotSettings.objects.filter(business=business).exists()
    assert not Activity.objects.filter(business=business, action="bot_settings.updated").exists()


def test_managers_set_the_fallback_too(client, business):
    client.force_login(MembershipFactory(business=business, role=Role.MANAGER).user)

    response = client.post(
        "/dashboard/flows/settings/", {"misses_before_handoff": "5", "agent_fallback": "on"}
    )

    assert response.status_code == 302
    saved = BotSettings.objects.get(business=business)
    assert (saved.faq_fallback, saved.agent_fallback, saved.misses_before_handoff) == (
        False,
        True,
        5,
    )
