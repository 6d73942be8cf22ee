"""Analytics' choices, apart from its tables: the kinds of counted events and the export job's
kind, format, origin and status. Any app may import these (the tables stay private)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    QR_SCAN = "qr_scan", _("QR scan")
    PAGE_VIEW = "page_view", _("Page view")
    DATA_ENTERED = "data_entered", _("Details entered")
    OTP_SENT = "otp_sent", _("Code sent")
    OTP_VERIFIED = "otp_verified", _("Phone verified")
    REVIEW_SUBMITTED = "review_submitted", _("Review")
    GOOGLE_REVIEW_CLICK = "google_review_click", _("Google review link opened")
    VOUCHER_ISSUED = "voucher_issued", _("Voucher issued")
    VOUCHER_REDEEMED = "voucher_redeemed", _("Voucher redeemed")
    SOCIAL_CLICK = "social_click", _("Social link click")
    LINK_CLICK = "link_click", _("Short link click")
    # The website widget and FAQ bot (issue 11).
    CHAT_STARTED = "chat_started", _("Chat started")
    FAQ_ANSWERED = "faq_answered", _("FAQ answer shown")
    FAQ_CLICKED = "faq_clicked", _("FAQ suggestion clicked")
    FAQ_UNANSWERED = "faq_unanswered", _("Unanswered question")
    REDIRECT_WHATSAPP = "redirect_whatsapp", _("Redirect to WhatsApp")
    REDIRECT_FORM = "redirect_form", _("Redirect to a form")
    REDIRECT_LINK = "redirect_link", _("Redirect to a link")
    FORM_SUBMITTED = "form_submitted", _("Form submitted")
    HANDOFF = "handoff", _("Hand-off to a person")
    # WhatsApp commerce and the shopping agent (issue 12).
    CART_CREATED = "cart_created", _("Cart started")
    CART_ABANDONED = "cart_abandoned", _("Cart reminder sent")
    ORDER_CREATED = "order_created", _("Order placed")
    ORDER_PAID = "order_paid", _("Order paid")
    AGENT_TURN = "agent_turn", _("Assistant answer")
    AGENT_TOOL_CALL = "agent_tool_call", _("Assistant tool call")
    AGENT_FAILED = "agent_failed", _("Assistant did not understand")


# The website widget's and FAQ bot's counters, in the order the dashboard and console show them.
WIDGET_EVENT_KINDS = (
    EventKind.CHAT_STARTED,
    EventKind.FAQ_ANSWERED,
    EventKind.FAQ_CLICKED,
    EventKind.FAQ_UNANSWERED,
    EventKind.REDIRECT_WHATSAPP,
    EventKind.REDIRECT_FORM,
    EventKind.REDIRECT_LINK,
    EventKind.FORM_SUBMITTED,
    EventKind.HANDOFF,
)
# What a client (the widget in a visitor's browser) may report through POST /api/v1/events:
# only what happens outside Kazan (the visitor follows a link). Chats, FAQ answers and clicks,
# forms and hand-offs are counted by the server's own code, so no client can inflate them.
CLIENT_EVENT_KINDS = (
    EventKind.REDIRECT_WHATSAPP,
    EventKind.REDIRECT_FORM,
    EventKind.REDIRECT_LINK,
)


class ExportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customer list")
    ACTIVITY = "activity", _("Activity log")
    BUSINESSES = "businesses", _("Businesses")
    REVENUE = "revenue", _("Revenue (payments)")
    FORM_SUBMISSIONS = "form_submissions", _("Contact form submissions")
    ORDERS = "orders", _("Orders")
    PRODUCTS = "products", _("Product catalog")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel (.xlsx)")
    PDF = "pdf", "PDF"


class ExportOrigin(models.TextChoices):
    """Who asked: platform staff in the console, or a business team for its own customers."""

    CONSOLE = "console", _("Platform console")
    DASHBOARD = "dashboard", _("Business dashboard")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
