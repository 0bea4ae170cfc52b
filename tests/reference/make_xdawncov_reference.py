#!/usr/bin/env python3
"""Reference values for eegi's `xdawncov` and `erpcov` features (src/features/protocov.rs),
computed with pyriemann 0.12.

Writes tests/reference/xdawncov.json, read by tests/it/reference_xdawncov.rs. Cases
(numpy.random.default_rng(2016)), epochs of mixed noise (µV, rounded to 0.001) with a planted
waveform of its own topography per class: "two_classes": 8 channels, 40 samples, 40 training
and 6 test epochs; "three_classes": 6 channels, 32 samples, 3 classes of unequal sizes (32
training, 6 test epochs). Each case holds "train", "test" (epochs x channels x samples, as
pyriemann), "y_train" and, for each estimator ("lwf"; "scm" in the two-class case only):

- "xdawncov": XdawnCovariances(nfilter=4, estimator=E) fitted on the training epochs (its Xdawn
  with the default estimator "scm", applyfilters=True, all classes): "filters" (Xd_.filters_,
  rows), "prototypes" (P_), "covs" (transform of the test epochs) and "tangent"
  (TangentSpace(metric="riemann") fitted on the transformed training epochs, applied to the test
  covariances; pyriemann's `upper` layout, as eegi's columns) and "reference" (its reference_);
- "erpcov": the same for ERPCovariances(estimator=E) (no filters).

xDAWN filters are eigenvectors, whose sign is arbitrary: eegi makes each filter's
largest-magnitude weight positive. The script flips pyriemann's filters (and so the
prototypes, which are filtered class means) the same way before transforming, so the values
compare directly. Flipping filter i multiplies row and column i of the super-trial's covariance
by -1 (C -> D C D, D diagonal +-1; Ledoit-Wolf's shrinkage is unchanged by it): the script
checks that against pyriemann's unflipped output.

How to run (from the repository root):

    /work/venv/bin/python tests/reference/make_xdawncov_reference.py
"""

import json
import os
import platform

import numpy as np
import pyriemann
import scipy
import sklearn
from pyriemann.estimation import ERPCovariances, XdawnCovariances
from pyriemann.tangentspace import TangentSpace

HERE = os.path.dirname(os.path.abspath(__file__))


def epochs(rng, counts, n_ch, n_t, fs):
    mixing = rng.normal(size=(n_ch, n_ch)) / np.sqrt(n_ch) + np.eye(n_ch)
    t = np.arange(n_t) / fs
    topo = [rng.normal(size=n_ch) for _ in counts]
    X, y = [], []
    for c, n in enumerate(counts):
        wave = (c + 1) * np.sin(2 * np.pi * 3 * t + c) * np.exp(-((t - 0.2) / 0.1) ** 2)
        for _ in range(n):
            X.append(mixing @ rng.normal(size=(n_ch, n_t)) * 5.0 + np.outer(topo[c], wave) * 4.0)
            y.append(c)
    X, y = np.round(np.array(X), 3), np.array(y)  # short in the JSON; used as rounded
    order = rng.permutation(len(y))  # classes interleaved, as recordings have them
    return X[order], y[order]


def signs_as_eegi(filters):
    """+1/-1 per filter row: the sign of its largest-magnitude weight."""
    return np.array([np.sign(w[np.argmax(np.abs(w))]) for w in filters])


def xdawncov(Xtr, ytr, Xte, estimator):
    est = XdawnCovariances(nfilter=4, estimator=estimator).fit(Xtr, ytr)
    raw_test = est.transform(Xte)
    s = signs_as_eegi(est.Xd_.filters_)
    est.Xd_.filters_ = est.Xd_.filters_ * s[:, None]
    est.P_ = est.P_ * s[:, None]
    covs = est.transform(Xte)
    d = np.concatenate([s, s])
    assert np.allclose(covs, raw_test * np.outer(d, d), rtol=1e-12, atol=0), "D C D"
    ts = TangentSpace(metric="riemann").fit(est.transform(Xtr))
    return {
        "filters": est.Xd_.filters_.tolist(),
        "prototypes": est.P_.tolist(),
        "covs": covs.tolist(),
        "reference": ts.reference_.tolist(),
        "tangent": ts.transform(covs).tolist(),
    }


def erpcov(Xtr, ytr, Xte, estimator):
    est = ERPCovariances(estimator=estimator).fit(Xtr, ytr)
    covs = est.transform(Xte)
    ts = TangentSpace(metric="riemann").fit(est.transform(Xtr))
    return {
        "prototypes": est.P_.tolist(),
        "covs": covs.tolist(),
        "reference": ts.reference_.tolist(),
        "tangent": ts.transform(covs).tolist(),
    }


def case(rng, counts, n_test, n_ch, n_t, fs, estimators):
    X, y = epochs(rng, [c + n_test for c in counts], n_ch, n_t, fs)
    n_train = len(y) - n_test * len(counts)
    Xtr, ytr, Xte = X[:n_train], y[:n_train], X[n_train:]
    out = {"train": Xtr.tolist(), "y_train": ytr.tolist(), "test": Xte.tolist()}
    for estimator in estimators:
        out[estimator] = {
            "xdawncov": xdawncov(Xtr, ytr, Xte, estimator),
            "erpcov": erpcov(Xtr, ytr, Xte, estimator),
        }
    return out


def main():
    rng = np.random.default_rng(2016)
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "pyriemann": pyriemann.__version__,
        },
        "cases": {
            "two_classes": case(rng, [20, 20], 3, 8, 40, 100.0, ["lwf", "scm"]),
            # 3 classes x 4 filters of 6 channels: the filtered epoch has rank 6 < 12 and its
            # sample covariance is singular, so only the shrunk estimator
            "three_classes": case(rng, [14, 10, 8], 2, 6, 32, 64.0, ["lwf"]),
        },
    }
    with open(os.path.join(HERE, "xdawncov.json"), "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
