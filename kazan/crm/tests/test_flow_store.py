"""The CRM flow is a stored flow like any other: `crm_flow_ensure` saves it and binds it to
Telegram with the commands as restart keywords, once, never over a business's own binding; the
flow editor opens it."""

import pytest

from kazan.conversations.flowstore import flow_for_channel
from kazan.conversations.models import Flow, FlowBinding, FlowVersion
from kazan.conversations.tests.editor_helpers import editor_fields
from kazan.conversations.tests.factories import flow_bound
from kazan.crm.flow import CRM_FLOW
from kazan.crm.services import crm_flow_ensure

pytestmark = pytest.mark.django_db


def test_the_crm_flow_is_stored_and_bound_to_telegram_once(business):
    crm_flow_ensure(business=business)
    crm_flow_ensure(business=business)
    binding = FlowBinding.objects.get(business=business, channel="telegram")
    assert binding.flow.key == CRM_FLOW
    assert "/ORDER" in binding.restart_keywords and "MENU" in binding.restart_keywords
    assert FlowVersion.objects.filter(flow__key=CRM_FLOW).count() == 1
    # other channels keep their flow
    assert flow_for_channel(business=business, channel="web").flow.key != CRM_FLOW


def test_a_business_binding_of_its_own_is_kept(business):
    own = {"key": "own", "start": "end", "steps": {"end": {"type": "end"}}}
    flow_bound(business, own, channel="telegram")
    crm_flow_ensure(business=business)
    assert FlowBinding.objects.get(business=business, channel="telegram").flow.key == "own"
    assert not Flow.objects.filter(key=CRM_FLOW).exists()


def test_the_editor_opens_the_crm_flow(owner_client, business):
    crm_flow_ensure(business=business)
    flow = Flow.objects.get(business=business, key=CRM_FLOW)
    response = owner_client.get(f"/dashboard/flows/{flow.pk}/")
    assert response.status_code == 200
    fields = editor_fields(response.content.decode())
    assert "Welcome to %(business)s! What would you like to do?" in fields.values()
