"""Threads and sessions (issue 10): every conversation becomes a thread with a channel identity
(the web chat's cookie token, encrypted, found by its blind index) and one session holding its
old run state. Every business gets the review funnel seeded as a stored flow version bound to
every channel, and each migrated session runs that version. A conversation of another code flow
(none exist outside tests) gets a session without a version, ended: the next message starts the
business's bound flow. Going back leaves the new rows (0004 going back restores empty
columns)."""

from django.db import migrations

REVIEW_FUNNEL = "review_funnel"


def threads_split(apps, schema_editor) -> None:
    from kazan.conversations.flowstore import ANY_CHANNEL, review_funnel_definition

    Business = apps.get_model("tenancy", "Business")
    Flow = apps.get_model("conversations", "Flow")
    FlowVersion = apps.get_model("conversations", "FlowVersion")
    FlowBinding = apps.get_model("conversations", "FlowBinding")
    Conversation = apps.get_model("conversations", "Conversation")
    Session = apps.get_model("conversations", "ConversationSession")
    Message = apps.get_model("conversations", "ConversationMessage")
    ChannelIdentity = apps.get_model("customers", "ChannelIdentity")
    definition = review_funnel_definition()
    for business in Business.objects.order_by("pk").iterator():
        flow, _created = Flow.objects.get_or_create(
            business=business, key=REVIEW_FUNNEL, defaults={"name": "Review and voucher"}
        )
        if flow.current_version_id is None:
            top = FlowVersion.objects.filter(flow=flow).order_by("-number").first()
            flow.current_version = FlowVersion.objects.create(
                business=business,
                flow=flow,
                number=(top.number if top else 0) + 1,
                definition=definition,
            )
            flow.save(update_fields=["current_version"])
        FlowBinding.objects.get_or_create(
            business=business, channel=ANY_CHANNEL, defaults={"flow": flow}
        )
        for conversation in Conversation.objects.filter(business=business).order_by("pk"):
            _thread_split(conversation, flow.current_version, ChannelIdentity, Session, Message)


def _thread_split(conversation, version, ChannelIdentity, Session, Message) -> None:
    from kazan.customers.identities import identity_index_for

    index = identity_index_for(conversation.channel, conversation.external_key)
    identity, _created = ChannelIdentity.objects.get_or_create(
        business_id=conversation.business_id,
        channel=conversation.channel,
        external_index=index,
        defaults={"external_id": conversation.external_key, "customer": conversation.customer},
    )
    if identity.customer_id is None and conversation.customer_id is not None:
        identity.customer_id = conversation.customer_id
        identity.save(update_fields=["customer"])
    funnel = conversation.flow_key == REVIEW_FUNNEL
    ended_at = conversation.handed_off_at or conversation.completed_at
    if conversation.handed_off_at:
        reason = "handoff"
    elif conversation.completed_at:
        reason = "completed"
    else:
        reason = ""
    session = Session.objects.create(
        business_id=conversation.business_id,
        conversation=conversation,
        flow_version=version if funnel else None,
        step=conversation.step,
        waiting=conversation.waiting and funnel,
        state=conversation.state,
        ended_at=ended_at or (None if funnel else conversation.updated_at),
        end_reason=reason or ("" if funnel else "restarted"),
    )
    Session.objects.filter(pk=session.pk).update(started_at=conversation.created_at)
    conversation.identity = identity
    conversation.session = session
    if conversation.handed_off_at:
        conversation.status = "open"
    last = Message.objects.filter(conversation=conversation).order_by("-created_at").first()
    conversation.last_message_at = last.created_at if last else conversation.updated_at
    incoming = Message.objects.filter(conversation=conversation, direction="in")
    last_in = incoming.order_by("-created_at").first()
    conversation.last_inbound_at = last_in.created_at if last_in else None
    conversation.save(
        update_fields=["identity", "session", "status", "last_message_at", "last_inbound_at"]
    )
    incoming.update(session=session, author_kind="customer")
    Message.objects.filter(conversation=conversation, direction="out").update(
        session=session, author_kind="bot"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_threads_sessions_flows"),
        ("customers", "0006_identity_before_customer"),
        ("tenancy", "0004_business_chat_texts_by_language"),
    ]

    operations = [migrations.RunPython(threads_split, migrations.RunPython.noop, elidable=False)]
