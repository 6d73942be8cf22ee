"""The flow editor's use-cases: saving is a new version (the old one stays as it was for the
conversations running on it), templates start in the business's language, bindings say which
flow answers where, the fallback chain is set per business, and each change is in the activity
log."""

import pytest
from django.utils import translation

from kazan.activity.models import Activity
from kazan.activity.registry import Viewer, activity_describe
from kazan.conversations.editor.services import (
    bot_settings_update,
    flow_bind,
    flow_create,
    flow_save,
)
from kazan.conversations.flowstore import flow_default_ensure, flow_for_channel
from kazan.conversations.models import BotSettings, FlowBinding, FlowVersion
from kazan.conversations.queries import bot_settings_get
from kazan.core.errors import NotFound, ValidationFailed
from kazan.core.testing import run_in_threads

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


# --- the fallback chain ---------------------------------------------------------------------------


def _set(business, actor, *, faq=True, agent=False, misses=3):
    return bot_settings_update(
        business=business,
        faq_fallback=faq,
        agent_fallback=agent,
        misses_before_handoff=misses,
        actor=actor,
    )


def test_the_first_save_keeps_the_settings_and_logs_what_changed_from_the_defaults(business, owner):
    assert bot_settings_get(business=business).misses_before_handoff == 3  # not saved yet

    saved = _set(business, owner, agent=True, misses=0)

    assert bot_settings_get(business=business) == saved
    assert (saved.faq_fallback, saved.agent_fallback, saved.misses_before_handoff) == (
        True,
        True,
        0,
    )
    entry = Activity.objects.select_related("actor").get(
        business=business, action="bot_settings.updated"
    )
    assert entry.actor == owner
    assert entry.data == {"agent_fallback": [False, True], "misses_before_handoff": [3, 0]}
    with translation.override("en"):
        (line,) = activity_describe([entry], viewer=Viewer())
    assert [str(change) for change in line.changes] == [
        "Let the assistant answer: off → on",
        "Hand over to a person after this many misunderstood messages: 3 → never",
    ]


def test_saving_again_updates_the_one_row_and_logs_only_changes(business, owner):
    _set(business, owner, misses=5)
    _set(business, owner, misses=5)
    _set(business, owner, faq=False, misses=5)

    assert BotSettings.objects.filter(business=business).count() == 1
    assert [
        entry.data
        for entry in Activity.objects.filter(
            business=business, action="bot_settings.updated"
        ).order_by("pk")
    ] == [{"misses_before_handoff": [3, 5]}, {"faq_fallback": [True, False]}]


@pytest.mark.parametrize("misses", [-1, 21, True, "2", None])
def test_a_number_out_of_bounds_is_refused(business, owner, misses):
    with pytest.raises(ValidationFailed, match="from 0 to 20"):
        _set(business, owner, misses=misses)

    assert not BotSettings.objects.exists()
    assert not Activity.objects.filter(action="bot_settings.updated").exists()


def test_each_business_has_its_own_settings(business, other_business, owner):
    _set(business, owner, misses=1)

    assert bot_settings_get(business=other_business).misses_before_handoff == 3
    assert not BotSettings.objects.filter(business=other_business).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_first_saves_at_once_make_one_row(business, owner):
    results = run_in_threads(2, lambda: _set(business, owner, misses=7))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert BotSettings.objects.get(business=business).misses_before_handoff == 7
    assert Activity.objects.filter(business=business, action="bot_settings.updated").count() == 1
