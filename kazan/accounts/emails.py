"""A person's sign-in address: its one spelling and its blind index (what lookups use, since
the address itself is stored encrypted). Plain functions, so apps above accounts can key their
own rows (an invitation's address) the same way without touching accounts' tables."""

from kazan.core.crypto import blind_index


def email_normalize(email: str) -> str:
    return email.strip().lower()


def email_index(email: str) -> str:
    return blind_index(email_normalize(email), scope="user.email")
