#!/usr/bin/env python3
"""scikit-learn peer numbers for eegi on the real recordings (log band power + logistic regression).

Features, per window and per channel: Welch PSD (hann, nperseg = round(min(1.0 s, window) * fs),
noverlap = round(0.5 * nperseg), detrend='constant', scaling='density'), band power by the eegi
integration rule (df = fs/nperseg; df * sum of psd[k] with lo <= freqs[k] < hi), then log10.
Feature vector is channel-major: ch0_delta, ch0_theta, ..., ch1_delta, ...
Model: Pipeline(StandardScaler, LogisticRegression(class_weight='balanced', C=1.0, max_iter=5000)),
scored with cross_val_score(cv=StratifiedKFold(5, shuffle=False), scoring='balanced_accuracy').

Datasets (under DATA_DIR/<dataset>/recordings/):
  eyes_open_vs_closed   eegmmidb_s001 S001R01 + S001R02, 2 s windows, 1 s step, wholly inside each
                        labelled segment; windows in order R01 then R02.
  imagined_left_right   eegmmidb_s001 S001R04, R08, R12, imagined_left_fist vs imagined_right_fist,
                        epoch start round((onset+0.5)*fs), length round(2.0*fs).
  errp                  errp_bcifes, all 16 recordings in sorted file order, epoch start
                        round(onset*fs), length round(1.5*fs) = 24; bands delta 1-4, theta 4-8 only.

Usage (from the repository root):
    /tmp/v/bin/python tests/reference/sklearn_baselines.py [DATA_DIR]   # default ../shared/data
Output of a run is kept in tests/reference/sklearn_baselines.txt.
"""

import csv
import json
import os
import platform
import sys
import warnings

import numpy as np
import scipy
import scipy.signal
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

BANDS5 = [("delta", 1.0, 4.0), ("theta", 4.0, 8.0), ("alpha", 8.0, 13.0),
          ("beta", 13.0, 30.0), ("gamma", 30.0, 45.0)]
BANDS2 = BANDS5[:2]


def rnd(v):
    """round() that refuses exact .5 ties (Python rounds half to even, Rust half away from 0)."""
    r = round(v)
    assert abs(abs(v - int(v)) - 0.5) > 1e-9, f"exact .5 tie at {v}"
    return int(r)


def load_recording(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    events = []
    with open(path[:-4] + "_events.csv", newline="") as f:
        for row in csv.DictReader(f):
            events.append((float(row["onset_s"]), float(row["duration_s"]), row["label"]))
    return data[:, 1:], events  # drop the time column


def features(window, fs, bands):
    """window: samples x channels -> channel-major log10 band powers."""
    nperseg = rnd(min(1.0, window.shape[0] / fs) * fs)
    noverlap = rnd(0.5 * nperseg)
    freqs, psd = scipy.signal.welch(window.T, fs=fs, window="hann", nperseg=nperseg,
                                    noverlap=noverlap, detrend="constant",
                                    scaling="density", axis=-1)
    df = fs / nperseg
    bp = np.stack([psd[:, (freqs >= lo) & (freqs < hi)].sum(axis=1) * df
                   for _, lo, hi in bands], axis=1)  # channels x bands
    return np.log10(bp).ravel()  # channel-major


def evaluate(name, X, labels, classes):
    y = np.array([classes.index(l) for l in labels])
    pipe = Pipeline([("scaler", StandardScaler()),
                     ("clf", LogisticRegression(class_weight="balanced", C=1.0, max_iter=5000))])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(5, shuffle=False),
                                 scoring="balanced_accuracy")
    counts = ", ".join(f"{c}={int(np.sum(y == i))}" for i, c in enumerate(classes))
    folds = ", ".join(repr(float(s)) for s in scores)
    print(f"{name}: n_features={X.shape[1]} windows {counts}; balanced accuracy mean "
          f"{float(scores.mean())!r}; folds [{folds}]")
    for wi in w:
        print(f"  warning: {wi.category.__name__}: {str(wi.message).splitlines()[0]}")


def main():
    repo = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "..", "shared", "data")
    data_dir = os.path.abspath(data_dir)
    print(f"# generated_with python {platform.python_version()}, numpy {np.__version__}, "
          f"scipy {scipy.__version__}, sklearn {sklearn.__version__}")
    print("# features: Welch(hann, nperseg=round(min(1 s, window)*fs), noverlap=round(nperseg/2)) "
          "-> band power (lo <= f < hi, * fs/nperseg) -> log10, channel-major")
    print("# model: StandardScaler + LogisticRegression(class_weight='balanced', C=1, "
          "max_iter=5000); StratifiedKFold(5, shuffle=False), balanced accuracy")

    # --- eegmmidb eyes open vs closed
    ds = os.path.join(data_dir, "eegmmidb_s001")
    fs = json.load(open(os.path.join(ds, "manifest.json")))["fs_hz"]
    X, labels = [], []
    win, step = rnd(2.0 * fs), rnd(1.0 * fs)
    for rec in ["S001R01", "S001R02"]:
        x, events = load_recording(os.path.join(ds, "recordings", rec + ".csv"))
        for onset, dur, label in events:
            s0, s1 = rnd(onset * fs), rnd((onset + dur) * fs)
            s1 = min(s1, x.shape[0])
            st = s0
            while st + win <= s1:
                X.append(features(x[st:st + win], fs, BANDS5))
                labels.append(label)
                st += step
    evaluate("eegmmidb_s001 eyes_open vs eyes_closed (R01+R02, 2 s windows, 1 s step)",
             np.array(X), labels, ["eyes_open", "eyes_closed"])

    # --- eegmmidb imagined left vs right fist
    X, labels = [], []
    cls = ["imagined_left_fist", "imagined_right_fist"]
    length = rnd(2.0 * fs)
    for rec in ["S001R04", "S001R08", "S001R12"]:
        x, events = load_recording(os.path.join(ds, "recordings", rec + ".csv"))
        for onset, dur, label in events:
            if label not in cls:
                continue
            st = rnd((onset + 0.5) * fs)
            assert st + length <= x.shape[0]
            X.append(features(x[st:st + length], fs, BANDS5))
            labels.append(label)
    evaluate("eegmmidb_s001 imagined_left_fist vs imagined_right_fist (R04,R08,R12, 0.5-2.5 s)",
             np.array(X), labels, cls)

    # --- errp_bcifes
    ds = os.path.join(data_dir, "errp_bcifes")
    fs = json.load(open(os.path.join(ds, "manifest.json")))["fs_hz"]
    recs = sorted(f[:-4] for f in os.listdir(os.path.join(ds, "recordings"))
                  if f.endswith(".csv") and not f.endswith("_events.csv"))
    assert len(recs) == 16, recs
    X, labels = [], []
    length = rnd(1.5 * fs)
    for rec in recs:
        x, events = load_recording(os.path.join(ds, "recordings", rec + ".csv"))
        for onset, dur, label in events:
            st = rnd(onset * fs)
            assert st + length <= x.shape[0]
            X.append(features(x[st:st + length], fs, BANDS2))
            labels.append(label)
    evaluate("errp_bcifes error vs correct (16 recordings, 0-1.5 s, delta+theta)",
             np.array(X), labels, ["error", "correct"])


if __name__ == "__main__":
    main()
