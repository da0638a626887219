"""Just enough PNG decoding to check a screenshot's pixels (8-bit RGB/RGBA, not interlaced)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Image:
    """Decoded pixels: `rows[y][x * channels : ...]`."""

    width: int
    height: int
    channels: int
    rows: list[bytes]

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        """The RGB of one pixel."""
        i = x * self.channels
        r, g, b = self.rows[y][i : i + 3]
        return r, g, b

    def ink(self, left: float, top: float, right: float, bottom: float) -> float:
        """The share of pixels in a box (CSS pixels at scale 1) that differ from its corner."""
        x0, y0 = max(0, int(left)), max(0, int(top))
        x1, y1 = min(self.width, int(right)), min(self.height, int(bottom))
        if x1 <= x0 or y1 <= y0:
            return 0.0
        ground = self.pixel(x0, y0)
        total = differ = 0
        for y in range(y0, y1, 2):
            for x in range(x0, x1, 2):
                total += 1
                if sum(abs(a - b) for a, b in zip(self.pixel(x, y), ground, strict=True)) > 60:
                    differ += 1
        return differ / total


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def decode(data: bytes) -> Image:
    """Decode a PNG as Chromium writes it."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, interlace) == (8, 0), (depth, interlace)
            assert color in (2, 6), color
            channels = 4 if color == 6 else 3
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, corner)) & 255
        rows.append(bytes(line))
        prev = line
    return Image(width=width, height=height, channels=channels, rows=rows)
