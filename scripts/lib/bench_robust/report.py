"""Prints the side-by-side table of plain PDQ and disrupt, then one JSON object on the last line.

usage: python -m bench_robust.report MANIFEST BASELINE_JSON [DISRUPT_JSON|-]
"""

import json
import sys

from .stats import upper_bound_95


def _pct(x):
    return "%6.1f %%" % (100 * x) if isinstance(x, (int, float)) else "     n/a"


def main(manifest_path, baseline_path, disrupt_path=None):
    with open(manifest_path) as f:
        m = json.load(f)
    with open(baseline_path) as f:
        base = json.load(f)
    ours = None
    if disrupt_path and disrupt_path != "-":
        with open(disrupt_path) as f:
            ours = json.load(f)
        if "fp_rate_upper_95" not in ours and "non_matching_pairs" in ours:
            ours["fp_rate_upper_95"] = upper_bound_95(ours["false_positive_pairs"], ours["non_matching_pairs"])
    transforms = m["transforms"]
    print("set: %s (%d originals, %d distractors, %d queries)" % (
        manifest_path, len(m["originals"]), len(m["distractors"]), len(m["queries"])))
    print("%-18s %6s  %10s  %10s" % ("transform", "n", "plain PDQ", "disrupt"))
    for t in transforms:
        o = ours["recall"].get(t) if ours else None
        print("%-18s %6d  %10s  %10s" % (t, base["count"][t], _pct(base["recall"][t]), _pct(o)))

    def row(label, key, fmt):
        b = base.get(key)
        o = ours.get(key) if ours else None
        print("%-26s %14s  %14s" % (label, fmt(b) if b is not None else "n/a", fmt(o) if o is not None else "n/a"))

    print("%-26s %14s  %14s" % ("", "plain PDQ", "disrupt"))
    row("false-positive pairs", "false_positive_pairs", str)
    row("non-matching pairs", "non_matching_pairs", str)
    row("FP rate, 95 % upper bound", "fp_rate_upper_95", lambda x: "%.3g" % x)
    row("views per listed image", "views_per_image", lambda x: "%.1f" % x)
    row("victim ms per image", "victim_ms_per_image", lambda x: "%.1f" % x)
    row("query ms per image", "query_ms_per_image", lambda x: "%.1f" % x)
    q = base["quality50"]
    print("plain PDQ, listed hashes of quality >= 50 only (%d of %d listed are below): %d FP pairs of %d, "
          "upper %.3g; recall %s" % (q["listed_low_quality"], len(m["originals"]), q["false_positive_pairs"],
                                    q["non_matching_pairs"], q["fp_rate_upper_95"],
                                    ", ".join("%s %.0f%%" % (t, 100 * q["recall"][t]) for t in transforms)))
    if ours is None:
        print("disrupt: no evaluator result (see above)")
    print(json.dumps({
        "manifest": manifest_path,
        "originals": len(m["originals"]),
        "distractors": len(m["distractors"]),
        "queries": len(m["queries"]),
        "plain_pdq": base,
        "disrupt": ours,
    }))


if __name__ == "__main__":
    main(*sys.argv[1:4])
