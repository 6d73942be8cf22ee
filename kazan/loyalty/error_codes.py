"""The loyalty app's stable error codes (the vouchers API answers them)."""

from kazan.core.errors import ErrorCode


class LoyaltyErrorCode(ErrorCode):
    VOUCHER_REDEEMED = "voucher_redeemed"
    VOUCHER_EXPIRED = "voucher_expired"
    UNDO_NOT_POSSIBLE = "undo_not_possible"
