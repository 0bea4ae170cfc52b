#!/usr/bin/env python3
"""Reference p-values for eegi's Wilcoxon signed-rank test (src/validation/wilcoxon.rs), the
paired test of `eegi evaluate --compare`, computed with scipy.stats.wilcoxon and its defaults
(two-sided, zero_method="wilcox", correction=False, method="auto": exact for n <= 50 without
ties or zeros, an exact sign-flip permutation test for n <= 13 with ties or zeros, the normal
approximation otherwise).

Writes tests/reference/wilcoxon.json: for each case the paired samples x and y and scipy's
statistic and p-value. Cases (numpy.random.default_rng(16)) cover each of scipy's branches:
continuous differences (exact, n = 3..20 and 50), fold scores on a coarse grid (ties, zeros:
permutation for n <= 13, normal approximation above), n = 60 (normal approximation), and all
pairs equal (p = 1 by permutation).

How to run (from the repository root), with numpy and scipy installed:

    /work/venv/bin/python tests/reference/make_wilcoxon_reference.py
"""

import json
import os
import platform

import numpy as np
import scipy
from scipy.stats import wilcoxon

HERE = os.path.dirname(os.path.abspath(__file__))


def case(name, x, y):
    res = wilcoxon(x, y)
    return {
        "name": name,
        "x": [float(v) for v in x],
        "y": [float(v) for v in y],
        "statistic": float(res.statistic),
        "p_value": float(res.pvalue),
    }


def main():
    rng = np.random.default_rng(16)
    cases = []
    for n in [3, 5, 6, 8, 10, 13, 14, 20, 50]:
        x = rng.uniform(0.4, 0.9, n)
        y = x - rng.normal(0.05, 0.08, n)
        cases.append(case(f"continuous n={n}", x, y))
    for n in [4, 5, 8, 12, 13, 14, 20, 30]:
        # balanced accuracies of small folds: a coarse grid, so ties and zero differences
        x = rng.integers(8, 21, n) / 20
        y = rng.integers(6, 19, n) / 20
        y[0] = x[0]
        cases.append(case(f"grid with zeros n={n}", x, y))
    for n in [6, 16]:
        x = rng.integers(10, 21, n) / 20
        d = rng.choice([-0.1, 0.05, 0.1, 0.15], n)
        cases.append(case(f"ties without zeros n={n}", x, x - d))
    x = rng.uniform(0.4, 0.9, 60)
    cases.append(case("continuous n=60", x, x - rng.normal(0.02, 0.1, 60)))
    cases.append(case("all equal n=5", [0.5, 0.6, 0.7, 0.8, 0.9], [0.5, 0.6, 0.7, 0.8, 0.9]))
    cases.append(case("one pair", [0.8], [0.6]))
    out = {
        "generator": "tests/reference/make_wilcoxon_reference.py",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "cases": cases,
    }
    with open(os.path.join(HERE, "wilcoxon.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
