"""The secure links' one error class: its status follows the code, so a page can answer 404 for
a link that never existed and 410 for one that did but is over."""

from django.utils.translation import gettext_lazy as _

from kazan.core.errors import KazanError
from kazan.links.error_codes import LinksErrorCode

_STATUS = {
    LinksErrorCode.LINK_INVALID: 404,
    LinksErrorCode.PURPOSE_UNKNOWN: 404,
    LinksErrorCode.LINK_EXPIRED: 410,
    LinksErrorCode.LINK_USED: 410,
}
_MESSAGES = {
    LinksErrorCode.LINK_INVALID: _("This link is not valid."),
    LinksErrorCode.PURPOSE_UNKNOWN: _("This link is not valid."),
    LinksErrorCode.LINK_EXPIRED: _("This link has expired."),
    LinksErrorCode.LINK_USED: _("This link has already been used."),
}


class LinksError(KazanError):
    code = LinksErrorCode.LINK_INVALID
    status = 404

    def __init__(self, code: LinksErrorCode = LinksErrorCode.LINK_INVALID) -> None:
        super().__init__(_MESSAGES[code], code=code)
        self.status = _STATUS[code]
