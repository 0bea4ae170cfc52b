#!/usr/bin/env python3
"""The protocol of `eegi evaluate --cv by-recording` in scikit-learn, for timing and comparison.

Protocol (the same as eegi's defaults):
  windows   sliding 2 s windows every 1 s wholly inside each labelled segment (all labels), or
            with --epoch START:END one window per event; a window running off the recording is
            dropped.
  features  per channel: Welch PSD (hann, nperseg = round(min(1 s, window) * fs),
            noverlap = round(nperseg / 2), detrend='constant', density), band power
            df * sum(psd[lo <= f < hi]) for delta 1-4, theta 4-8, alpha 8-13, beta 13-30,
            gamma 30-45 Hz, log10; channel-major.
  model     StandardScaler + LogisticRegression(class_weight='balanced', C=1, max_iter=5000).
  CV        LeaveOneGroupOut over recordings, cross_val_predict(method='predict_proba') pooled:
            balanced accuracy of the argmax (classes missing from a training fold get
            probability 0, as eegi).
  chance    N label permutations: the labels of events are shuffled within each recording
            (numpy default_rng(seed)), the whole CV refitted, p = (1 + #perm >= observed)/(1 + N).

Usage (from the repository root; times print on stderr-free stdout):
    /work/pyref/bin/python bench/evaluate_sklearn.py [--permutations N] [--epoch 0.5:2.5]
        [--labels a,b] [--n-jobs 2] RECORDING.csv ...
"""

import argparse
import csv
import time
import warnings

import numpy as np
import scipy.signal
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

BANDS = [(1.0, 4.0), (4.0, 8.0), (8.0, 13.0), (13.0, 30.0), (30.0, 45.0)]


def rround(v):
    """Rust's f64::round: half away from zero."""
    return int(np.floor(abs(v) + 0.5) * np.sign(v))


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    t = data[:, 0]
    fs = round(1.0 / np.median(np.diff(t)))
    events = []
    with open(path[:-4] + "_events.csv", newline="") as f:
        for row in csv.DictReader(f):
            events.append((float(row["onset_s"]), float(row["duration_s"]), row["label"]))
    return data[:, 1:], float(fs), events


def windows(n, fs, events, epoch, labels):
    out = []
    for ev_i, (onset, dur, label) in enumerate(events):
        if labels and label not in labels:
            continue
        if epoch:
            length = rround((epoch[1] - epoch[0]) * fs)
            st = rround((onset + epoch[0]) * fs)
            if st >= 0 and st + length <= n:
                out.append((st, label, ev_i))
        else:
            length, step = rround(2.0 * fs), rround(1.0 * fs)
            s0, s1 = rround(onset * fs), rround((onset + dur) * fs)
            if dur <= 0 or s1 - s0 < length:
                continue
            st = s0
            while st + length <= s1:
                if st + length <= n:
                    out.append((st, label, ev_i))
                st += step
    return out, length


def features(x, fs, starts, length):
    nperseg = rround(min(1.0, length / fs) * fs)
    segs = np.stack([x[s:s + length].T for s in starts])  # windows x channels x samples
    freqs, psd = scipy.signal.welch(segs, fs=fs, window="hann", nperseg=nperseg,
                                    noverlap=rround(0.5 * nperseg), detrend="constant",
                                    scaling="density", axis=-1)
    df = fs / nperseg
    bp = np.stack([psd[..., (freqs >= lo) & (freqs < hi)].sum(axis=-1) * df for lo, hi in BANDS],
                  axis=-1)
    return np.log10(np.maximum(bp, 1e-12)).reshape(len(starts), -1)


def pooled_score(X, y, groups, k):
    pipe = Pipeline([("scaler", StandardScaler()),
                     ("clf", LogisticRegression(class_weight="balanced", C=1.0, max_iter=5000))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = cross_val_predict(pipe, X, y, groups=groups, cv=LeaveOneGroupOut(),
                              method="predict_proba")
    # columns follow the classes of the whole y (0..k-1 all present)
    return balanced_accuracy_score(y, np.argmax(p, axis=1))


def permute(y, rec, unit, rng):
    yp = y.copy()
    for r in np.unique(rec):
        units = np.unique(unit[rec == r])
        labels = np.array([y[np.argmax(unit == u)] for u in units])
        rng.shuffle(labels)
        for u, l in zip(units, labels):
            yp[unit == u] = l
    return yp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recordings", nargs="+")
    ap.add_argument("--permutations", type=int, default=100)
    ap.add_argument("--epoch")
    ap.add_argument("--labels")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-jobs", type=int, default=2)
    a = ap.parse_args()
    epoch = tuple(float(v) for v in a.epoch.split(":")) if a.epoch else None
    labels = a.labels.split(",") if a.labels else None
    t0 = time.perf_counter()
    X, y_names, rec, unit = [], [], [], []
    for r, path in enumerate(a.recordings):
        x, fs, events = load(path)
        w, length = windows(x.shape[0], fs, events, epoch, labels)
        X.append(features(x, fs, [s for s, _, _ in w], length))
        y_names += [l for _, l, _ in w]
        rec += [r] * len(w)
        unit += [r * 100000 + e for _, _, e in w]
    X = np.vstack(X)
    classes = sorted(set(y_names))
    y = np.array([classes.index(l) for l in y_names])
    rec, unit = np.array(rec), np.array(unit)
    t1 = time.perf_counter()
    observed = pooled_score(X, y, rec, len(classes))
    t2 = time.perf_counter()
    rng = np.random.default_rng(a.seed)
    perms = [permute(y, rec, unit, rng) for _ in range(a.permutations)]
    scores = Parallel(n_jobs=a.n_jobs)(delayed(pooled_score)(X, yp, rec, len(classes))
                                       for yp in perms)
    t3 = time.perf_counter()
    p = (1 + sum(s >= observed for s in scores)) / (1 + len(scores))
    print(f"{X.shape[0]} windows x {X.shape[1]} features, {len(classes)} classes, "
          f"{len(a.recordings)} recordings")
    print(f"pooled leave-one-recording-out balanced accuracy {observed:.4f}; "
          f"{a.permutations} permutations: mean {np.mean(scores) if scores else float('nan'):.4f}, "
          f"p = {p:.4f}")
    print(f"time: load+features {t1 - t0:.2f} s, CV {t2 - t1:.2f} s, permutations {t3 - t2:.2f} s, "
          f"total {t3 - t0:.2f} s")


if __name__ == "__main__":
    main()
