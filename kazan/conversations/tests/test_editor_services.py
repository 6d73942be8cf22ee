"""The flow editor's use-cases: saving is a new version (the old one stays as it was for the
conversations running on it), templates start in the business's language, bindings say which
flow answers where, and each change is in the activity log."""

import pytest

from kazan.activity.models import Activity
from kazan.conversations.editor.services import flow_bind, flow_create, flow_save
from kazan.conversations.flowstore import flow_default_ensure, flow_for_channel
from kazan.conversations.models import FlowBinding, FlowVersion
from kazan.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def test_saving_makes_a_new_version_and_leaves_the_running_one_untouched(business, owner):
    flow = flow_default_ensure(business=business)
    first = flow.current_version
    definition = {**first.definition, "steps": dict(first.definition["steps"])}
    definition["steps"]["greet"] = {**definition["steps"]["greet"], "text": {"en": "New hi"}}

    version = flow_save(
        business=business, flow=flow, name="Funnel", definition=definition, actor=owner
    )

    assert version.number == 2
    assert flow_for_channel(business=business, channel="web") == version
    first.refresh_from_db()
    assert first.definition["steps"]["greet"]["text"] != {"en": "New hi"}
    assert Activity.objects.get(business=business, action="flow.saved").data == {"version": 2}


def test_an_invalid_definition_is_not_saved(business, owner):
    flow = flow_default_ensure(business=business)
    broken = {"start": "a", "steps": {"a": {"type": "say", "text": {"en": "x"}, "next": "b"}}}

    with pytest.raises(ValidationFailed, match="unknown steps"):
        flow_save(business=business, flow=flow, name="x", definition=broken, actor=owner)

    assert FlowVersion.objects.filter(flow=flow).count() == 1
    assert not Activity.objects.filter(business=business, action="flow.saved").exists()


def test_another_businesss_flow_is_not_saved(business, other_business, owner):
    theirs = flow_default_ensure(business=other_business)

    with pytest.raises(NotFound):
        flow_save(
            business=business,
            flow=theirs,
            name="x",
            definition=theirs.current_version.definition,
            actor=owner,
        )


def test_a_menu_template_starts_in_the_business_language_and_is_unbound(business, owner):
    business.language = "de"
    business.save()

    flow = flow_create(business=business, name="Speisekarte", template="menu", actor=owner)
    again = flow_create(business=business, name="Speisekarte", template="blank", actor=owner)

    steps = flow.current_version.definition["steps"]
    assert list(steps["greeting"]["text"]) == ["de"]
    assert steps["menu"]["choices"][0]["label"] == {
        "de": steps["menu"]["choices"][0]["label"]["de"]
    }
    assert (flow.key, again.key) == ("speisekarte", "speisekarte-2")
    assert not FlowBinding.objects.filter(business=business, flow=flow).exists()
    assert Activity.objects.filter(business=business, action="flow.created").count() == 2


def test_bind_unbind_and_the_guard_on_all_channels(business, owner, other_business):
    flow_default_ensure(business=business)
    menu = flow_create(business=business, name="Menu", template="menu", actor=owner)

    flow_bind(business=business, flow=menu, channel="sms", restart_keywords=["menu"], actor=owner)
    assert flow_for_channel(business=business, channel="sms").flow == menu
    assert FlowBinding.objects.get(business=business, channel="sms").restart_keywords == ["MENU"]

    flow_bind(business=business, flow=None, channel="sms", restart_keywords=[], actor=owner)
    assert flow_for_channel(business=business, channel="sms").flow != menu
    assert [
        a.action for a in Activity.objects.filter(business=business, action__startswith="flow.b")
    ] == ["flow.bound"]
    assert Activity.objects.filter(business=business, action="flow.unbound").exists()

    with pytest.raises(ValidationFailed):
        flow_bind(business=business, flow=None, channel="*", restart_keywords=[], actor=owner)
    with pytest.raises(ValidationFailed):
        flow_bind(business=business, flow=menu, channel="fax", restart_keywords=[], actor=owner)
    theirs = flow_default_ensure(business=other_business)
    with pytest.raises(NotFound):
        flow_bind(business=business, flow=theirs, channel="web", restart_keywords=[], actor=owner)


def test_the_activity_log_reads_flow_changes_as_sentences(business, owner):
    from django.utils import translation

    from kazan.activity.registry import Viewer, activity_describe

    flow = flow_default_ensure(business=business)
    flow_save(
        business=business,
        flow=flow,
        name=flow.name,
        definition=flow.current_version.definition,
        actor=owner,
    )
    flow_bind(business=business, flow=flow, channel="sms", restart_keywords=[], actor=owner)

    with translation.override("en"):
        lines = activity_describe(
            Activity.objects.filter(business=business).order_by("id"), viewer=Viewer(staff=False)
        )

    assert [line.sentence for line in lines] == [
        f"{owner.name} saved the chatbot flow “Review and voucher” as version 2",
        f"{owner.name} set the chatbot flow “Review and voucher” to answer on SMS",
    ]


def test_a_link_step_is_saved_and_reads_back_into_the_editor(business, owner):
    from kazan.conversations.editor.forms import languages_for, rows_from_definition

    flow = flow_create(business=business, name="Links", template="blank", actor=owner)
    links = [
        {"label": {"en": "Website"}, "url": "https://cafe.example/"},
        {"label": {"en": "WhatsApp"}, "whatsapp": "+4915112345678", "text": {"en": "Hi!"}},
        {"label": {"en": "Book"}, "form": "https://forms.example/book"},
    ]
    definition = {
        "start": "greeting",
        "order": ["greeting", "where"],
        "steps": {
            "greeting": {"type": "say", "text": {"en": "Hello"}, "next": "where"},
            "where": {"type": "link", "text": {"en": "Find us"}, "links": links, "next": None},
        },
    }

    version = flow_save(
        business=business, flow=flow, name="Links", definition=definition, actor=owner
    )

    version.refresh_from_db()
    assert version.definition["steps"]["where"]["links"] == links
    rows = rows_from_definition(version.definition, languages_for(business))
    assert [row.name for row in rows] == ["greeting", "where"]
    assert [(link["kind"], link["target"]) for link in rows[1].links] == [
        ("url", "https://cafe.example/"),
        ("whatsapp", "+4915112345678"),
        ("form", "https://forms.example/book"),
    ]


@pytest.mark.parametrize(
    "order",
    [["a"], ["a", "b", "b"], ["a", "c"], "a,b", [1, 2], {"a": 1}],
)
def test_the_editors_order_must_name_every_step_once(business, owner, order):
    flow = flow_create(business=business, name="Order", template="blank", actor=owner)
    steps = {"a": {"type": "say", "text": {"en": "A"}, "next": "b"}, "b": {"type": "end"}}

    with pytest.raises(ValidationFailed, match="order"):
        flow_save(
            business=business,
            flow=flow,
            name="Order",
            definition={"start": "a", "order": order, "steps": steps},
            actor=owner,
        )
    saved = flow_save(
        business=business,
        flow=flow,
        name="Order",
        definition={"start": "a", "order": ["b", "a"], "steps": steps},
        actor=owner,
    )
    assert saved.definition["order"] == ["b", "a"]


def test_a_menu_template_greets_with_the_business_name_written_in(business, owner):
    flow = flow_create(business=business, name="Menu", template="menu", actor=owner)

    assert flow.current_version.definition["steps"]["greeting"]["text"] == {
        "en": f"Welcome to {business.name}!"
    }
