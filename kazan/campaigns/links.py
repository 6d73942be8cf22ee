"""What a campaign SMS looks like for one recipient, as pure functions: placeholders, tracked
short links, the unsubscribe line and its signed token.

Short codes and tokens have a fixed shape, so the cost of a message (characters, encoding,
segments) can be computed exactly before anything is written (see queries.campaign_estimate).
"""

import base64
import hmac
import re
import secrets
import time

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

# No lookalikes (0/O, 1/l/I): people sometimes type a link they saw on a locked screen.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PLACEHOLDER_NAME = "{name}"
PLACEHOLDER_VOUCHER = "{voucher}"
# http(s) links as people write them in a text; trailing punctuation belongs to the sentence.
URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""

UNSUBSCRIBE_SALT = "kazan.campaigns.unsubscribe"
# Old SMS stay on phones for years; a withdrawal link should keep working a long time.
UNSUBSCRIBE_MAX_AGE_DAYS = 730
_DAY = 86400


_CODE_SPACE = len(CODE_ALPHABET) ** CODE_LENGTH


def code_new() -> str:
    """A random code, uniform over all 55^8: one draw, written in base 55."""
    number = secrets.randbelow(_CODE_SPACE)
    digits = []
    for _position in range(CODE_LENGTH):
        number, rest = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[rest])
    return "".join(digits)


def short_url(code: str) -> str:
    return settings.PUBLIC_URL + reverse("links:open", kwargs={"code": code})


def unsubscribe_url(token: str) -> str:
    return settings.PUBLIC_URL + reverse("links:unsubscribe", kwargs={"token": token})


def body_urls(text: str) -> list[str]:
    """The distinct http(s) links of `text`, in order of appearance."""
    found: list[str] = []
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if len(url) > len("https://") and url not in found:
            found.append(url)
    return found


def urls_replace(text: str, replacements: dict[str, str]) -> str:
    """Every link of `text` that has a replacement becomes it (punctuation after it stays)."""

    def substitute(match: re.Match) -> str:
        raw = match.group(0)
        url = raw.rstrip(_TRAILING)
        return replacements.get(url, url) + raw[len(url) :]

    return URL_RE.sub(substitute, text)


def personalize(text: str, *, name: str, voucher_code: str = "") -> str:
    text = text.replace(PLACEHOLDER_NAME, (name or "").strip())
    return text.replace(PLACEHOLDER_VOUCHER, voucher_code)


def stop_line(*, language: str, url: str) -> str:
    """The short opt-out line every offer ends with, in the recipient's language."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _("Stop: %(link)s") % {"link": url}


def compose(
    text: str, *, name: str, voucher_code: str, links: dict[str, str], language: str, stop_url: str
) -> str:
    """The finished SMS: placeholders filled, links tracked, the opt-out line appended."""
    body = urls_replace(personalize(text, name=name, voucher_code=voucher_code), links)
    return f"{body.strip()}\n{stop_line(language=language, url=stop_url)}"


# --- unsubscribe tokens ------------------------------------------------------------------------
# Compact (an SMS is short): base36 ids, the issue day, and 96 bits of HMAC. Not a secret to
# the recipient; it only proves that Kazan wrote this business + customer pair.


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


_hmac_base: tuple[str, "hmac.HMAC"] | None = None


def _mac(payload: str) -> str:
    """salted_hmac(UNSUBSCRIBE_SALT, payload, algorithm="sha256"), truncated; the keyed HMAC
    state is derived once per SECRET_KEY and copied (a campaign signs one token per
    recipient)."""
    global _hmac_base
    secret = settings.SECRET_KEY
    if _hmac_base is None or _hmac_base[0] != secret:
        _hmac_base = (secret, salted_hmac(UNSUBSCRIBE_SALT, b"", secret, algorithm="sha256"))
    mac = _hmac_base[1].copy()
    mac.update(payload.encode())
    digest = mac.digest()[:12]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_token(*, business_id: int, customer_id: int, now: float | None = None) -> str:
    day = int((time.time() if now is None else now) // _DAY)
    payload = f"{_b36(business_id)}.{_b36(customer_id)}.{_b36(day)}"
    return f"{payload}.{_mac(payload)}"


class TokenInvalid(Exception):
    """Malformed, forged or expired; `expired` tells which, for a clearer message."""

    def __init__(self, *, expired: bool = False):
        self.expired = expired
        super().__init__("expired" if expired else "invalid")


def unsubscribe_token_read(token: str, *, now: float | None = None) -> tuple[int, int]:
    """(business_id, customer_id) named by a genuine, unexpired token; else TokenInvalid."""
    parts = (token or "").split(".")
    if len(token or "") > 80 or len(parts) != 4:
        raise TokenInvalid()
    payload = ".".join(parts[:3])
    if not constant_time_compare(_mac(payload), parts[3]):
        raise TokenInvalid()
    try:
        business_id, customer_id, day = (int(part, 36) for part in parts[:3])
    except ValueError:
        raise TokenInvalid() from None
    today = int((time.time() if now is None else now) // _DAY)
    if today - day > UNSUBSCRIBE_MAX_AGE_DAYS:
        raise TokenInvalid(expired=True)
    return business_id, customer_id


class Composer:
    """compose() for many recipients: the same result, with what does not change between them
    (URL prefixes, the translated opt-out line per language) worked out once."""

    _SLOT = "\x00"

    def __init__(self, *, default_language: str) -> None:
        self.default_language = default_language
        self.short_prefix = short_url("X")[:-1]
        self.stop_prefix = unsubscribe_url("X")[:-1]
        self._stop_lines: dict[str, str] = {}
        self._frames: dict[str, tuple[list[str], list[str], list[str]]] = {}

    def _stop(self, language: str) -> str:
        line = self._stop_lines.get(language)
        if line is None:
            line = stop_line(language=language, url=self._SLOT)
            self._stop_lines[language] = line
        return line

    def compose(
        self,
        text: str,
        *,
        name: str,
        voucher_code: str,
        codes: dict[str, str],
        language: str,
        token: str,
    ) -> str:
        """compose(text, ...) with `codes` (URL -> short code) and the unsubscribe `token`."""
        links = {url: self.short_prefix + code for url, code in codes.items()}
        body = urls_replace(personalize(text, name=name, voucher_code=voucher_code), links)
        stop = self._stop(language or self.default_language).replace(
            self._SLOT, self.stop_prefix + token
        )
        return f"{body.strip()}\n{stop}"

    def frame(self, text: str) -> tuple[list[str], list[str], list[str]]:
        """`text` (personalized) cut at its links, worked out once per distinct text:
        (body_urls(text), the pieces between the tracked links, the links in order)."""
        framed = self._frames.get(text)
        if framed is None:
            urls = body_urls(text)
            pieces: list[str] = []
            slots: list[str] = []
            start = 0
            for match in URL_RE.finditer(text):
                url = match.group(0).rstrip(_TRAILING)
                if url in urls:
                    pieces.append(text[start : match.start()])
                    slots.append(url)
                    start = match.start() + len(url)
            pieces.append(text[start:])
            framed = (urls, pieces, slots)
            if len(self._frames) < 1000:
                self._frames[text] = framed
        return framed

    def compose_personal(
        self, personal: str, *, name: str, codes: dict[str, str], language: str, token: str
    ) -> str:
        """compose(personal, name=name, voucher_code="", codes=codes, ...) for a text already
        personalized with `name` and `codes` for exactly body_urls(personal), without the
        regular expressions when the text recurs (a campaign without {name}: every recipient)."""
        if personalize(personal, name=name) != personal:  # a name with placeholders in it
            return self.compose(
                personal, name=name, voucher_code="", codes=codes, language=language, token=token
            )
        _urls, pieces, slots = self.frame(personal)
        parts = [pieces[0]]
        for url, piece in zip(slots, pieces[1:], strict=True):
            parts.append(self.short_prefix)
            parts.append(codes[url])
            parts.append(piece)
        stop = self._stop(language or self.default_language).replace(
            self._SLOT, self.stop_prefix + token
        )
        return f"{''.join(parts).strip()}\n{stop}"
