"""Writes Pillow's RGB decode of reference images as raw files, for the PDQ golden tests and scripts/bench/pdq.

usage: pillow_rgb.py TESTDATA_DIR OUT_DIR RELATIVE_PATH...
For each path writes OUT_DIR/<path with / as __>.rgb: the ASCII header "RGB24 <width> <height>\n", then the
packed RGB24 rows. Decoding is Image.open(p).convert("RGB"), no EXIF rotation: the pixels the reference
hashes in generated/pdq/*.csv were made from. Files are written atomically and skipped when present.
"""
import os
import sys

from PIL import Image


def main():
    testdata, out_dir, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    for rel in paths:
        target = os.path.join(out_dir, rel.replace("/", "__") + ".rgb")
        if os.path.exists(target):
            continue
        image = Image.open(os.path.join(testdata, rel)).convert("RGB")
        tmp = target + ".tmp%d" % os.getpid()
        with open(tmp, "wb") as f:
            f.write(b"RGB24 %d %d\n" % image.size)
            f.write(image.tobytes())
        os.replace(tmp, target)


if __name__ == "__main__":
    main()
