"""Background jobs of accounts."""

from django.tasks import task

from kazan.accounts import services


@task
def password_reset_email_send(user_id: int) -> None:
    """Emails a "forgot password" link (out of the request: see services.password_reset_request)."""
    services.password_reset_email_send(user_id=user_id)
