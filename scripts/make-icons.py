#!/usr/bin/env python3
"""Draws Flightdeck's PWA icons (the "F" of assets/icon.svg) as PNGs with the standard
library only. Run once after changing the design: python3 scripts/make-icons.py"""
import struct
import zlib
from pathlib import Path

BLUE = (3, 105, 161)
WHITE = (255, 255, 255)
# The "F", in the 512-unit space of icon.svg: (x0, y0, x1, y1) rectangles.
GLYPH = [(176, 128, 240, 384), (176, 128, 360, 184), (240, 232, 344, 288)]


def inside_rounded(x, y, size, radius):
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def draw(size, maskable):
    # A maskable icon is full-bleed with the glyph inside the central 80% safe zone.
    scale = size / 512 * (0.8 if maskable else 1.0)
    offset = size * 0.1 if maskable else 0.0
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            u, v = (x + 0.5 - offset) / scale, (y + 0.5 - offset) / scale
            if any(x0 <= u < x1 and y0 <= v < y1 for x0, y0, x1, y1 in GLYPH):
                row += bytes(WHITE) + b"\xff"
            elif maskable or inside_rounded(x + 0.5, y + 0.5, size, size * 96 / 512):
                row += bytes(BLUE) + b"\xff"
            else:
                row += b"\x00\x00\x00\x00"
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "public" / "icons"
    for size in (192, 512):
        (out / f"icon-{size}.png").write_bytes(draw(size, maskable=False))
        (out / f"maskable-{size}.png").write_bytes(draw(size, maskable=True))
    print("icons written to", out)
