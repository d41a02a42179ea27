#!/usr/bin/python3
"""Draws Stapel's application icon (three stacked cards) and writes every size the shell needs.

Run from anywhere: `python3 icons/generate.py`. Needs Pillow (Debian: python3-pil; PyPI: pillow).
The icons are drawn from scratch here, at 4x and scaled down, so the committed PNG, ICO and ICNS
files can always be regenerated from this script.
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
MASTER = 1024  # drawn at this size, then downscaled with a good filter
SS = 4  # supersampling factor for smooth edges

BACKGROUND = (30, 58, 95, 255)  # deep blue tile
CARDS = [  # back to front: colour, vertical offset (fraction of the tile), rotation (degrees)
    ((94, 164, 214, 255), -0.17, -10),
    ((246, 190, 84, 255), -0.06, 5),
    ((250, 250, 247, 255), 0.08, 0),
]
ACCENT = (30, 58, 95, 255)


def rounded_rect(size, box, radius, fill):
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rounded_rectangle(box, radius=radius, fill=fill)
    return layer


def draw(size):
    s = size * SS
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    # The tile: a rounded square with a small margin, as desktop icons are drawn.
    m = int(s * 0.04)
    img.alpha_composite(rounded_rect((s, s), (m, m, s - m, s - m), int(s * 0.2), BACKGROUND))
    cw, ch = int(s * 0.62), int(s * 0.40)
    for colour, dy, angle in CARDS:
        card = Image.new("RGBA", (s, s), (0, 0, 0, 0))
        x0 = (s - cw) // 2
        y0 = (s - ch) // 2 + int(s * dy)
        # A soft shadow under each card, then the card.
        ImageDraw.Draw(card).rounded_rectangle(
            (x0, y0 + int(s * 0.015), x0 + cw, y0 + ch + int(s * 0.015)),
            radius=int(s * 0.05), fill=(0, 0, 0, 70))
        ImageDraw.Draw(card).rounded_rectangle(
            (x0, y0, x0 + cw, y0 + ch), radius=int(s * 0.05), fill=colour)
        if angle:
            card = card.rotate(angle, resample=Image.BICUBIC, center=(s / 2, s / 2 + s * dy))
        img.alpha_composite(card)
    # The front card carries a badge disc and two text lines.
    d = ImageDraw.Draw(img)
    x0 = (s - cw) // 2
    y0 = (s - ch) // 2 + int(s * CARDS[-1][1])
    r = int(ch * 0.24)
    cx, cy = x0 + int(cw * 0.22), y0 + ch // 2
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(246, 190, 84, 255))
    lx = x0 + int(cw * 0.42)
    lh = int(ch * 0.1)
    d.rounded_rectangle((lx, cy - int(ch * 0.2), x0 + int(cw * 0.88), cy - int(ch * 0.2) + lh),
                        radius=lh // 2, fill=ACCENT)
    d.rounded_rectangle((lx, cy + int(ch * 0.08), x0 + int(cw * 0.72), cy + int(ch * 0.08) + lh),
                        radius=lh // 2, fill=(94, 164, 214, 255))
    return img.resize((size, size), Image.LANCZOS)


def main():
    master = draw(MASTER)
    outputs = {"32x32.png": 32, "128x128.png": 128, "128x128@2x.png": 256, "icon.png": 512}
    for name, px in outputs.items():
        master.resize((px, px), Image.LANCZOS).save(HERE / name, optimize=True)
        print(f"wrote icons/{name} ({px}x{px})")
    master.save(HERE / "icon.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (256, 256)])
    print("wrote icons/icon.ico")
    master.save(HERE / "icon.icns")
    print("wrote icons/icon.icns")


if __name__ == "__main__":
    main()
