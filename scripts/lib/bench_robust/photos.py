"""Decoding and the photo-likeness test for candidate images."""

import io

import numpy as np
from PIL import Image, ImageOps

MIN_SHORT_SIDE = 256


def decode(data):
    """Pillow RGB decode (EXIF orientation applied), or None when the bytes are no usable raster image.

    Images with real transparency (more than 1 % of pixels not opaque) are refused: photographs have none,
    cut-outs and icons do."""
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except Exception:  # noqa: BLE001 - any undecodable candidate is skipped
        return None
    if getattr(im, "n_frames", 1) > 1:
        return None
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        alpha = np.asarray(im.convert("RGBA"))[:, :, 3]
        if (alpha < 250).mean() > 0.01:
            return None
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = np.percentile(arr, [0.5, 99.5])
        arr = np.clip((arr - lo) * 255.0 / max(hi - lo, 1e-9), 0, 255).astype(np.uint8)
        im = Image.fromarray(arr)
    return im.convert("RGB")


def features(im):
    """Measures that separate photographs from drawings, clip-art, flat UI captures and smooth gradients.

    On a copy whose long side is 512 px: distinct colours (RGB at 6 bits per channel), the share of pixels
    whose 3x3 neighbourhood is exactly flat, the share with visible local detail (Laplacian above 8), and
    the share of the most common colour."""
    small = im.copy()
    small.thumbnail((512, 512), Image.BILINEAR)
    a = np.asarray(small, dtype=np.int32)
    q = (a >> 2)
    codes = (q[:, :, 0] << 12) | (q[:, :, 1] << 6) | q[:, :, 2]
    uniq, counts = np.unique(codes, return_counts=True)
    g = a.mean(axis=2)
    lap = np.abs(4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:])
    centre = a[1:-1, 1:-1]
    flat = np.ones(centre.shape[:2], dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            nb = a[1 + dy:a.shape[0] - 1 + dy, 1 + dx:a.shape[1] - 1 + dx]
            flat &= (nb == centre).all(axis=2)
    gray = bool((np.abs(a[:, :, 0] - a[:, :, 1]).max() <= 8) and (np.abs(a[:, :, 1] - a[:, :, 2]).max() <= 8))
    return {
        "colours": int(len(uniq)),
        "top_colour": float(counts.max() / codes.size),
        "flat": float(flat.mean()),
        "detail": float((lap > 8).mean()),
        "gray": gray,
    }


def looks_like_photo(f):
    """Permissive on purpose (lossy WebP flattens skies, bokeh has little detail): it removes flat drawings,
    icons, UI captures and smooth gradients; sources.EXCLUDE removes what slips through."""
    if f["flat"] > 0.35 or f["top_colour"] > 0.3 or f["detail"] < 0.01:
        return False
    return f["colours"] >= (100 if f["gray"] else 1000)
