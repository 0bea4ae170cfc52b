#!/usr/bin/env python3
"""Reference values for eegi's SVM (src/model/svm.rs), computed with scikit-learn's SVC (libsvm).

Writes tests/reference/svm.json: for each case, standardised training rows x (StandardScaler on
the training rows), classes y (0/1), test rows x_test (standardised with the training scaler),
and what sklearn.svm.SVC(kernel, C, gamma="scale", class_weight, tol=1e-10) gives:
decision_function(x_test), intercept_, the resolved gamma (1 / (n_features * x.var())), and
the dual coefficients dual_coef_ with their training-row indices support_. The tolerance is far
below libsvm's default 1e-3 so that the reference is the exact optimum, not one stop of SMO.

Cases (numpy.random.default_rng(16)): two Gaussian classes of unequal sizes (40 and 20 rows,
8 features, overlapping, one feature uninformative and one a mix), fitted with the linear and
the RBF kernel, balanced and unbalanced class weights, C = 0.1, 1 and 10.

How to run (from the repository root), with numpy and scikit-learn installed:

    /work/venv/bin/python tests/reference/make_svm_reference.py
"""

import json
import os
import platform

import numpy as np
import sklearn
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

HERE = os.path.dirname(os.path.abspath(__file__))


def data(rng, sizes, p, shift):
    mix = rng.normal(size=(p, p)) / np.sqrt(p) + np.eye(p)
    xs, ys = [], []
    for k, n in enumerate(sizes):
        mean = np.zeros(p)
        mean[: p // 2] = shift * k
        xs.append(rng.normal(size=(n, p)) @ mix + mean)
        ys += [k] * n
    order = rng.permutation(len(ys))
    return np.vstack(xs)[order], np.asarray(ys)[order]


def main():
    rng = np.random.default_rng(16)
    x, y = data(rng, [40, 20], 8, 1.0)
    x_test, _ = data(rng, [15, 15], 8, 1.0)
    scaler = StandardScaler().fit(x)
    x, x_test = scaler.transform(x), scaler.transform(x_test)
    cases = []
    for kernel in ["linear", "rbf"]:
        for balanced in [True, False]:
            for c in [0.1, 1.0, 10.0]:
                svc = SVC(kernel=kernel, C=c, gamma="scale", tol=1e-10,
                          class_weight="balanced" if balanced else None)
                svc.fit(x, y)
                cases.append({
                    "name": f"{kernel}, C {c}, {'balanced' if balanced else 'unweighted'}",
                    "kernel": kernel,
                    "c": c,
                    "balanced": balanced,
                    "gamma": 1.0 / (x.shape[1] * x.var()),
                    "decision": svc.decision_function(x_test).tolist(),
                    "intercept": float(svc.intercept_[0]),
                    "dual_coef": svc.dual_coef_[0].tolist(),
                    "support": svc.support_.tolist(),
                })
    out = {
        "generated_by": "tests/reference/make_svm_reference.py",
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scikit-learn": sklearn.__version__},
        "x": x.tolist(),
        "y": y.tolist(),
        "x_test": x_test.tolist(),
        "cases": cases,
    }
    with open(os.path.join(HERE, "svm.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
