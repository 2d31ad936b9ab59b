"""Enumerates candidate photographs from the unpacked Debian packages and the shared test data.

Yields (source, bytes) where source is "PACKAGE:PATH" (PATH inside the package; for Qt resource files
"PATH.rcc!/inner/path"), or "testdata:RELATIVE_PATH".
"""

import os

from . import rcc

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".ppm", ".pgm")


def _files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)


def from_packages(pkgs_dir, packages):
    for pkg in packages:
        root = os.path.join(pkgs_dir, pkg)
        for path in _files(root):
            rel = "/" + os.path.relpath(path, root)
            low = path.lower()
            if low.endswith(".rcc"):
                with open(path, "rb") as f:
                    blob = f.read()
                for inner, data in rcc.entries(blob):
                    if inner.lower().endswith(IMAGE_EXTS):
                        yield "%s:%s!%s" % (pkg, rel, inner), data
            elif low.endswith(IMAGE_EXTS):
                with open(path, "rb") as f:
                    yield "%s:%s" % (pkg, rel), f.read()


def from_testdata(testdata_dir):
    for path in _files(testdata_dir):
        if path.lower().endswith(IMAGE_EXTS):
            with open(path, "rb") as f:
                yield "testdata:" + os.path.relpath(path, testdata_dir), f.read()
