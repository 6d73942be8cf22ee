"""Who did something, as the services take it: a signed-in user, an anonymous visitor, or
nobody (the system). One alias so every app's services and the activity log agree."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser

if TYPE_CHECKING:
    from kazan.accounts.models import User

type Actor = User | AnonymousUser | None
