"""The stable codes of the wallet app's errors."""

from kazan.core.errors import ErrorCode


class WalletErrorCode(ErrorCode):
    INSUFFICIENT_TOKENS = "insufficient_tokens"
    REASON_REQUIRED = "reason_required"
    INVALID_AMOUNT = "invalid_token_amount"
    PAYMENT_UNAVAILABLE = "wallet_payment_unavailable"
    NOT_FOUND = "wallet_not_found"
