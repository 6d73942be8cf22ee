"""Channel identities (a WhatsApp number, a Telegram user id, a web visitor id): the external id is
encrypted at rest and found through a blind index scoped by channel, so equal ids on two channels
never collide."""

from django.utils.translation import gettext_lazy as _

from kazan.core.crypto import blind_index
from kazan.core.errors import ValidationFailed
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.models import ChannelIdentity

EXTERNAL_ID_MAX_LENGTH = 200


def identity_channel_valid(channel: str) -> str:
    if channel not in ChannelIdentity.Channel.values:
        raise ValidationFailed(_("Unknown channel."), code=CustomersErrorCode.INVALID_CHANNEL)
    return channel


def external_id_normalize(external_id: str) -> str:
    text = (external_id or "").strip()
    if not text or len(text) > EXTERNAL_ID_MAX_LENGTH:
        raise ValidationFailed(
            _("The channel identity is missing or too long."), code=CustomersErrorCode.INVALID
        )
    return text


def identity_index_for(channel: str, external_id: str) -> str:
    return blind_index(external_id, scope=f"customer.identity.{channel}")
