"""Commerce's periodic jobs (`manage.py crontask`): safe to run twice or late — an expired
cart stays expired, a cart is reminded at most once (Cart.reminded_at)."""

from crontask import cron
from django.tasks import task

from kazan.commerce.services.cart import carts_expire as _carts_expire
from kazan.commerce.services.reminders import unscoped_carts_remind_all


@cron("*/15 * * * *")
@task
def carts_expire() -> int:
    """Every quarter of an hour: close carts past their expiry."""
    return _carts_expire()


@cron("*/10 * * * *")
@task
def abandoned_carts_remind() -> int:
    """Every ten minutes: remind consenting customers of carts they left."""
    return unscoped_carts_remind_all()
