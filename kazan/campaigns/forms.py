"""Dashboard forms: parse and check shapes only; the rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.campaigns import services
from kazan.campaigns.audience import (
    DAYS_MAX,
    TELEGRAM,
    broadcast_channel_default,
    broadcast_channels,
)
from kazan.campaigns.chat import EMOJI_MAX, TITLE_MAX
from kazan.campaigns.models import CampaignKind
from kazan.customers.queries import tags_for_business

# The form's audience fields, by the Audience attribute each fills.
AUDIENCE_FIELDS = (
    "tags",
    "rating_min",
    "rating_max",
    "visited_after",
    "visited_before",
    "visited_within_days",
    "not_visited_days",
    "consent_after",
    "consent_before",
)
_RATINGS = [("", "—")] + [(str(n), "★" * n) for n in range(1, 6)]


def _date_field(label):
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _days_field(label):
    return forms.IntegerField(label=label, required=False, min_value=1, max_value=DAYS_MAX)


class AudienceForm(forms.Form):
    """The channel and audience filters; the campaign form and the live count both parse them.
    The channel list and the tags are the business's, so it needs `business`."""

    channel = forms.ChoiceField(label=_("Channel"), required=False)
    tags = forms.TypedMultipleChoiceField(
        label=_("Customers with any of these tags"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rating_min = forms.TypedChoiceField(
        label=_("Latest rating at least"),
        choices=_RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    rating_max = forms.TypedChoiceField(
        label=_("Latest rating at most"),
        choices=_RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    visited_after = _date_field(_("Last visit on or after"))
    visited_before = _date_field(_("Last visit before"))
    visited_within_days = _days_field(_("Visited within the last … days"))
    not_visited_days = _days_field(_("Not visited for … days"))
    consent_after = _date_field(_("Agreed to offers on or after"))
    consent_before = _date_field(_("Agreed to offers before"))

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            (key, channel.label) for key, channel in broadcast_channels(business=business).items()
        ]
        self.fields["channel"].initial = broadcast_channel_default(business=business).key
        self.fields["tags"].choices = [
            (tag.pk, tag.name) for tag in tags_for_business(business=business)
        ]

    def clean_channel(self) -> str:
        """Left out (an older form, a script): the first channel, as the form shows it."""
        return self.cleaned_data.get("channel") or self.fields["channel"].initial

    def audience(self) -> dict:
        """The filters that are set, as Audience input (the service validates them)."""
        data = self.cleaned_data
        audience = {name: data.get(name) for name in AUDIENCE_FIELDS}
        return {name: value for name, value in audience.items() if value not in (None, [], "")}

    def audience_fields(self) -> list:
        return [self[name] for name in AUDIENCE_FIELDS]

    @staticmethod
    def initial_of(campaign) -> dict:
        return {"channel": campaign.channel, **campaign.audience}


class CampaignForm(AudienceForm):
    WHEN_NOW = "now"
    WHEN_LATER = "later"
    field_order = ["name", "channel", "body"]

    name = forms.CharField(label=_("Name"), max_length=services.NAME_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "data-sms-counter": "sms-counter"}),
        help_text=_(
            "{name} becomes the customer's name, {voucher} their voucher code. Links are "
            "tracked; an opt-out link is added at the end."
        ),
    )
    voucher_discount = forms.CharField(
        label=_("Voucher (optional)"),
        max_length=120,
        required=False,
        help_text=_("What the voucher gives, e.g. 10% off your next coffee."),
    )
    voucher_valid_days = forms.IntegerField(
        label=_("Voucher valid for (days)"),
        min_value=1,
        max_value=services.VOUCHER_DAYS_MAX,
        required=False,
    )
    when = forms.ChoiceField(
        label=_("When"),
        choices=[(WHEN_NOW, _("Send now")), (WHEN_LATER, _("Schedule for later"))],
        initial=WHEN_NOW,
        widget=forms.RadioSelect,
    )
    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        input_formats=[
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
        ],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == self.WHEN_LATER and not data.get("send_at"):
            self.add_error("send_at", _("Choose when to send."))
        if data.get("voucher_discount") and not data.get("voucher_valid_days"):
            self.add_error("voucher_valid_days", _("Say how many days the voucher is valid."))
        return data

    def message_fields(self) -> list:
        """Everything but the audience filters, the channel first."""
        return [field for field in self if field.name not in AUDIENCE_FIELDS]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "body": data["body"],
            "voucher_discount": data.get("voucher_discount") or "",
            "voucher_valid_days": data.get("voucher_valid_days")
            if data.get("voucher_discount")
            else None,
            "send_at": data.get("send_at") if data.get("when") == self.WHEN_LATER else None,
            "channel": data["channel"],
            "audience": self.audience(),
        }

    @classmethod
    def for_campaign[F: "CampaignForm"](cls: type[F], campaign, *, business) -> F:
        from django.utils import timezone

        return cls(
            business=business,
            initial={
                **cls.initial_of(campaign),
                "name": campaign.name,
                "body": campaign.body,
                "voucher_discount": campaign.voucher_discount,
                "voucher_valid_days": campaign.voucher_valid_days,
                "kind": campaign.kind,
                "title": campaign.title,
                "emoji": campaign.emoji,
                "when": cls.WHEN_LATER if campaign.scheduled_at else cls.WHEN_NOW,
                "send_at": timezone.localtime(campaign.scheduled_at)
                if campaign.scheduled_at
                else None,
            },
        )


class TestSendForm(forms.Form):
    """ "Send a test to yourself": the team member's mobile number (checked by the service)."""

    test_phone = forms.CharField(label=_("Your mobile number"), max_length=40)


class ReminderRuleForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send reminders automatically"), required=False)
    days_without_sms = forms.IntegerField(
        label=_("After how many days without an SMS"),
        min_value=1,
        max_value=services.REMINDER_DAYS_MAX,
    )
    template = forms.CharField(
        label=_("Text"),
        max_length=services.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-sms-counter": "sms-counter"}),
        help_text=_("{name} becomes the customer's name. An opt-out link is added at the end."),
    )
    cap_per_customer = forms.IntegerField(
        label=_("At most this many reminders per customer between two visits"),
        min_value=1,
        max_value=services.REMINDER_CAP_MAX,
    )

    def clean(self):
        data = super().clean()
        if data.get("enabled") and not (data.get("template") or "").strip():
            self.add_error("template", _("Write the reminder text."))
        return data


class BroadcastForm(CampaignForm):
    """A chat broadcast (Telegram): a campaign form without a voucher, with the heading line
    and the kind; the channel is the chat channel. The text's limit is the channel's, counted
    by the service as the chat counts it (the page's counter counts the same way)."""

    field_order = ["name", "kind", "emoji", "title", "body"]
    voucher_discount = None  # type: ignore[assignment]
    voucher_valid_days = None  # type: ignore[assignment]
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=CampaignKind.choices,
        initial=CampaignKind.OFFER,
        widget=forms.RadioSelect,
        help_text=_(
            "An offer goes only to customers who agreed to offers in Telegram. A service notice "
            "(maintenance, a change to the service) goes to every Telegram user and must not "
            "advertise."
        ),
    )
    emoji = forms.CharField(label=_("Emoji (optional)"), max_length=EMOJI_MAX, required=False)
    title = forms.CharField(label=_("Title (optional)"), max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        label=_("Message"),
        # Code points here; the service counts UTF-16 units against the channel's limit.
        max_length=2 * TELEGRAM.text_max,
        widget=forms.Textarea(attrs={"rows": 8, "data-chat-counter": "chat-counter"}),
        help_text=_("{name} becomes the customer's name."),
    )

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, business=business, **kwargs)
        chat = [
            (key, c.label) for key, c in broadcast_channels(business=business).items() if c.chat
        ]
        self.fields["channel"].choices = chat
        self.fields["channel"].initial = chat[0][0] if chat else TELEGRAM.key
        self.fields["channel"].widget = forms.HiddenInput()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = super().service_kwargs()
        kwargs.update(
            kind=data["kind"], title=data.get("title") or "", emoji=data.get("emoji") or ""
        )
        return kwargs

    def message_fields(self) -> list:
        return [f for f in super().message_fields() if f.name != "channel"]
