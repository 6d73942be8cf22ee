"""A PDF writer for long tables that streams: each page is written to the file as soon as it is
full, so memory stays flat whatever the number of rows.

Why not reportlab's canvas: it keeps every page of a document in memory until `save()` (a
100,000-row customer list took 85 MB). This writer uses reportlab only to read and subset the
TrueType font; the PDF objects are written by hand (PDF 1.4, ISO 32000-1 §7.5): pages and their
content streams as they fill, then the fonts (subset to the characters used, with a ToUnicode
map so text can be searched and copied), the page tree, the catalogue and the cross-reference
table. Text is drawn in a Type 0 font with Identity-H encoding, so any character the font has —
ğ, ş, İ, € — prints; a character it lacks prints as "?".
"""

from __future__ import annotations

import re
import secrets
import zlib
from pathlib import Path
from typing import BinaryIO

# DejaVu has every letter of our five languages and many scripts more; reportlab's bundled Vera
# (Latin only) is the fallback where the system font package (fonts-dejavu-core) is missing.
_SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _font_paths() -> tuple[Path, Path]:
    regular, bold = _SYSTEM_FONTS / "DejaVuSans.ttf", _SYSTEM_FONTS / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        return regular, bold
    import reportlab

    bundled = Path(reportlab.__file__).parent / "fonts"
    return bundled / "Vera.ttf", bundled / "VeraBd.ttf"


_FONT_CACHE: dict[Path, object] = {}
_HYPHEN_BREAK = re.compile(r"(?<=-)")  # a line may end after a hyphen inside a word


def _font_file(path: Path):
    """The parsed font (cached: parsing DejaVu takes a moment; the object is read-only here)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    if path not in _FONT_CACHE:
        _FONT_CACHE[path] = TTFontFile(str(path))
    return _FONT_CACHE[path]


class _Widths(dict):
    """character → advance width (1/1000 em), filled on first use."""

    def __init__(self, font: StreamFont):
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> float:
        font = self.font
        width = font.file.charWidths.get(ord(char), font.default_width)
        self[char] = width
        return width


class _Codes(dict):
    """character → its CID as four hex digits; a new character gets the next CID."""

    def __init__(self, font: StreamFont):
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> str:
        font = self.font
        if ord(char) not in font.file.charToGlyph:
            code = self["?"] if char != "?" else self._next("?")
        else:
            code = self._next(char)
        self[char] = code
        return code

    def _next(self, char: str) -> str:
        cid = len(self.font.chars) + 1
        self.font.chars.append(char)
        return f"{cid:04X}"


class StreamFont:
    """One TrueType font as used by one document: characters get CIDs 1, 2, … in the order they
    first appear (`chars[cid - 1]`); at the end the font is subset to exactly those."""

    def __init__(self, path: Path, resource: str):
        self.file = _font_file(path)
        self.resource = resource  # "F1"
        self.default_width = float(self.file.defaultWidth or 500)
        self.chars: list[str] = []
        self.widths = _Widths(self)
        self.codes = _Codes(self)
        self.object_id = 0

    def width(self, text: str, size: float) -> float:
        return sum(map(self.widths.__getitem__, text)) * size / 1000

    def encode(self, text: str) -> bytes:
        """The text as a PDF hex string of 2-byte CIDs."""
        return b"<%s>" % "".join(map(self.codes.__getitem__, text)).encode("ascii")


class PdfStreamWriter:
    """Write pages one after another; call `close()` to finish the file.

    Usage: `page = writer.new_page()`, draw with `text()` / `line()`, `writer.end_page()`.
    Coordinates are PDF points from the lower left corner.
    """

    def __init__(self, out: BinaryIO, *, width: float, height: float, title: str):
        self.out = out
        self.width = width
        self.height = height
        self.title = title
        self.offsets: dict[int, int] = {}
        self.next_id = 1
        self.catalog_id = self._reserve()
        self.pages_id = self._reserve()
        self.info_id = self._reserve()
        regular, bold = _font_paths()
        self.regular = StreamFont(regular, "F1")
        self.bold = StreamFont(bold, "F2")
        for font in (self.regular, self.bold):
            font.object_id = self._reserve()
        self.page_ids: list[int] = []
        self.ops: list[bytes] = []
        self.position = 0
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    # -- low level --------------------------------------------------------------------------

    def _reserve(self) -> int:
        object_id = self.next_id
        self.next_id += 1
        return object_id

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def _object(self, object_id: int, body: bytes) -> None:
        self.offsets[object_id] = self.position
        self._write(b"%d 0 obj\n" % object_id + body + b"\nendobj\n")

    def _stream(self, object_id: int, data: bytes, extra: bytes = b"") -> None:
        packed = zlib.compress(data, 6)
        head = b"<< /Length %d /Filter /FlateDecode%s >>\nstream\n" % (len(packed), extra)
        self._object(object_id, head + packed + b"\nendstream")

    # -- drawing ----------------------------------------------------------------------------

    def new_page(self) -> None:
        self.ops = []

    def text(self, x: float, y: float, text: str, *, size: float, bold: bool = False) -> None:
        if not text:
            return
        font = self.bold if bold else self.regular
        self.ops.append(
            b"BT /%s %.2f Tf 1 0 0 1 %.2f %.2f Tm %s Tj ET\n"
            % (font.resource.encode(), size, x, y, font.encode(text))
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.5) -> None:
        self.ops.append(b"%.2f w %.2f %.2f m %.2f %.2f l S\n" % (width, x1, y1, x2, y2))

    def string_width(self, text: str, *, size: float, bold: bool = False) -> float:
        return (self.bold if bold else self.regular).width(text, size)

    def wrap(self, text: str, width: float, *, size: float, bold: bool = False) -> list[str]:
        """`text` broken into lines no wider than `width` points, measured with the font's own
        glyph widths: between words or after a hyphen ("SMS-|Angebote") where possible, inside
        a word only when a piece alone is wider than the line. Nothing is dropped."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            for n, piece in enumerate(_HYPHEN_BREAK.split(word)):
                if not piece:
                    continue
                glue = " " if current and n == 0 else ""
                if self.string_width(current + glue + piece, size=size, bold=bold) <= width:
                    current += glue + piece
                    continue
                if current:
                    lines.append(current)
                current = ""
                for char in piece:  # a new line; the piece is split only if it must be
                    if current and self.string_width(current + char, size=size, bold=bold) > width:
                        lines.append(current)
                        current = ""
                    current += char
        if current:
            lines.append(current)
        return lines

    def min_wrap_width(self, text: str, *, size: float, bold: bool = False) -> float:
        """The width `wrap` needs to break `text` only between words and after hyphens."""
        pieces = [piece for word in text.split() for piece in _HYPHEN_BREAK.split(word)]
        return max((self.string_width(p, size=size, bold=bold) for p in pieces), default=0.0)

    def end_page(self) -> None:
        content_id, page_id = self._reserve(), self._reserve()
        self._stream(content_id, b"".join(self.ops))
        self.ops = []
        fonts = b" ".join(
            b"/%s %d 0 R" % (f.resource.encode(), f.object_id) for f in (self.regular, self.bold)
        )
        self._object(
            page_id,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
            b"/Resources << /Font << %s >> >> /Contents %d 0 R >>"
            % (self.pages_id, self.width, self.height, fonts, content_id),
        )
        self.page_ids.append(page_id)

    # -- the end ----------------------------------------------------------------------------

    def _font_objects(self, font: StreamFont) -> None:
        ttf = font.file
        chars = font.chars  # CID n is chars[n - 1]
        codes = [0] + [ord(ch) for ch in chars]
        # makeSubset gives code i the i-th glyph of a cmap; its new glyph ids are assigned in
        # order of first use, starting from 0 (.notdef) — replayed here for CIDToGIDMap.
        subset = ttf.makeSubset(codes)
        new_gid = {0: 0}
        gids = []
        for code in codes:
            original = ttf.charToGlyph.get(code, 0)
            if original not in new_gid:
                new_gid[original] = len(new_gid)
            gids.append(new_gid[original])
        tag = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(6))
        raw_name = ttf.name.decode("latin-1") if isinstance(ttf.name, bytes) else str(ttf.name)
        name = f"{tag}+{''.join(c for c in raw_name if c.isalnum() or c in '-_')}".encode()
        cid_font, descriptor, file_id, map_id, unicode_id = (self._reserve() for _ in range(5))
        self._stream(file_id, subset, b" /Length1 %d" % len(subset))
        self._stream(map_id, b"".join(gid.to_bytes(2, "big") for gid in gids))
        self._stream(unicode_id, _to_unicode_cmap(chars))
        flags = (ttf.flags & ~32) | 4  # symbolic, not non-symbolic (as reportlab does)
        bbox = " ".join(f"{v:.0f}" for v in ttf.bbox).encode()
        self._object(
            descriptor,
            b"<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%s] /ItalicAngle %.1f "
            b"/Ascent %.0f /Descent %.0f /CapHeight %.0f /StemV %d /FontFile2 %d 0 R >>"
            % (
                name,
                flags,
                bbox,
                ttf.italicAngle,
                ttf.ascent,
                ttf.descent,
                ttf.capHeight,
                ttf.stemV,
                file_id,
            ),
        )
        widths = b" ".join(b"%.0f" % font.widths[ch] for ch in chars)
        self._object(
            cid_font,
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            b"/FontDescriptor %d 0 R /DW %.0f /W [1 [%s]] /CIDToGIDMap %d 0 R >>"
            % (name, descriptor, font.default_width, widths, map_id),
        )
        self._object(
            font.object_id,
            b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H "
            b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (name, cid_font, unicode_id),
        )

    def close(self) -> int:
        """Writes the fonts, page tree, catalogue and cross-references. Returns the pages."""
        if self.ops or not self.page_ids:
            self.end_page()
        for font in (self.regular, self.bold):
            self._font_objects(font)
        kids = b" ".join(b"%d 0 R" % page for page in self.page_ids)
        self._object(
            self.pages_id,
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.page_ids)),
        )
        self._object(self.catalog_id, b"<< /Type /Catalog /Pages %d 0 R >>" % self.pages_id)
        self._object(
            self.info_id,
            b"<< /Title %s /Producer (Kazan) >>" % _pdf_text_string(self.title),
        )
        xref = self.position
        count = self.next_id
        lines = [b"xref\n0 %d\n" % count, b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, count)]
        self._write(b"".join(lines))
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (count, self.catalog_id, self.info_id, xref)
        )
        return len(self.page_ids)


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _pdf_text_string(text: str) -> bytes:
    """A PDF text string in UTF-16BE with its byte-order mark, as hex (no escaping needed)."""
    return b"<FEFF%s>" % _utf16_hex(text).encode("ascii")


def _to_unicode_cmap(chars: list[str]) -> bytes:
    """CID n → chars[n-1], so viewers can search and copy the text."""
    blocks = []
    for start in range(0, len(chars), 100):  # at most 100 entries per bfchar block
        part = chars[start : start + 100]
        entries = "\n".join(
            f"<{start + n + 1:04X}> <{_utf16_hex(ch)}>" for n, ch in enumerate(part)
        )
        blocks.append(f"{len(part)} beginbfchar\n{entries}\nendbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")
