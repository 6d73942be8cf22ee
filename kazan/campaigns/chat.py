"""A chat broadcast's text as the customer's chat shows it: "<emoji> <title>", a blank line,
then the message. Lengths are counted in UTF-16 code units, as Telegram measures a message
(its 4,096 limit and entity offsets) and as the browser's String.length counts for the live
counter, so the page and the server agree on every emoji (decision 0031)."""

EMOJI_MAX = 16
TITLE_MAX = 100


def utf16_length(text: str) -> int:
    """How long Telegram (and JavaScript) counts `text`: characters outside the BMP, most
    emoji among them, count twice."""
    return len(text.encode("utf-16-le")) // 2


def chat_text(*, body: str, title: str = "", emoji: str = "") -> str:
    """The message a chat broadcast sends: the heading line when there is one, then the text."""
    heading = " ".join(part for part in (emoji, title) if part)
    return f"{heading}\n\n{body}" if heading else body
