#!/usr/bin/env python3
"""Reference values for the eegi Rust tests, computed with numpy / scipy / scikit-learn.

What it produces (all in tests/reference/, overwritten on every run):

  welch_bandpower.json  scipy.signal.welch PSDs of channels FC5, Cz, O1 of data/eyes_open.csv
                        (64 ch, 160 Hz, uV) for four window / nperseg / noverlap cases, plus
                        absolute, log10 and relative band power (delta 1-4, theta 4-8,
                        alpha 8-13, beta 13-30, gamma 30-45 Hz) by the integration rule:
                          df = fs / nperseg
                          band power = df * sum(psd[k] for lo <= freqs[k] < hi)   (half-open)
                          relative   = band power / (df * sum(psd[k] for 1 <= freqs[k] < 45))
                        Bin membership uses the freqs exactly as scipy returns them.
  metrics.json          sklearn balanced_accuracy_score cases (key "balanced_accuracy") and
                        StratifiedKFold(shuffle=False) test-fold assignments ("stratified_kfold").
  logistic.json         sklearn LogisticRegression(class_weight='balanced', lbfgs, tol=1e-10)
                        fits on standardised random data: coef, intercept, predict_proba and the
                        objective 0.5*||coef||_F^2 + C*sum_i w_i*(-log p(y_i|x_i)),
                        w_i = n / (K * n_{y_i}). Includes class sizes that do not divide
                        each other (31/58, 17/29/53).

Every JSON carries "generated_with" = {python, numpy, scipy, sklearn} versions.
Deterministic: all random data come from numpy.random.default_rng with fixed seeds.

How to run (from the repository root):

    python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy scipy scikit-learn \
        && /tmp/v/bin/python tests/reference/make_reference.py
"""

import csv
import json
import math
import os
import platform
import warnings

import numpy as np
import scipy
import scipy.signal
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))

GENERATED_WITH = {
    "python": platform.python_version(),
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "sklearn": sklearn.__version__,
}

BANDS = [["delta", 1.0, 4.0], ["theta", 4.0, 8.0], ["alpha", 8.0, 13.0],
         ["beta", 13.0, 30.0], ["gamma", 30.0, 45.0]]


def write_json(name, obj):
    obj = dict(obj)
    obj["generated_with"] = GENERATED_WITH
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        # python floats are written with repr (shortest round-trip); NaN/inf are refused
        json.dump(obj, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote", os.path.relpath(path, REPO))


def fl(a):
    """numpy array -> nested lists of python floats."""
    return np.asarray(a, dtype=np.float64).tolist()


# ---------------------------------------------------------------- 1. Welch band power

def load_csv(path):
    with open(path, newline="") as f:
        header = next(csv.reader(f))
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    return header[1:], data[:, 1:]  # drop the time column


def band_powers(freqs, psd, fs, nperseg, bands):
    """The integration rule shared with the Rust implementation (psd: channels x freqs)."""
    df = fs / nperseg
    absolute = np.empty((psd.shape[0], len(bands)))
    for j, (_, lo, hi) in enumerate(bands):
        mask = (freqs >= lo) & (freqs < hi)
        absolute[:, j] = psd[:, mask].sum(axis=1) * df
    lo_all = min(b[1] for b in bands)
    hi_all = max(b[2] for b in bands)
    tmask = (freqs >= lo_all) & (freqs < hi_all)
    total = psd[:, tmask].sum(axis=1) * df
    return absolute, np.log10(absolute), absolute / total[:, None]


def make_welch():
    fs = 160.0
    names, x = load_csv(os.path.join(REPO, "data", "eyes_open.csv"))
    assert x.shape[1] == 64, x.shape
    chans = ["FC5", "Cz", "O1"]
    idx = [names.index(c) for c in chans]
    specs = [
        ("two_second_default", 160 * 3, 320, 160, 80),
        ("one_and_half_second_quarter_overlap", 1000, 240, 80, 20),
        ("odd_segment", 2000, 320, 65, 33),
        ("single_segment", 4000, 80, 80, 0),
    ]
    cases = []
    notes = []
    for name, start, length, nperseg, noverlap in specs:
        seg = x[start:start + length, idx].T  # channels x samples
        assert seg.shape == (3, length)
        freqs, psd = scipy.signal.welch(
            seg, fs=fs, window="hann", nperseg=nperseg, noverlap=noverlap, nfft=None,
            detrend="constant", return_onesided=True, scaling="density", average="mean",
            axis=-1)
        # how scipy's freqs relate to k*fs/nperseg, and whether any bin sits on a band edge
        k = np.arange(len(freqs))
        exact = k * fs / nperseg
        n_diff = int(np.sum(freqs != exact))
        edges = sorted({b[1] for b in BANDS} | {b[2] for b in BANDS})
        on_edge = [e for e in edges if np.any(freqs == e)]
        for e in edges:  # membership must not depend on the last ulp
            assert np.array_equal(freqs >= e, exact >= e), (name, e)
        notes.append(f"{name}: {n_diff} of {len(freqs)} scipy freqs differ from k*fs/nperseg "
                     f"in the last ulp; bins exactly on band edges: {on_edge}")
        absolute, log10, rel = band_powers(freqs, psd, fs, nperseg, BANDS)
        cases.append({
            "name": name,
            "sample_rate_hz": fs,
            "window_start_sample": start,
            "window_len": length,
            "nperseg": nperseg,
            "noverlap": noverlap,
            "channels": chans,
            "channel_indices": idx,
            "bands": BANDS,
            "freqs": fl(freqs),
            "psd": fl(psd),
            "band_power": fl(absolute),
            "log10_band_power": fl(log10),
            "relative_band_power": fl(rel),
        })
    write_json("welch_bandpower.json", {
        "source": "data/eyes_open.csv",
        "welch": "scipy.signal.welch(window='hann', detrend='constant', scaling='density', "
                 "average='mean', return_onesided=True, nfft=None)",
        "integration_rule": "df = fs/nperseg; band = df*sum(psd[k], lo <= freqs[k] < hi); "
                            "relative = band / (df*sum(psd[k], 1 <= freqs[k] < 45))",
        "notes": notes,
        "cases": cases,
    })


# ---------------------------------------------------------------- 2. metrics

def make_metrics():
    rng = np.random.default_rng(20240601)
    ba_cases = []

    def ba_case(K, y_true, y_pred, note):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "y_pred contains classes not in y_true"
            v = balanced_accuracy_score(y_true, y_pred)
        ba_cases.append({"note": note, "n_classes": K, "y_true": [int(a) for a in y_true],
                         "y_pred": [int(a) for a in y_pred], "balanced_accuracy": float(v)})

    def noisy(y, K, p_correct):
        flip = rng.random(len(y)) >= p_correct
        out = np.array(y)
        out[flip] = rng.integers(0, K, size=int(flip.sum()))
        return out

    # 1: balanced binary, n=10
    y = rng.permutation(np.repeat([0, 1], 5))
    ba_case(2, y, noisy(y, 2, 0.6), "binary balanced, n=10")
    # 2: imbalanced binary 80/20, n=50
    y = rng.permutation(np.repeat([0, 1], [40, 10]))
    ba_case(2, y, noisy(y, 2, 0.7), "binary imbalanced 80/20, n=50")
    # 3: 3 classes, random labels, n=33
    y = rng.integers(0, 3, size=33)
    ba_case(3, y, noisy(y, 3, 0.5), "3 classes random, n=33")
    # 4: 5 classes imbalanced, n=60
    y = rng.permutation(np.repeat([0, 1, 2, 3, 4], [25, 15, 10, 6, 4]))
    ba_case(5, y, noisy(y, 5, 0.55), "5 classes imbalanced 25/15/10/6/4, n=60")
    # 5: y_pred has a class absent from y_true (K=3, y_true only 0 and 1); sklearn warns
    #    and averages recall over the classes present in y_true only
    y = rng.permutation(np.repeat([0, 1], [14, 10]))
    p = noisy(y, 2, 0.6)
    p[rng.choice(len(y), size=5, replace=False)] = 2
    assert 2 in p and 2 not in y
    ba_case(3, y, p, "y_pred contains class 2 which never occurs in y_true (sklearn warns); "
                     "value = mean recall over classes present in y_true")
    # 6: 5 classes, y_pred never predicts class 4, n=45
    y = rng.integers(0, 5, size=45)
    p = noisy(y, 4, 0.4)
    p[p == 4] = 0
    ba_case(5, y, p, "5 classes random, n=45, y_pred never predicts class 4")

    skf_cases = []

    def skf_case(k, y, note):
        y = np.asarray(y)
        test_fold = np.full(len(y), -1)
        for f, (_, test) in enumerate(
                StratifiedKFold(n_splits=k, shuffle=False).split(np.zeros(len(y)), y)):
            assert np.all(test_fold[test] == -1)
            test_fold[test] = f
        assert np.all(test_fold >= 0)
        skf_cases.append({"note": note, "n_splits": k, "y": [int(a) for a in y],
                          "test_fold": [int(a) for a in test_fold]})

    skf_case(5, np.repeat([0, 1], [40, 40]), "balanced 2-class in blocks, 40 zeros then 40 ones")
    skf_case(5, rng.permutation(np.repeat([0, 1], [23, 61])), "imbalanced 2-class 23/61, random order")
    skf_case(3, rng.permutation(np.repeat([0, 1, 2], [17, 9, 30])), "3-class 17/9/30, random order")
    skf_case(10, rng.permutation(np.repeat([0, 1, 2, 3, 4], [12, 15, 20, 11, 25])),
             "5-class 12/15/20/11/25, random order, k=10")
    skf_case(10, rng.permutation(np.repeat([0, 1], [50, 50])), "balanced 2-class 50/50, random order, k=10")
    y = rng.permutation(np.repeat([0, 1, 2], [13, 8, 21]))
    if y[0] != 2:  # make the first sample class 2 (class order != label order in the input)
        j = int(np.argmax(y == 2))
        y[0], y[j] = y[j], y[0]
    skf_case(4, y, "3-class 13/8/21, random order, first sample is class 2, k=4")

    write_json("metrics.json", {"balanced_accuracy": ba_cases, "stratified_kfold": skf_cases})


# ---------------------------------------------------------------- 3. logistic regression

def objective(coef, proba, y, C):
    n = len(y)
    classes, counts = np.unique(y, return_counts=True)
    K = len(classes)
    w = n / (K * counts[np.searchsorted(classes, y)])
    ll = -np.log(proba[np.arange(n), y])
    return 0.5 * float(np.sum(coef ** 2)) + C * float(np.sum(w * ll))


def independent_fit(x, y, C, K):
    """Minimise the stated objective directly with scipy (sanity check of sklearn's fit)."""
    from scipy.optimize import minimize
    from scipy.special import logsumexp
    n, d = x.shape
    classes, counts = np.unique(y, return_counts=True)
    w = n / (K * counts[y])
    if K == 2:
        def f(theta):
            b, c = theta[0], theta[1:]
            z = x @ c + b
            s = np.where(y == 1, 1.0, -1.0)
            ll = np.logaddexp(0.0, -s * z)
            g = -s * w * C * (1.0 / (1.0 + np.exp(s * z)))
            return 0.5 * c @ c + C * np.sum(w * ll), np.concatenate([[g.sum()], c + x.T @ g])
        r = minimize(f, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                     options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 100000})
        return r.x[1:][None, :], r.x[:1], r.fun
    Y = np.eye(K)[y]

    def f(theta):
        W = theta[:K * d].reshape(K, d)
        b = theta[K * d:]
        Z = x @ W.T + b
        logp = Z - logsumexp(Z, axis=1, keepdims=True)
        G = C * w[:, None] * (np.exp(logp) - Y)
        val = 0.5 * np.sum(W ** 2) - C * np.sum(w * np.sum(Y * logp, axis=1))
        return val, np.concatenate([(W + G.T @ x).ravel(), G.sum(axis=0)])
    r = minimize(f, np.zeros(K * d + K), jac=True, method="L-BFGS-B",
                 options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 100000})
    return r.x[:K * d].reshape(K, d), r.x[K * d:], r.fun


def make_logistic():
    rng = np.random.default_rng(7)
    d = 6
    specs = [("binary_30_60_C1", [30, 60], 1.0),
             ("binary_40_40_C0.5", [40, 40], 0.5),
             ("multiclass_20_40_80_C1", [20, 40, 80], 1.0),
             # class sizes that do not divide each other: balancing by replicating rows cannot
             # reproduce these weights exactly, per-sample weights do
             ("binary_uneven_31_58_C1", [31, 58], 1.0),
             ("multiclass_uneven_17_29_53_C0.3", [17, 29, 53], 0.3)]
    cases = []
    for name, counts, C in specs:
        K = len(counts)
        means = rng.normal(0.0, 0.6, size=(K, d))  # class-dependent shift, overlapping classes
        y = rng.permutation(np.repeat(np.arange(K), counts))
        raw = rng.normal(size=(len(y), d)) + means[y]
        x = StandardScaler().fit_transform(raw)
        clf = LogisticRegression(C=C, class_weight="balanced", solver="lbfgs", tol=1e-10,
                                 max_iter=10000)
        with warnings.catch_warnings():
            warnings.simplefilter("error", category=sklearn.exceptions.ConvergenceWarning)
            clf.fit(x, y)
        proba = clf.predict_proba(x)
        obj = objective(clf.coef_, proba, y, C)
        c2, b2, obj2 = independent_fit(x, y, C, K)
        diff = max(np.max(np.abs(c2 - clf.coef_)), np.max(np.abs(b2 - clf.intercept_)))
        assert diff < 1e-5, (name, diff)
        assert obj <= obj2 + 1e-9 * abs(obj2), (name, obj, obj2)
        cases.append({
            "name": name,
            "C": C,
            "classes": [int(c) for c in clf.classes_],
            "counts": counts,
            "x": fl(x),
            "y": [int(a) for a in y],
            "coef": fl(clf.coef_),
            "intercept": fl(clf.intercept_),
            "proba": fl(proba),
            "objective": obj,
            "n_iter": int(np.max(clf.n_iter_)),
        })
        print(f"  {name}: objective {obj!r}, independent scipy fit {float(obj2)!r}, "
              f"max |param diff| {diff:.2e}")
    write_json("logistic.json", {
        "model": "LogisticRegression(C=C, class_weight='balanced', solver='lbfgs', tol=1e-10, "
                 "max_iter=10000); multinomial for >2 classes (coef has K rows), one row for binary",
        "objective": "0.5*||coef||_F^2 + C*sum_i w_i*(-log p(y_i|x_i)), w_i = n/(K*n_{y_i}); "
                     "intercept not penalised",
        "cases": cases,
    })


if __name__ == "__main__":
    make_welch()
    make_metrics()
    make_logistic()
