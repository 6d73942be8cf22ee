"""Masks that let a person recognise a phone number or an email address on screen without
disclosing it. One definition, so the dashboard, exports and the activity log agree."""


def phone_mask(phone: str) -> str:
    """+49••••678; a number too short to keep both ends shows only dots."""
    return f"{phone[:3]}••••{phone[-3:]}" if len(phone) > 6 else ("••••" if phone else "")


def email_mask(email: str) -> str:
    """a•••@example.com; something that is not an address shows nothing."""
    local, at, domain = (email or "").partition("@")
    return f"{local[:1]}•••@{domain}" if at else ""
