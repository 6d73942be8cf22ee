"""An FAQ answer's rich text: a small Markdown subset a business types in a plain text box
(**bold**, *italic*, "- " and "1. " lists, [label](url) links and bare https:// links), turned
into HTML for the web chat and into plain text for channels without HTML.

The HTML is built from escaped text and then passed through nh3 (the Ammonia sanitizer) with
an allow-list, so whatever the business (or an import file) wrote, a chat shows only p, br,
strong, em, ul, ol, li and links to http(s), mailto and tel, opened in a new tab."""

import html
import re

import nh3

TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a"}
ATTRIBUTES = {"a": {"href", "target"}}
SCHEMES = {"http", "https", "mailto", "tel"}

_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(((?:https?://|mailto:|tel:)[^\s)]{1,500})\)")
_BARE = re.compile(r"(?<![\"'=>\w])(https?://[^\s<]{1,500}[^\s<.,;:!?)])")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*]+?)(?<=\S)\*(?![*\w])")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")


def sanitize(markup: str) -> str:
    """The allow-list: any other tag is dropped (its text kept), links get rel=noopener."""
    return nh3.clean(
        markup,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def _inline(line: str) -> str:
    """One escaped line with its links and emphasis as HTML."""
    parts: list[str] = []
    position = 0
    for match in _LINK.finditer(line):
        parts.append(_plain_inline(line[position : match.start()]))
        label, url = match.group(1), match.group(2)
        parts.append(f'<a href="{html.escape(url)}">{_emphasis(html.escape(label))}</a>')
        position = match.end()
    parts.append(_plain_inline(line[position:]))
    return "".join(parts)


def _plain_inline(text: str) -> str:
    escaped = html.escape(text)
    escaped = _BARE.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', escaped)
    return _emphasis(escaped)


def _emphasis(escaped: str) -> str:
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _ITALIC.sub(r"<em>\1</em>", escaped)


def answer_html(text: str) -> str:
    """The answer as sanitized HTML: blank lines separate paragraphs, single line breaks stay,
    runs of "- " or "1. " lines become lists."""
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""

    def close_paragraph() -> None:
        if paragraph:
            blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_tag
        if items:
            body = "".join(f"<li>{item}</li>" for item in items)
            blocks.append(f"<{list_tag}>{body}</{list_tag}>")
            items.clear()
        list_tag = ""

    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        bullet, numbered = _BULLET.match(raw), _NUMBERED.match(raw)
        if bullet or numbered:
            tag = "ul" if bullet else "ol"
            close_paragraph()
            if list_tag and list_tag != tag:
                close_list()
            list_tag = tag
            items.append(_inline((bullet or numbered).group(1)))  # type: ignore[union-attr]
        elif not raw.strip():
            close_paragraph()
            close_list()
        else:
            close_list()
            paragraph.append(_inline(raw.strip()))
    close_paragraph()
    close_list()
    return sanitize("".join(blocks))


def answer_text(text: str) -> str:
    """The answer as plain text: emphasis marks dropped, links as "label: url"."""
    text = _LINK.sub(lambda m: f"{m.group(1)}: {m.group(2)}", text or "")
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    return re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n")).strip()
