"""scripts/bench/invert-views' two steps.

    python -m invert_views.main rebuild RECORDS.jsonl OUTDIR
        For each JSON line of the hasher's `views` example: OUTDIR/NAME-METHOD-SUBSET.png at the image's size,
        for METHOD in signs, least-squares, consistent and SUBSET in whole (its PDQ hash alone) and views (all).
        Uses the records alone. Writes OUTDIR/rebuilt.json listing what it wrote.
    python -m invert_views.main report RECORDS.jsonl OUTDIR REHASHED.jsonl [FIGURE.png]
        Measures the rebuilds against the originals (the records' paths): PDQ distances of the rebuilds' own views
        (REHASHED: the `views` example run on the rebuilt files) to the listed ones, correlations of grey
        downscales, the ceiling and the chance level. Prints a table, then one JSON line; draws the figure.
"""

import json
import os
import sys

import numpy as np
from PIL import Image

from . import figure, measure, model, rebuild

METHODS = {
    "signs": lambda p: rebuild.signs(p),
    "least-squares": lambda p: rebuild.least_squares(p),
    "consistent": lambda p: rebuild.consistent(p),
}
# The model takes upright regions only: turned squares (`"turn"` other than 0, hasher/src/robust/turn.rs) are left
# out, so "views" is the image's hash, its upright squares and its halves.
SUBSETS = {"whole": rebuild.whole_only, "views": lambda record: [v for v in record["views"] if not v.get("turn")]}
# The rebuild shown in the figure and the summary.
BEST = "consistent"
# Grey level spread of a rendered rebuild: the hashes carry no brightness or contrast (no DC, signs only), so a
# rebuild is shown at mid grey with the contrast of a typical photograph.
SPREAD = 50.0


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def name_of(record):
    return os.path.splitext(os.path.basename(record["path"]))[0]


def render(picture, width, height):
    """A rebuild as 8-bit grey at the image's size."""
    x = picture - picture.mean()
    x = x / max(x.std(), 1e-12) * SPREAD + 128
    grey = Image.fromarray(np.clip(x, 0, 255).astype(np.float32)).resize((width, height), Image.BICUBIC)
    return Image.fromarray(np.clip(np.asarray(grey), 0, 255).round().astype(np.uint8))


def rebuild_all(records_path, out):
    os.makedirs(out, exist_ok=True)
    written = []
    for record in records(records_path):
        for subset, pick in SUBSETS.items():
            problem = rebuild.Problem(record, pick(record))
            for method, run in METHODS.items():
                path = os.path.join(out, f"{name_of(record)}-{method}-{subset}.png")
                render(run(problem), record["width"], record["height"]).save(path)
                written.append({"image": record["path"], "method": method, "subset": subset, "path": path})
    with open(os.path.join(out, "rebuilt.json"), "w") as f:
        json.dump(written, f, indent=1)


def view_distances(listed, rehashed):
    """PDQ distance of each listed view to the rebuild's view of the same region (a region whose rebuilt square is
    too flat to hash counts as unmatched, None)."""
    own = {(tuple(v["region"]), v.get("turn", 0)): v["hash"] for v in rehashed["views"]}
    out = []
    for v in listed["views"]:
        h = own.get((tuple(v["region"]), v.get("turn", 0)))
        out.append(None if h is None else model.distance(model.bits_of(v["hash"]), model.bits_of(h)))
    return out


def report(records_path, out, rehashed_path, figure_path=None):
    listed = records(records_path)
    rehashed = {r["path"]: r for r in records(rehashed_path)}
    with open(os.path.join(out, "rebuilt.json")) as f:
        rebuilt = json.load(f)
    originals = {r["path"]: measure.luma(r["path"]) for r in listed}
    pictures = {(e["image"], e["method"], e["subset"]): measure.luma(e["path"]) for e in rebuilt}
    paths = {(e["image"], e["method"], e["subset"]): e["path"] for e in rebuilt}
    rows = []
    for record in listed:
        original = originals[record["path"]]
        for subset, pick in SUBSETS.items():
            views = pick(record)
            for method in METHODS:
                key = (record["path"], method, subset)
                d = view_distances(record, rehashed[paths[key]])
                rows.append(row(record, method, subset, original, pictures[key], d, len(views)))
            ceiling = measure.band(record, views, original)
            rows.append(row(record, "ceiling", subset, original, ceiling, None, len(views)))
    chance = chance_level(listed, originals, pictures)
    means = mean_rows(rows)
    print_table(rows + means, chance)
    summary = {"rows": rows, "means": means, "chance": chance}
    if figure_path:
        figure.draw(listed, originals, pictures, BEST, figure_path)
        summary["figure"] = figure_path
    print(json.dumps(summary))


def row(record, method, subset, original, picture, distances, views):
    out = {
        "image": name_of(record),
        "method": method,
        "subset": subset,
        "views": views,
        "corr64": round(measure.correlation(original, picture, 64), 3),
        "corr16": round(measure.correlation(original, picture, 16), 3),
        "detail": round(measure.detail_correlation(original, picture), 3),
    }
    if distances is not None:
        whole, inner = distances[0], [d for d in distances[1:] if d is not None]
        out["pdq_whole"] = whole
        out["pdq_inner_mean"] = round(float(np.mean(inner)), 1) if inner else None
        out["pdq_inner_max"] = max(inner) if inner else None
        out["inner_unmatched"] = sum(d is None for d in distances[1:])
    return out


def mean_rows(rows):
    """Each method and subset's figures averaged over the images (when there are several)."""
    if len({r["image"] for r in rows}) < 2:
        return []
    out = []
    for subset in SUBSETS:
        for method in [*METHODS, "ceiling"]:
            group = [r for r in rows if r["method"] == method and r["subset"] == subset]
            mean = {"image": f"mean of {len(group)}", "method": method, "subset": subset,
                    "views": round(float(np.mean([r["views"] for r in group])), 1)}
            for key in ("corr64", "corr16", "detail", "pdq_whole", "pdq_inner_mean"):
                values = [r[key] for r in group if r.get(key) is not None]
                if values:
                    mean[key] = round(float(np.mean(values)), 3 if key.startswith(("corr", "detail")) else 1)
            if "pdq_inner_mean" in mean:
                mean["pdq_inner_max"] = max(r["pdq_inner_max"] for r in group if r.get("pdq_inner_max") is not None)
            out.append(mean)
    return out


def chance_level(listed, originals, pictures):
    """Correlation of the best rebuild from all views of one image with the original of another: what the
    measure gives for an unrelated picture (mean and largest over ordered pairs)."""
    pairs = [(originals[b["path"]], pictures[(a["path"], BEST, "views")])
             for a in listed for b in listed if a is not b]
    if not pairs:
        return None
    corr = [measure.correlation(o, p, 64) for o, p in pairs]
    detail = [measure.detail_correlation(o, p) for o, p in pairs]
    return {"pairs": len(pairs),
            "corr64_mean": round(float(np.mean(corr)), 3), "corr64_max": round(float(np.max(corr)), 3),
            "detail_mean": round(float(np.mean(detail)), 3), "detail_max": round(float(np.max(detail)), 3)}


def print_table(rows, chance):
    print(f"{'image':<22}{'method':<15}{'from':<7}{'hashes':>7}{'corr64':>8}{'corr16':>8}{'detail':>8}"
          f"{'pdq whole':>11}{'inner mean/max':>16}")
    for r in rows:
        inner = "" if r.get("pdq_inner_mean") is None else f"{r['pdq_inner_mean']}/{r['pdq_inner_max']}"
        whole = "" if "pdq_whole" not in r else str(r["pdq_whole"])
        print(f"{r['image']:<22}{r['method']:<15}{r['subset']:<7}{r['views']:>7g}{r['corr64']:>8.3f}"
              f"{r['corr16']:>8.3f}{r['detail']:>8.3f}{whole:>11}{inner:>16}")
    if chance:
        print(f"chance (a rebuild against another image's original, {chance['pairs']} pairs): corr64 mean "
              f"{chance['corr64_mean']:.3f}, max {chance['corr64_max']:.3f}; detail mean "
              f"{chance['detail_mean']:.3f}, max {chance['detail_max']:.3f}")


def main(argv):
    if len(argv) >= 3 and argv[0] == "rebuild":
        rebuild_all(argv[1], argv[2])
    elif len(argv) in (4, 5) and argv[0] == "report":
        report(argv[1], argv[2], argv[3], argv[4] if len(argv) == 5 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
