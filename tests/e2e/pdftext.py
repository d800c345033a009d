"""The text of a PDF that Chromium printed (for the print views' tests): enough of PDF to
read Skia's output, which writes text as 2-byte glyph ids of embedded fonts and maps them to
Unicode with a ToUnicode CMap per font."""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_FONTS = re.compile(rb"/Font\s*<<(.*?)>>", re.S)
_FONT_REF = re.compile(rb"/([A-Za-z0-9_.+-]+)\s+(\d+) 0 R")
_TO_UNICODE = re.compile(rb"/ToUnicode\s+(\d+) 0 R")
_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    out: dict[int, tuple[bytes, bytes | None]] = {}
    for m in _OBJ.finditer(pdf):
        body = m.group(2)
        stream = _STREAM.search(body)
        data = None
        if stream:
            data = stream.group(1)
            if b"/FlateDecode" in body[: stream.start()]:
                data = zlib.decompress(data)
        out[int(m.group(1))] = (body, data)
    return out


def _utf16(hexstr: bytes) -> str:
    return bytes.fromhex(hexstr.decode()).decode("utf-16-be", errors="replace")


def _cmap(data: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = _HEX.findall(block)
        for src, dst in zip(pairs[::2], pairs[1::2], strict=False):
            table[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, rest in re.findall(rb"<(\w+)>\s*<(\w+)>\s*(<\w+>|\[[^\]]*\])", block):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if rest.startswith(b"["):
                for i, dst in enumerate(_HEX.findall(rest)):
                    table[lo_i + i] = _utf16(dst)
            else:
                start = int(rest[1:-1], 16)
                width = len(rest[1:-1]) // 2
                for i in range(hi_i - lo_i + 1):
                    table[lo_i + i] = (
                        (start + i).to_bytes(width, "big").decode("utf-16-be", errors="replace")
                    )
    return table


def pdf_text(pdf: bytes) -> str:
    """Every piece of text shown, in the order drawn, without spacing."""
    objects = _objects(pdf)
    fonts: dict[bytes, dict[int, str]] = {}
    for body, _ in objects.values():
        for block in _FONTS.findall(body):
            for name, ref in _FONT_REF.findall(block):
                font = objects.get(int(ref))
                tu = _TO_UNICODE.search(font[0]) if font else None
                if tu and (cmap := objects.get(int(tu.group(1)), (b"", None))[1]):
                    fonts[name] = _cmap(cmap)
    out: list[str] = []
    for _, data in objects.values():
        if not data or b"Tf" not in data or (b"Tj" not in data and b"TJ" not in data):
            continue
        current: dict[int, str] = {}
        for token in re.finditer(
            rb"/([A-Za-z0-9_.+-]+)\s+[\d.]+\s+Tf|\[(.*?)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj", data, re.S
        ):
            if token.group(1) is not None:
                current = fonts.get(token.group(1), {})
                continue
            hexes = _HEX.findall(token.group(2)) if token.group(2) is not None else [token.group(3)]
            for h in hexes:
                h = re.sub(rb"\s", b"", h)
                out.extend(current.get(int(h[i : i + 4], 16), "") for i in range(0, len(h), 4))
    return "".join(out)
