#!/usr/bin/env python3
"""Reference values for eegi's xDAWN extractor (src/features/xdawn.rs), computed with pyriemann.

Writes tests/reference/xdawn.json: a small deterministic fixture of epochs with a planted ERP
and what pyriemann.spatialfilters.Xdawn(nfilter=4) (estimator "scm", its defaults) gives:
filters_ (classes x nfilter rows, channel weights), and the features eegi computes from them —
Xdawn.transform(X) (filters_ @ X) decimated by bin means exactly as eegi's `erp` extractor:
m = round(n_times * rate / fs) bins, bin k = samples floor(k n/m) .. floor((k+1) n/m).

Cases (numpy.random.default_rng(11)): "two_classes": 8 channels, 100 Hz, 0.4 s epochs (40
samples), 30 epochs of correlated noise, class "target" with a planted 2-component ERP;
"three_classes": 6 channels, 3 classes of unequal sizes, 64 Hz, 0.5 s (32 samples), rate 16 Hz.

eegi normalises each filter's sign (largest-magnitude weight positive; eigenvectors have none),
so the test compares filters, and features, up to each filter's sign.

How to run (from the repository root), with pyriemann installed (e.g. a venv:
`python3 -m venv /work/pyref && /work/pyref/bin/pip install pyriemann`):

    /work/pyref/bin/python tests/reference/make_xdawn_reference.py
"""

import json
import os
import platform

import numpy as np
import pyriemann
import scipy
from pyriemann.spatialfilters import Xdawn

HERE = os.path.dirname(os.path.abspath(__file__))


def bin_means(x, fs, rate):
    """x: (..., n_times) -> (..., m) bin means as eegi's erp extractor."""
    n = x.shape[-1]
    m = min(max(int(round(n * rate / fs)), 1), n)
    edges = [k * n // m for k in range(m + 1)]
    return np.stack([x[..., edges[k]:edges[k + 1]].mean(axis=-1) for k in range(m)], axis=-1)


def case(rng, n_ch, fs, n_t, counts, rate):
    mixing = rng.normal(size=(n_ch, n_ch)) / np.sqrt(n_ch) + np.eye(n_ch)
    t = np.arange(n_t) / fs
    X, y = [], []
    for c, n in enumerate(counts):
        # each class a different planted waveform and topography (class 0: none)
        wave = c * (np.sin(2 * np.pi * 3 * t) * np.exp(-((t - 0.2) / 0.08) ** 2))
        wave2 = c * 0.5 * np.exp(-((t - 0.1) / 0.05) ** 2)
        topo = rng.normal(size=n_ch)
        topo2 = rng.normal(size=n_ch)
        for _ in range(n):
            noise = mixing @ rng.normal(size=(n_ch, n_t)) * 3.0
            X.append(noise + np.outer(topo, wave) * 4.0 + np.outer(topo2, wave2) * 3.0)
            y.append(c)
    X = np.array(X)
    y = np.array(y)
    xd = Xdawn(nfilter=4).fit(X, y)
    features = bin_means(xd.transform(X), fs, rate).reshape(len(X), -1)
    return {
        "sample_rate_hz": fs,
        "rate_hz": rate,
        "n_filters": 4,
        "epochs": X.tolist(),  # epochs x channels x samples, as pyriemann
        "y": y.tolist(),
        "filters": xd.filters_.tolist(),
        "features": features.tolist(),  # epochs x (filters x bins), filter-major
    }


def main():
    rng = np.random.default_rng(11)
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "pyriemann": pyriemann.__version__,
        },
        "cases": {
            "two_classes": case(rng, 8, 100.0, 40, [18, 12], 20.0),
            "three_classes": case(rng, 6, 64.0, 32, [10, 14, 8], 16.0),
        },
    }
    with open(os.path.join(HERE, "xdawn.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
