"""Who did something, as the services take it: a signed-in user, an anonymous visitor, or
nobody (the system). One alias so every app's services and the activity log agree."""

from django.contrib.auth.models import AnonymousUser

from kazan.accounts.models import User

type Actor = User | AnonymousUser | None


def actor_user(actor: Actor) -> User | None:
    """The signed-in person behind `actor` (for a "created by" column); None for an anonymous
    caller or the system."""
    return actor if isinstance(actor, User) else None
