"""Plain PDQ with dihedral variants (Meta's pdqhash from PyPI) on the benchmark set.

Listed side: pdqhash.compute on each original (Pillow RGB decode). Query side: pdqhash.compute_dihedral on
each query; a query matches a listed image when any of its 8 variants is within 31 bits of the listed hash.
Prints one JSON object in the evaluator's format.

usage: python -m bench_robust.baseline MANIFEST
"""

import json
import sys
import time

import numpy as np
import pdqhash
from PIL import Image

from .bits import popcount, to_u64
from .stats import upper_bound_95

THRESHOLD = 31
QUALITY_MIN = 50


def _load(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def run(manifest_path):
    with open(manifest_path) as f:
        m = json.load(f)
    ids = [o["id"] for o in m["originals"]]
    index = {oid: i for i, oid in enumerate(ids)}
    listed, quality, victim_s = [], [], 0.0
    for o in m["originals"]:
        t = time.perf_counter()
        bits, q = pdqhash.compute(_load(o["path"]))  # timed with the decode, as a victim's page would
        victim_s += time.perf_counter() - t
        listed.append(to_u64(bits))
        quality.append(q)
    listed = np.stack(listed)  # (n, 4)
    good = np.array(quality) >= QUALITY_MIN
    transforms = [t for t in m.get("transforms", [])] or sorted({q["transform"] for q in m["queries"]})
    matched = {t: 0 for t in transforms}
    matched_q50 = {t: 0 for t in transforms}
    count = {t: 0 for t in transforms}
    fp_pairs = fp_pairs_q50 = 0
    non_matching = non_matching_q50 = 0
    query_s = 0.0
    fp_examples = []
    own_distances = {t: [] for t in transforms}
    nearest = np.zeros(257, dtype=np.int64)  # non-matching pairs by distance (any variant)
    for q in m["queries"]:
        t0 = time.perf_counter()
        variants, _ = pdqhash.compute_dihedral(_load(q["path"]))  # timed with the decode
        query_s += time.perf_counter() - t0
        v = np.stack([to_u64(b) for b in variants])  # (8, 4)
        d = popcount(v[:, None, :] ^ listed[None, :, :]).sum(axis=2).min(axis=0)  # (n,)
        hit = d <= THRESHOLD
        own = index.get(q["original"]) if q["original"] else None
        if own is not None:
            count[q["transform"]] += 1
            matched[q["transform"]] += int(hit[own])
            own_distances[q["transform"]].append(int(d[own]))
            matched_q50[q["transform"]] += int(hit[own] and good[own])
            hit = hit.copy()
            hit[own] = False
            non_matching += len(ids) - 1
            non_matching_q50 += int(good.sum()) - int(good[own])
        else:
            non_matching += len(ids)
            non_matching_q50 += int(good.sum())
        others = np.ones(len(ids), dtype=bool)
        if own is not None:
            others[own] = False
        nearest += np.bincount(d[others], minlength=257)
        fp_pairs += int(hit.sum())
        fp_pairs_q50 += int((hit & good).sum())
        for j in np.nonzero(hit)[0][:3]:
            if len(fp_examples) < 10:
                fp_examples.append({"query": q["path"], "listed": ids[j], "distance": int(d[j])})
    n_queries = len(m["queries"])
    return {
        "method": "pdqhash 0.2.8, 8 dihedral variants of the query, distance <= %d" % THRESHOLD,
        "recall": {t: matched[t] / count[t] if count[t] else None for t in transforms},
        "matched": matched,
        "count": count,
        "false_positive_pairs": fp_pairs,
        "non_matching_pairs": non_matching,
        "fp_rate_upper_95": upper_bound_95(fp_pairs, non_matching),
        "views_per_image": 1,
        "timing": "one thread, per image: Pillow decode from the JPEG file + pdqhash (compute; compute_dihedral)",
        "victim_ms_per_image": 1000 * victim_s / len(ids),
        "query_ms_per_image": 1000 * query_s / n_queries,
        "quality50": {
            "note": "pairs count only when the listed hash has PDQ quality >= %d" % QUALITY_MIN,
            "listed_low_quality": int((~good).sum()),
            "recall": {t: matched_q50[t] / count[t] if count[t] else None for t in transforms},
            "false_positive_pairs": fp_pairs_q50,
            "non_matching_pairs": non_matching_q50,
            "fp_rate_upper_95": upper_bound_95(fp_pairs_q50, non_matching_q50),
        },
        "false_positive_examples": fp_examples,
        "median_distance_to_own_original": {t: float(np.median(v)) if v else None for t, v in own_distances.items()},
        "non_matching_min_distance": int(np.nonzero(nearest)[0][0]) if nearest.any() else None,
        "non_matching_pairs_within": {str(r): int(nearest[:r + 1].sum()) for r in (31, 40, 50, 60, 70)},
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
