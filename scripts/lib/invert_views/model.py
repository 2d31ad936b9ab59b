"""The linear part of PDQ on a working grid: a view's 16x16 DCT coefficients are a linear function of the
picture's luma, C = Ly X Lx^T, with Ly = D Py and Lx = D Px, where Py and Px average the region's 64 cell rows and
columns and D is PDQ's 16x64 DCT (frequencies 1..16, no DC row). The hasher's regions use exactly these cell
means; the whole image's PDQ blurs and samples instead, a few bits away (hasher/src/robust/region.rs).

The bits are the only non-linear step: bit (i, j) is 1 when C[i, j] is above the median of the 256 values.
"""

import numpy as np

UNITS = 10_000


def dct_matrix():
    """PDQ's D: D[i][j] = sqrt(2/64) cos(pi/128 (i+1)(2j+1)), 16x64."""
    i = np.arange(1, 17)[:, None]
    j = np.arange(64)[None, :]
    return np.sqrt(2 / 64) * np.cos(np.pi / 128 * i * (2 * j + 1))


D = dct_matrix()


def bits_of(hex_hash):
    """The 16x16 bit matrix of a hash: bit k = 16 i + j of the big-endian 256-bit number is coefficient (i, j)."""
    n = int(hex_hash, 16)
    return np.array([(n >> k) & 1 for k in range(256)], dtype=np.int8).reshape(16, 16)


def hex_of(bits):
    """The inverse of bits_of."""
    n = 0
    for k, b in enumerate(np.asarray(bits).reshape(256)):
        n |= int(b) << k
    return f"{n:064x}"


def distance(a, b):
    return int(np.count_nonzero(np.asarray(a) != np.asarray(b)))


def threshold(coefficients):
    """PDQ's bits: above the lower median of the 256 values (strictly)."""
    median = np.sort(coefficients.reshape(256))[127]
    return (coefficients > median).astype(np.int8)


def averaging(start, length, size):
    """64 x size: row c averages the grid pixels under cell c of [start, start + length) (fractional overlap)."""
    edges = start + length * np.arange(65) / 64
    lo, hi = edges[:-1, None], edges[1:, None]
    p = np.arange(size)[None, :]
    overlap = np.clip(np.minimum(hi, p + 1) - np.maximum(lo, p), 0, None)
    return overlap / (length / 64)


class Grid:
    """A working grid of `height` x `width` pixels over the image, short side `short`."""

    def __init__(self, image_width, image_height, short):
        scale = short / min(image_width, image_height)
        self.width = max(1, round(image_width * scale))
        self.height = max(1, round(image_height * scale))

    def operator(self, region_units):
        """(Ly, Lx) of a region given as [x, y, width, height] in 1/10,000 of the image's sides."""
        x, y, w, h = (v / UNITS for v in region_units)
        px = averaging(x * self.width, w * self.width, self.width)
        py = averaging(y * self.height, h * self.height, self.height)
        return D @ py, D @ px


def coefficients(op, picture):
    ly, lx = op
    return ly @ picture @ lx.T


def adjoint(op, c):
    ly, lx = op
    return ly.T @ c @ lx


def prior_magnitude():
    """The expected size of coefficient (i, j) in natural photographs: amplitude falls as 1/frequency (the 1/f
    spectrum of natural scenes), the same at every scale, so the same for the whole image and an inner square.
    Unit scale: only the ratios matter."""
    f = np.arange(1, 17)
    return 1.0 / np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
