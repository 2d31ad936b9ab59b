"""The figure: one row per image, original (grey, as PDQ sees it) | rebuilt from its PDQ hash alone | rebuilt from
all its views; 200 pixels a column."""

import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

COLUMN = 200
GAP = 4
HEADER = 18


def tile(picture, height):
    grey = np.clip(np.asarray(picture), 0, 255).round().astype(np.uint8)
    return Image.fromarray(grey).resize((COLUMN, height), Image.LANCZOS)


def draw(listed, originals, pictures, method, path):
    heights = [round(COLUMN * r["height"] / r["width"]) for r in listed]
    width = 3 * COLUMN + 2 * GAP
    canvas = Image.new("L", (width, HEADER + sum(heights) + GAP * (len(listed) - 1)), 255)
    pen = ImageDraw.Draw(canvas)
    try:
        font = ImageFont.load_default(size=12)
    except TypeError:
        font = ImageFont.load_default()
    views = {len(r["views"]) for r in listed}
    span = f"{min(views)}-{max(views)}" if len(views) > 1 else f"{min(views)}"
    for column, label in enumerate(("original (grey)", "from its PDQ hash", f"from all its hashes ({span})")):
        pen.text((column * (COLUMN + GAP) + 4, 2), label, fill=0, font=font)
    y = HEADER
    for record, height in zip(listed, heights):
        row = (originals[record["path"]], pictures[(record["path"], method, "whole")],
               pictures[(record["path"], method, "views")])
        for column, picture in enumerate(row):
            canvas.paste(tile(picture, height), (column * (COLUMN + GAP), y))
        y += height + GAP
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    canvas.save(path, optimize=True)
