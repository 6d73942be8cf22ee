"""Email leaves through a retried task, never inline in a request: a slow or failing mail server
must not fail the page, and a message queued in a transaction that rolls back is never sent.

The message travels encrypted in the task's arguments (they sit in the tasks table until the
worker runs, and they hold addresses)."""

import base64
import json
import logging
import smtplib
from datetime import timedelta
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from kazan.core.crypto import decrypt, encrypt

logger = logging.getLogger(__name__)

_CONTEXT = "core.mail"
# Backoff between attempts; after the last one the message is given up and logged.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)


def email_queue(message: EmailMessage) -> None:
    """Send `message` after the current transaction commits, from the worker, with retries."""
    payload = encrypt(json.dumps(_message_dump(message)), context=_CONTEXT)
    transaction.on_commit(lambda: email_deliver.enqueue(payload, 0))


def email_text_queue(subject: str, body: str, recipients: list[str]) -> None:
    """The common case: a plain text email to some addresses."""
    if recipients:
        email_queue(EmailMessage(subject, body, None, recipients))


@task
def email_deliver(payload: str, attempt: int) -> bool:
    """Send one queued email; on a mail server failure try again later (RETRY_DELAYS)."""
    message = _message_load(json.loads(decrypt(payload, context=_CONTEXT)))
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if attempt >= len(RETRY_DELAYS):
            logger.error("email given up after %d attempts: %s", attempt + 1, type(exc).__name__)
            return False
        logger.warning("email attempt %d failed (%s); retrying", attempt + 1, type(exc).__name__)
        retry_at = timezone.now() + RETRY_DELAYS[attempt]
        email_deliver.using(run_after=retry_at).enqueue(payload, attempt + 1)
        return False
    return True


def _message_dump(message: EmailMessage) -> dict[str, object]:
    alternatives = getattr(message, "alternatives", [])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[str(content), mimetype] for content, mimetype in alternatives],
        "attachments": [
            [name, base64.b64encode(_bytes(content)).decode(), mimetype]
            for name, content, mimetype in message.attachments
        ],
    }


def _bytes(content: str | bytes) -> bytes:
    return content.encode() if isinstance(content, str) else content


def _message_load(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        data["subject"],
        data["body"],
        data["from"],
        data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for name, content, mimetype in data["attachments"]:
        message.attach(name, base64.b64decode(content), mimetype)
    return message
