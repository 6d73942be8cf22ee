"""How the channels app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type
from kazan.channels.models import ChannelInstallation


@activity_target("channels.channelinstallation")
def _installations(ids, viewer):
    """An installation by its name, provider and masked number (never a secret)."""
    rows = ChannelInstallation.objects.filter(pk__in=ids)
    return {
        row.pk: " ".join(
            part
            for part in (row.label or row.provider, row.config.get("number_masked", ""))
            if part
        )
        for row in rows
    }


PROVIDER = {"provider": Detail(t("Provider")), "channel": Detail(t("Channel"))}

activity_type(
    "channel.connected",
    label=t("Channel connected"),
    sentence=t("%(actor)s connected %(target)s"),
    details=PROVIDER,
)
activity_type(
    "channel.tested",
    label=t("Channel tested"),
    sentence=t("%(actor)s tested %(target)s"),
    details={"ok": Detail(t("Works")), "code": Detail(t("Error code"))},
)
activity_type(
    "channel.disconnected",
    label=t("Channel disconnected"),
    sentence=t("%(actor)s disconnected %(target)s"),
    details=PROVIDER,
)
activity_type(
    "widget.updated",
    label=t("Website widget changed"),
    sentence=t("%(actor)s changed the website widget"),
    details={"fields": Detail(t("Changed"))},
)
activity_type(
    "channel.member_linked",
    label=t("Own Telegram chat linked"),
    sentence=t("%(actor)s linked their own chat with the bot"),
    details={"channel": Detail(t("Channel"))},
)
activity_type(
    "channel.member_unlinked",
    label=t("Own Telegram chat unlinked"),
    sentence=t("%(actor)s unlinked their own chat with the bot"),
    details={"channel": Detail(t("Channel"))},
)
