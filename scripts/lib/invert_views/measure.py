"""How close a rebuild is to the original: correlation of grey downscales, and what the hashed band holds at most.

The original is used here only to measure, never to rebuild.
"""

import numpy as np
from PIL import Image

from . import model, rebuild


def luma(path):
    """PDQ's luma of an image file (0.299 R + 0.587 G + 0.114 B), as floats."""
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
    return rgb @ np.array([0.299, 0.587, 0.114])


def downscale(picture, width, height):
    """Area-averaged downscale of a float picture."""
    return np.asarray(Image.fromarray(picture.astype(np.float32)).resize((width, height), Image.BOX))


def correlation(a, b, side):
    """Pearson correlation of two pictures' side x side grey downscales (1: same up to brightness and contrast,
    0: unrelated)."""
    x = downscale(a, side, side).reshape(-1)
    y = downscale(b, side, side).reshape(-1)
    x = x - x.mean()
    y = y - y.mean()
    return float(np.dot(x, y) / np.sqrt(np.dot(x, x) * np.dot(y, y)))


def detail_correlation(a, b):
    """Correlation of what the 64x64 downscales hold beyond their 16x16 ones (shapes and outlines between 1/16
    and 1/64 of the image): the part that makes a picture recognisable, which the 64x64 correlation, dominated by
    the largest light and dark areas, weighs little."""
    def detail(p):
        fine = downscale(p, 64, 64)
        coarse = np.asarray(Image.fromarray(downscale(p, 16, 16)).resize((64, 64), Image.BILINEAR))
        return (fine - coarse).reshape(-1)
    x, y = detail(a), detail(b)
    x = x - x.mean()
    y = y - y.mean()
    return float(np.dot(x, y) / np.sqrt(np.dot(x, x) * np.dot(y, y)))


def band(record, views, original):
    """The least-squares picture from the views' true coefficients rather than their bits: what the frequencies
    that the hashes describe hold of the image, the ceiling of any rebuild from those hashes."""
    problem = rebuild.Problem(record, views)
    grid = downscale(original, problem.grid.width, problem.grid.height)
    problem.guesses = [model.coefficients(op, grid) for op in problem.ops]
    return rebuild.least_squares(problem)
