"""Checks two classify outputs agree: same windows, same labels, probabilities within TOL.
A `true_label` column (eegi writes it when the recording's events are known) is set aside.

usage: python bench/agree.py A.csv B.csv [TOL]   (exit 1 on disagreement)
"""
import csv
import sys

def read(path):
    rows = list(csv.reader(open(path)))
    if "true_label" in rows[0]:
        k = rows[0].index("true_label")
        rows = [r[:k] + r[k + 1 :] for r in rows]
    return rows


a, b = (read(p) for p in sys.argv[1:3])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-6
assert a[0] == b[0], f"headers differ: {a[0]} vs {b[0]}"
assert len(a) == len(b), f"{len(a) - 1} vs {len(b) - 1} windows"
worst = 0.0
labels = 0
for ra, rb in zip(a[1:], b[1:]):
    assert abs(float(ra[0]) - float(rb[0])) < 1e-6 and abs(float(ra[1]) - float(rb[1])) < 1e-6, (ra[:2], rb[:2])
    labels += ra[2] != rb[2]
    worst = max(worst, max(abs(float(x) - float(y)) for x, y in zip(ra[3:], rb[3:])))
print(f"{len(a) - 1} windows, {labels} labels differ, largest probability difference {worst:.3g}")
sys.exit(0 if labels == 0 and worst <= tol else 1)
