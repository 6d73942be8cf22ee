"""Dashboard forms: parse and check shapes only; the rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.campaigns import services


class CampaignForm(forms.Form):
    WHEN_NOW = "now"
    WHEN_LATER = "later"

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
        }

    @classmethod
    def for_campaign(cls, campaign) -> "CampaignForm":
        from django.utils import timezone

        return cls(
            initial={
                "name": campaign.name,
                "body": campaign.body,
                "voucher_discount": campaign.voucher_discount,
                "voucher_valid_days": campaign.voucher_valid_days,
                "when": cls.WHEN_LATER if campaign.scheduled_at else cls.WHEN_NOW,
                "send_at": timezone.localtime(campaign.scheduled_at)
                if campaign.scheduled_at
                else None,
            }
        )


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
