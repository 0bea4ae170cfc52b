#!/usr/bin/env python3
"""The Python peer of event-locked `eegi evaluate` (issue 18), one pipeline per process so that
its wall time (imports included) compares with one `eegi evaluate` run.

Protocol (eegi's `--epoch 0:0.8 --bandpass 1-10 --cv by-recording --permutations 0`):
  read      each recording with pandas.read_csv (C engine; pyarrow is not installed), its
            `_events.csv` with the csv module
  filter    scipy.signal.butter(4, [1, 10], "bandpass", output="sos") + sosfiltfilt over each
            whole recording (eegi's zero-phase Butterworth, --filter-order 4)
  epochs    one per event, samples round(onset*fs) .. + round(0.8*fs) (Rust rounding), an epoch
            running off the recording dropped; no baseline (eegi's default)
  pipelines bandpower  Welch log10 band power (hann, nperseg = the epoch up to 1 s, 50 %
                       overlap; delta 1-4, theta 4-8, alpha 8-13, beta 13-30, gamma 30-45 Hz)
                       + StandardScaler + LogisticRegression(class_weight="balanced", C=1)
            erp        bin means at 20 Hz of every channel + StandardScaler +
                       LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto", equal priors)
            xdawn      pyriemann.spatialfilters.Xdawn(nfilter=4) + the same bin means,
                       StandardScaler and shrinkage LDA
  folds     LeaveOneGroupOut over recordings; cross_val_predict(method="predict_proba")
  score     balanced accuracy (mean recall over classes) of the argmax of the pooled
            out-of-fold probabilities: eegi's report field `balanced_accuracy`

Usage: /work/venv/bin/python bench/evaluate_peer.py PIPELINE RECORDING.csv ...
Prints one JSON line: pipeline, epochs, features, balanced_accuracy, seconds per stage.
"""

import csv
import json
import sys
import time

t_start = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.signal  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402

BANDS = [(1.0, 4.0), (4.0, 8.0), (8.0, 13.0), (13.0, 30.0), (30.0, 45.0)]
EPOCH = (0.0, 0.8)
BANDPASS = (1.0, 10.0)


def rround(v):
    """Rust's f64::round: half away from zero."""
    return int(np.floor(abs(v) + 0.5) * np.sign(v))


def epochs(paths):
    """Epochs (n x channels x samples), class of each, recording of each, sample rate."""
    X, labels, rec = [], [], []
    fs = None
    for r, path in enumerate(paths):
        data = pd.read_csv(path, engine="c", dtype=np.float64).to_numpy()
        fs = round(1.0 / np.median(np.diff(data[:1000, 0])))
        sos = scipy.signal.butter(4, BANDPASS, "bandpass", fs=fs, output="sos")
        x = scipy.signal.sosfiltfilt(sos, data[:, 1:], axis=0)
        length = rround((EPOCH[1] - EPOCH[0]) * fs)
        with open(path[:-4] + "_events.csv", newline="") as f:
            events = [(float(e["onset_s"]), e["label"]) for e in csv.DictReader(f)]
        for onset, label in sorted(events, key=lambda e: e[0]):
            st = rround((onset + EPOCH[0]) * fs)
            if st >= 0 and st + length <= x.shape[0]:
                X.append(x[st:st + length].T)
                labels.append(label)
                rec.append(r)
    classes = sorted(set(labels))
    return np.stack(X), np.array([classes.index(v) for v in labels]), np.array(rec), float(fs)


def band_power(fs):
    def f(X):
        n = X.shape[-1]
        nperseg = rround(min(1.0, n / fs) * fs)
        freqs, psd = scipy.signal.welch(X, fs=fs, window="hann", nperseg=nperseg,
                                        noverlap=rround(0.5 * nperseg), detrend="constant",
                                        axis=-1)
        df = fs / nperseg
        bp = np.stack([psd[..., (freqs >= lo) & (freqs < hi)].sum(axis=-1) * df
                       for lo, hi in BANDS], axis=-1)
        return np.log10(np.maximum(bp, 1e-300)).reshape(X.shape[0], -1)
    return FunctionTransformer(f)


def bin_means(fs, rate=20.0):
    def f(X):
        n = X.shape[-1]
        m = max(1, rround(n * rate / fs))
        edges = [k * n // m for k in range(m + 1)]
        return np.stack([X[..., a:b].mean(axis=-1) for a, b in zip(edges, edges[1:])],
                        axis=-1).reshape(X.shape[0], -1)
    return FunctionTransformer(f)


def lda(k):
    return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto", priors=[1.0 / k] * k)


def main():
    pipeline, paths = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    X, y, rec, fs = epochs(paths)
    k = int(y.max()) + 1
    t1 = time.perf_counter()
    if pipeline == "bandpower":
        # features need no fit: computed once, as eegi does
        X = band_power(fs).transform(X)
        model = make_pipeline(StandardScaler(),
                              LogisticRegression(class_weight="balanced", C=1.0, max_iter=5000))
    elif pipeline == "erp":
        X = bin_means(fs).transform(X)
        model = make_pipeline(StandardScaler(), lda(k))
    elif pipeline == "xdawn":
        from pyriemann.spatialfilters import Xdawn
        model = make_pipeline(Xdawn(nfilter=4), bin_means(fs), StandardScaler(), lda(k))
    else:
        raise SystemExit(f"{pipeline}: expected bandpower, erp or xdawn")
    t2 = time.perf_counter()
    proba = cross_val_predict(model, X, y, groups=rec, cv=LeaveOneGroupOut(),
                              method="predict_proba")
    ba = balanced_accuracy_score(y, np.argmax(proba, axis=1))
    t3 = time.perf_counter()
    print(json.dumps({
        "pipeline": pipeline, "epochs": int(len(y)), "input_shape": list(X.shape[1:]),
        "balanced_accuracy": ba, "imports_s": round(t0 - t_start, 3),
        "read_filter_epoch_s": round(t1 - t0, 3), "features_s": round(t2 - t1, 3),
        "cv_s": round(t3 - t2, 3),
    }))


if __name__ == "__main__":
    main()
