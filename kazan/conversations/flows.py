"""The code template of the seeded default flow (flowstore.flow_default_ensure saves it as
every business's first flow version; the engine runs stored versions only).

The review funnel (specs 000 and 001 §1.5): greeting, name, phone, privacy
notice with an optional (unticked) SMS-offers consent, OTP, in-chat review, an invitation to
review on Google offered to everyone whatever the rating, then the welcome voucher — which
rewards the visit and the feedback and never depends on the Google review — and thanks."""

from django.utils.translation import gettext_lazy as _

from kazan.conversations.error_codes import ConversationsErrorCode
from kazan.messaging.error_codes import MessagingErrorCode

REVIEW_FUNNEL = "review_funnel"

review_funnel = {
    "key": REVIEW_FUNNEL,
    "start": "greet",
    "steps": {
        "greet": {
            "type": "say",
            "text": _("Welcome to %(business)s! Thank you for visiting."),
            "text_attr": "greetings",
            "next": "ask_name",
        },
        "ask_name": {
            "type": "ask",
            "input": "name",
            "var": "name",
            "validator": "name",
            "prompt": _("What is your name?"),
            "placeholder": _("Your name"),
            "next": "ask_phone",
        },
        "ask_phone": {
            "type": "ask",
            "input": "phone",
            "var": "phone",
            "validator": "phone",
            "prompt": _(
                "Nice to meet you, %(name)s! What is your mobile number? We will text you a code "
                "to confirm it."
            ),
            "placeholder": _("Mobile number"),
            "next": "data_entered",
        },
        "data_entered": {"type": "act", "action": "data_entered", "next": "consent_prepare"},
        "consent_prepare": {"type": "act", "action": "consent_prepare", "next": "ask_consent"},
        "ask_consent": {
            "type": "ask",
            "input": "consent",
            "var": "consent",
            "validator": "consent",
            "prompt": _(
                "Privacy: we use your name and number only to confirm your visit, send your "
                "voucher and keep your customer record. You can ask us to delete them at any "
                "time. Offers by SMS are optional."
            ),
            "checkbox": "%(consent_text)s",
            "submit": _("Continue"),
            "next": "otp_send",
        },
        "otp_send": {
            "type": "act",
            "action": "otp_send",
            "next": "ask_otp",
            "on_error": {
                ConversationsErrorCode.INVALID_PHONE: "ask_phone",
                MessagingErrorCode.OTP_COUNTRY: "ask_phone",
                MessagingErrorCode.OTP_NOT_MOBILE: "ask_phone",
                "*": "ask_otp_retry",
            },
        },
        "ask_otp_retry": {
            "type": "ask",
            "input": "otp",
            "validator": "otp",
            "prompt": _("You can ask for a new code in a moment."),
            "label": _("Code from the text message"),
            "commands": {
                "resend": {"label": _("Send a new code"), "action": "otp_send"},
                "change_phone": {"label": _("Change number"), "next": "ask_phone"},
            },
            "next": "register",
        },
        "ask_otp": {
            "type": "ask",
            "input": "otp",
            "validator": "otp",
            "prompt": _("Please enter the 6-digit code."),
            "label": _("Code from the text message"),
            "placeholder": "123456",
            "commands": {
                "resend": {"label": _("Send a new code"), "action": "otp_send"},
                "change_phone": {"label": _("Change number"), "next": "ask_phone"},
            },
            "next": "register",
        },
        "register": {"type": "act", "action": "customer_register", "next": "returning"},
        "returning": {
            "type": "branch",
            "cases": [{"if": {"var": "returning", "truthy": True}, "next": "welcome_back"}],
            "default": "ask_rating",
        },
        "welcome_back": {
            "type": "say",
            "text": _("Welcome back, %(name)s! Good to see you again."),
            "next": "ask_rating",
        },
        "ask_rating": {
            "type": "ask",
            "input": "rating",
            "var": "rating",
            "validator": "rating",
            "max": 5,
            "prompt": _("How was your visit today?"),
            "next": "ask_comment",
        },
        "ask_comment": {
            "type": "ask",
            "input": "comment",
            "var": "comment",
            "validator": "comment",
            "optional": True,
            "prompt": _("Would you like to tell us more? (optional)"),
            "placeholder": _("Your comment"),
            "commands": {"skip": {"label": _("Skip"), "next": "review"}},
            "next": "review",
        },
        "review": {"type": "act", "action": "review_submit", "next": "google"},
        "google": {"type": "act", "action": "google_review_invite", "next": "voucher"},
        "voucher": {"type": "act", "action": "voucher_welcome", "next": "thanks"},
        "thanks": {"type": "act", "action": "thanks", "next": "done"},
        "done": {"type": "end"},
    },
}
