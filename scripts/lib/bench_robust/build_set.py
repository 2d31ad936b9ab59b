"""Builds the benchmark set: selects real photographs, removes near duplicates, splits them into originals and
distractors, writes the 16 transformed copies of every original and manifest.json.

usage: python -m bench_robust.build_set SET_DIR PKGS_DIR TESTDATA_DIR
"""

import json
import multiprocessing
import os
import random
import sys
import time

import numpy as np
import pdqhash
from PIL import Image

from . import candidates, photos, sources, transforms
from .bits import popcount, to_u64

SEED = 15
MAX_SIDE = 2048
DUP_DISTANCE = 31
MIN_ORIGINALS = 260
MIN_DISTRACTORS = 200


def log(*args):
    print("build-set:", *args, file=sys.stderr, flush=True)


def _examine(item):
    source, data = item
    if sources.excluded(source):
        return None
    im = photos.decode(data)
    if im is None or min(im.size) < photos.MIN_SHORT_SIDE:
        return None
    if not photos.looks_like_photo(photos.features(im)):
        return None
    if max(im.size) > MAX_SIDE:
        s = MAX_SIDE / max(im.size)
        im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.LANCZOS)
    hashes, _ = pdqhash.compute_dihedral(np.asarray(im))
    return source, im.size, np.stack([to_u64(h) for h in hashes]), data


def select(pkgs_dir, testdata_dir, workers):
    def gen():
        yield from candidates.from_packages(pkgs_dir, list(sources.PACKAGES))
        if os.path.isdir(testdata_dir):
            yield from candidates.from_testdata(testdata_dir)

    found = []
    with multiprocessing.Pool(workers) as pool:
        for r in pool.imap(_examine, gen(), chunksize=4):
            if r is not None:
                found.append(r)
    log("%d candidate photographs pass the photo test" % len(found))
    # Largest first, so that of two copies of one photo the sharper is kept.
    found.sort(key=lambda r: (-r[1][0] * r[1][1], r[0]))
    kept, kept_hashes, groups = [], np.zeros((0, 4), dtype=np.uint64), set()
    for source, size, hashes, data in found:
        if sources.group(source) in groups:
            continue
        groups.add(sources.group(source))
        if len(kept):
            # any dihedral variant of the candidate against the kept images' plain hash
            d = popcount(kept_hashes[None, :, :] ^ hashes[:, None, :]).sum(axis=2)
            if d.min() <= DUP_DISTANCE:
                continue
        kept.append((source, data))
        kept_hashes = np.vstack([kept_hashes, hashes[:1]])
    log("%d after removing near duplicates (PDQ <= %d, dihedral)" % (len(kept), DUP_DISTANCE))
    return kept


def _save(im, path, quality):
    im.save(path, "JPEG", quality=quality)


def _make_queries(job):
    oid, path, out_dir, backgrounds = job
    im = Image.open(path).convert("RGB")
    rows = []
    for name in transforms.TRANSFORMS:
        out, quality, note = transforms.apply(name, im, transforms.rng_for(SEED, oid, name), backgrounds)
        qpath = os.path.join(out_dir, "%s_%s.jpg" % (oid, name))
        _save(out.convert("RGB"), qpath, quality)
        row = {"path": qpath, "transform": name, "original": oid}
        if note:
            row["note"] = note
        rows.append(row)
    return rows


def build(set_dir, pkgs_dir, testdata_dir):
    start = time.time()
    workers = max(1, min(2, os.cpu_count() or 1))
    kept = select(pkgs_dir, testdata_dir, workers)
    rng = random.Random(SEED)
    rng.shuffle(kept)
    # Originals first: the recall figures need them. The distractors get what is left (at least a quarter).
    n_orig = max(MIN_ORIGINALS, len(kept) - MIN_DISTRACTORS)
    n_orig = min(n_orig, len(kept) - len(kept) // 4)
    originals, distractors = kept[:n_orig], kept[n_orig:]
    if len(originals) < MIN_ORIGINALS or len(distractors) < MIN_DISTRACTORS:
        log("warning: only %d originals and %d distractors (wanted >= %d and >= %d)"
            % (len(originals), len(distractors), MIN_ORIGINALS, MIN_DISTRACTORS))
    tmp = set_dir + ".tmp"
    for sub in ("originals", "distractors", "queries"):
        os.makedirs(os.path.join(tmp, sub), exist_ok=True)
    manifest = {"originals": [], "queries": [], "distractors": []}
    for kind, items, prefix in (("originals", originals, "o"), ("distractors", distractors, "d")):
        for i, (source, data) in enumerate(items, 1):
            im = photos.decode(data)
            if max(im.size) > MAX_SIDE:
                s = MAX_SIDE / max(im.size)
                im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.LANCZOS)
            ident = "%s%04d" % (prefix, i)
            path = os.path.join(set_dir, kind, ident + ".jpg")
            _save(im, os.path.join(tmp, kind, ident + ".jpg"), 95)
            row = {"id": ident, "path": path, "source": source}
            manifest[kind].append(row)
    backgrounds = [os.path.join(tmp, "distractors", r["id"] + ".jpg") for r in manifest["distractors"]]
    jobs = [(r["id"], os.path.join(tmp, "originals", r["id"] + ".jpg"), os.path.join(tmp, "queries"), backgrounds)
            for r in manifest["originals"]]
    with multiprocessing.Pool(workers) as pool:
        for rows in pool.imap(_make_queries, jobs):
            for row in rows:
                row["path"] = os.path.join(set_dir, "queries", os.path.basename(row["path"]))
                if "note" in row:
                    row["note"]["background"] = os.path.join(set_dir, "distractors",
                                                             os.path.basename(row["note"]["background"]))
                manifest["queries"].append(row)
    for r in manifest["distractors"]:
        manifest["queries"].append({"path": r["path"], "transform": "distractor", "original": None})
    manifest["seed"] = SEED
    manifest["transforms"] = transforms.TRANSFORMS
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    os.rename(tmp, set_dir)
    log("%d originals, %d distractors, %d queries in %.0f s" % (
        len(manifest["originals"]), len(manifest["distractors"]), len(manifest["queries"]), time.time() - start))


if __name__ == "__main__":
    build(*sys.argv[1:4])
