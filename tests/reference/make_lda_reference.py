#!/usr/bin/env python3
"""Reference values for eegi's shrinkage LDA (src/model/lda.rs), computed with scikit-learn.

Writes tests/reference/lda.json: for each case, features X, classes y and what
sklearn.discriminant_analysis.LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto",
priors=[1/K]*K) gives: coef_, intercept_, predict_proba(X), and the Ledoit-Wolf shrinkage of
each class (sklearn.covariance.ledoit_wolf on the class's standardised features, which is what
LDA's _cov(X, shrinkage="auto") uses). Equal priors are eegi's choice (balanced decoding).

Cases (numpy.random.default_rng(7)): two classes with correlated features and more rows than
features; two classes with more features (60) than rows (40), where shrinkage is essential;
three classes of unequal sizes.

How to run (from the repository root), with numpy and scikit-learn installed:

    python3 tests/reference/make_lda_reference.py
"""

import json
import os
import platform

import numpy as np
import scipy
import sklearn
from sklearn.covariance import ledoit_wolf
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def make(rng, sizes, p, shift):
    mix = rng.normal(size=(p, p)) / np.sqrt(p) + np.eye(p)
    xs, ys = [], []
    for k, n in enumerate(sizes):
        mean = np.zeros(p)
        mean[: max(1, p // 4)] = shift * k
        xs.append(rng.normal(size=(n, p)) @ mix + mean)
        ys += [k] * n
    order = rng.permutation(len(ys))
    return np.vstack(xs)[order], np.asarray(ys)[order]


def case(name, x, y):
    k = len(np.unique(y))
    lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto", priors=[1.0 / k] * k)
    lda.fit(x, y)
    shrink = [float(ledoit_wolf(StandardScaler().fit_transform(x[y == c]))[1]) for c in range(k)]
    return {
        "name": name,
        "n_classes": k,
        "x": x.tolist(),
        "y": y.tolist(),
        "coef": lda.coef_.tolist(),
        "intercept": lda.intercept_.tolist(),
        "proba": lda.predict_proba(x).tolist(),
        "shrinkage": shrink,
    }


def main():
    rng = np.random.default_rng(7)
    cases = [
        case("2 classes, 80 x 8", *make(rng, [35, 45], 8, 1.0)),
        case("2 classes, 40 x 60 (p > n)", *make(rng, [20, 20], 60, 0.8)),
        case("3 classes, 30/20/25 x 6", *make(rng, [30, 20, 25], 6, 1.5)),
    ]
    out = {
        "cases": cases,
        "generated_with": {"python": platform.python_version(), "numpy": np.__version__,
                           "scipy": scipy.__version__, "sklearn": sklearn.__version__},
    }
    path = os.path.join(HERE, "lda.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote", os.path.relpath(path, REPO))


if __name__ == "__main__":
    main()
