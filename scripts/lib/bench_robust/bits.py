"""PDQ hashes as four 64-bit words, and their bit counts, for numpy Hamming distances."""

import numpy as np


def to_u64(bits):
    """pdqhash's 256 bits as 4 big-endian 64-bit words."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).view(">u8").astype(np.uint64)


def popcount(x):
    """Set bits per element of an array of uint64 words."""
    x = x.copy()
    c = np.zeros(x.shape, dtype=np.int64)
    while True:
        nz = x != 0
        if not nz.any():
            return c
        c += nz
        x &= x - np.uint64(1)
