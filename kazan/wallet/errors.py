"""The wallet's own error: a debit larger than the balance."""

from django.utils.translation import gettext_lazy as _

from kazan.core.errors import KazanError
from kazan.wallet.error_codes import WalletErrorCode


class InsufficientTokens(KazanError):
    """Raised by a debit that finds too few tokens; nothing was written. `balance` is what the
    customer has, `needed` what the debit asked for (the bot offers a top-up of the gap)."""

    code = WalletErrorCode.INSUFFICIENT_TOKENS
    status = 402
    default_message = _("Not enough tokens. Please top up your balance.")

    def __init__(self, *, balance: int, needed: int) -> None:
        super().__init__()
        self.balance = balance
        self.needed = needed
