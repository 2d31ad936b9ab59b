"""The 16 re-upload transforms of the benchmark (names are the manifest's `transform` values)."""

import random

from PIL import Image, ImageEnhance, ImageFilter

import augly.image as imaugs

TRANSFORMS = [
    "resize50_jpeg70", "crop5", "crop10", "crop_offcentre", "letterbox10", "border_white20", "blurred_backdrop",
    "screenshot", "meme", "overlay_text", "overlay_emoji", "rotate5", "mirror", "contrast_colour", "grayscale",
    "pip",
]


def _crop(im, left, top, right, bottom):
    w, h = im.size
    return im.crop((round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom))))


def _blurred_backdrop(im):
    w, h = im.size
    side = max(w, h)
    scale = side / min(w, h)
    big = im.resize((max(side, round(w * scale)), max(side, round(h * scale))), Image.BILINEAR)
    x0, y0 = (big.width - side) // 2, (big.height - side) // 2
    back = big.crop((x0, y0, x0 + side, y0 + side)).filter(ImageFilter.GaussianBlur(side / 40))
    back.paste(im, ((side - w) // 2, (side - h) // 2))
    return back


def _pip(im, background, rng):
    bw, bh = background.size
    scale = min(0.6 * bw / im.width, 0.6 * bh / im.height)
    small = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.LANCZOS)
    # off-centre: the inset's centre lies in one of the four quadrants, away from the background's centre
    fx, fy = rng.choice([0.1, 0.9]) + rng.uniform(-0.1, 0.1), rng.choice([0.1, 0.9]) + rng.uniform(-0.1, 0.1)
    x, y = round((bw - small.width) * fx), round((bh - small.height) * fy)
    out = background.copy()
    out.paste(small, (x, y))
    return out, (x, y, small.width, small.height)


def apply(name, im, rng, backgrounds):
    """Returns (image, jpeg_quality, note) for transform `name` of RGB image `im`. `rng` is a random.Random
    seeded per original; `backgrounds` is the list of distractor paths for picture-in-picture."""
    if name == "resize50_jpeg70":
        return im.resize((max(1, im.width // 2), max(1, im.height // 2)), Image.LANCZOS), 70, None
    if name == "crop5":
        return _crop(im, 0.05, 0.05, 0.05, 0.05), 90, None
    if name == "crop10":
        return _crop(im, 0.10, 0.10, 0.10, 0.10), 90, None
    if name == "crop_offcentre":
        return _crop(im, 0.05, 0.15, 0.25, 0.05), 90, None
    if name == "letterbox10":
        return imaugs.pad(im, w_factor=0.0, h_factor=0.1, color=(0, 0, 0)), 90, None
    if name == "border_white20":
        return imaugs.pad(im, w_factor=0.2, h_factor=0.2, color=(255, 255, 255)), 90, None
    if name == "blurred_backdrop":
        return _blurred_backdrop(im), 90, None
    if name == "screenshot":
        return imaugs.overlay_onto_screenshot(im), 90, None
    if name == "meme":
        return imaugs.meme_format(im), 90, None
    if name == "overlay_text":
        # AugLy's default text is drawn at random when it is imported: pass seeded glyph indices instead
        text = [rng.randrange(1, 1000) for _ in range(5)]
        return imaugs.overlay_text(im, text=text, x_pos=rng.uniform(0.0, 0.3), y_pos=rng.uniform(0.1, 0.7)), 90, None
    if name == "overlay_emoji":
        return imaugs.overlay_emoji(im, emoji_size=0.25, x_pos=rng.uniform(0.05, 0.7),
                                    y_pos=rng.uniform(0.05, 0.7)), 90, None
    if name == "rotate5":
        return imaugs.rotate(im, degrees=5), 90, None
    if name == "mirror":
        return imaugs.hflip(im), 90, None
    if name == "contrast_colour":
        return ImageEnhance.Color(ImageEnhance.Contrast(im).enhance(1.5)).enhance(1.5), 90, None
    if name == "grayscale":
        return imaugs.grayscale(im).convert("RGB"), 90, None
    if name == "pip":
        path = rng.choice(backgrounds)
        with Image.open(path) as bg:
            out, box = _pip(im, bg.convert("RGB"), rng)
        return out, 90, {"background": path, "inset_xywh": box}
    raise ValueError(name)


def rng_for(seed, original_id, name):
    return random.Random("%d/%s/%s" % (seed, original_id, name))
