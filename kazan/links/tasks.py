"""Secure links' periodic job (`manage.py crontask`). Safe to run twice or late."""

from crontask import cron
from django.tasks import task

from kazan.links.services import secure_links_purge


@cron("17 3 * * *")
@task
def secure_links_purge_old() -> int:
    """Every night: delete links that ended more than 30 days ago (only hashes, but no need)."""
    return secure_links_purge()
