"""Email leaves through the retried mail task: after the commit, never on a rollback, again later
when the mail server fails, and with nothing readable in the tasks table."""

import datetime as dt
import json
import smtplib

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends import locmem
from django.db import transaction
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kazan.core.mail import RETRY_DELAYS, email_queue, email_text_queue
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
ADDRESS = "ada.lovelace@example.com"


class FlakyBackend(locmem.EmailBackend):
    """The test outbox, behind a mail server that drops the connection `failures_left` times."""

    failures_left = 0

    def send_messages(self, email_messages):
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


def _queue_committed(capture, subject: str = "Hello", body: str = "The body.") -> None:
    with capture(execute=True):
        email_text_queue(subject, body, [ADDRESS])


def _waiting() -> DBTaskResult:
    """The one delivery task still to run (the retry)."""
    return DBTaskResult.objects.get(status=TaskResultStatus.READY)


def test_the_email_leaves_after_the_commit_and_from_the_task(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email_text_queue("Hello", "The body.", [ADDRESS])
    assert not DBTaskResult.objects.exists(), "nothing is queued before the commit"
    assert mailoutbox == []

    for callback in callbacks:  # the commit
        callback()
    assert DBTaskResult.objects.count() == 1
    assert mailoutbox == [], "the request does not send it: the task does"

    tasks_run_all(sweep=False)
    assert [(m.subject, m.body, m.to) for m in mailoutbox] == [("Hello", "The body.", [ADDRESS])]


def test_nothing_is_sent_when_the_transaction_rolls_back(
    mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        email_text_queue("Hello", "The body.", [ADDRESS])
        raise RuntimeError("the use-case failed")
    tasks_run_all(sweep=False)

    assert callbacks == []
    assert not DBTaskResult.objects.exists()
    assert mailoutbox == []


def test_a_mail_server_failure_is_retried_later_with_backoff(
    settings, monkeypatch, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    monkeypatch.setattr(FlakyBackend, "failures_left", 2)
    time_machine.move_to(NOW, tick=False)
    _queue_committed(django_capture_on_commit_callbacks)

    tasks_run_all(sweep=False)  # first attempt: the server hangs up
    assert mailoutbox == []
    assert not DBTaskResult.objects.ready().exists(), "the retry waits for its time"
    retry = _waiting()
    assert retry.run_after == NOW + RETRY_DELAYS[0]
    assert retry.args_kwargs["args"][1] == 1

    time_machine.move_to(NOW + RETRY_DELAYS[0], tick=False)
    tasks_run_all(sweep=False)  # second attempt fails too: the wait grows
    assert mailoutbox == []
    retry = _waiting()
    assert retry.run_after == NOW + RETRY_DELAYS[0] + RETRY_DELAYS[1]
    assert retry.args_kwargs["args"][1] == 2

    time_machine.move_to(retry.run_after - dt.timedelta(seconds=1), tick=False)
    assert tasks_run_all(sweep=False) == 0
    time_machine.move_to(retry.run_after, tick=False)
    tasks_run_all(sweep=False)
    assert [m.to for m in mailoutbox] == [[ADDRESS]]


def test_the_tasks_table_holds_no_readable_address_or_text(django_capture_on_commit_callbacks):
    _queue_committed(django_capture_on_commit_callbacks, subject="Secret plans", body="Tuesday")

    stored = json.dumps(DBTaskResult.objects.get().args_kwargs)
    for plain in (ADDRESS, "ada.lovelace", "Secret plans", "Tuesday"):
        assert plain not in stored


def test_html_alternatives_attachments_and_headers_survive_the_round_trip(
    mailoutbox, django_capture_on_commit_callbacks
):
    pdf = b"%PDF-1.4 \x00\xff\xfe binary"
    message = EmailMultiAlternatives(
        "Your invoice",
        "The invoice is attached.",
        "billing@kazan.localhost",
        [ADDRESS],
        cc=["cc@example.com"],
        reply_to=["help@example.com"],
        headers={"X-Kazan": "invoice"},
    )
    message.attach_alternative("<p>The invoice is <b>attached</b>.</p>", "text/html")
    message.attach("invoice.pdf", pdf, "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(message)
    tasks_run_all(sweep=False)

    [sent] = mailoutbox
    assert (sent.subject, sent.body, sent.from_email) == (
        "Your invoice",
        "The invoice is attached.",
        "billing@kazan.localhost",
    )
    assert (sent.to, sent.cc, sent.reply_to) == (
        [ADDRESS],
        ["cc@example.com"],
        ["help@example.com"],
    )
    assert sent.extra_headers == {"X-Kazan": "invoice"}
    assert [tuple(alt) for alt in sent.alternatives] == [
        ("<p>The invoice is <b>attached</b>.</p>", "text/html")
    ]
    assert [tuple(att) for att in sent.attachments] == [("invoice.pdf", pdf, "application/pdf")]
