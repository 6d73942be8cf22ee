"""Conversation retention (crontask)."""

from crontask import cron
from django.tasks import task

from kazan.conversations import services


@cron("17 3 * * *")
@task
def conversations_purge() -> int:
    """Daily: chats abandoned before the phone was verified (see the service)."""
    return services.unscoped_conversations_abandoned_purge()
