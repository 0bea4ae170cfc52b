#!/usr/bin/env python3
"""The comparison of `eegi evaluate --compare all` in scikit-learn / pyriemann / MNE, for timing
and for the scores: the presets Python expresses, each a scikit-learn Pipeline scored with
`cross_val_score(scoring="balanced_accuracy")` on the SAME folds as eegi (read from the
`fold_of_window` list of eegi's JSON report, --folds-from; else StratifiedKFold(shuffle=False)
or LeaveOneGroupOut over recordings).

Pipelines (eegi's settings: standardised features before a linear classifier, balanced L2
logistic regression with C = 1 = 1/--alpha, shrinkage LDA with equal priors, pyriemann 0.12):
  bandpower-logistic  Welch log band power (hann, 1 s or the window, 50 %) + StandardScaler +
                      LogisticRegression(class_weight="balanced")
  xdawn-lda           Xdawn(nfilter=4) waveforms in bin means at 20 Hz + StandardScaler +
                      LDA(solver="lsqr", shrinkage="auto", equal priors)
  xdawncov-logistic   XdawnCovariances(nfilter=4, estimator="lwf") + TangentSpace + LR
  erpcov-logistic     ERPCovariances(estimator="lwf") + TangentSpace + LR
  cov-logistic        Covariances("lwf") + TangentSpace + LR
                      (tangent vectors unstandardised, as pyriemann's pipelines and eegi)
  cov-svm             Covariances("lwf") + TangentSpace + SVC(class_weight="balanced") (RBF,
                      gamma "scale": eegi's --svm-kernel default)
  cov-mdm             Covariances("lwf") + MDM
  csp-lda             mne.decoding.CSP(n_components=6, log=True) + scaler + shrinkage LDA
(erp-lda is eegi's own decimated waveform; Python has no stock transformer for it.)

Tasks (--task):
  fists   EEGMMIDB S001 R04/R08/R12, imagined left vs right fist, epoch 0.5-2.5 s, zero-phase
          Butterworth(4) 8-30 Hz band-pass of each recording, leave one run out
  finger  BCI II finger tapping (train.csv), epoch 0-0.5 s, 5-fold
  errp    errp_bcifes (16 recordings), epoch 0-1.5 s, bands delta 1-4 and theta 4-8 Hz, leave
          one recording out (the negative control)

Usage (from the repository root):
    /work/venv/bin/python bench/compare_sklearn.py --task fists [--folds-from eegi.json]
Prints one line per pipeline (fold mean balanced accuracy, SD, seconds) and the total time.
"""

import argparse
import csv
import glob
import json
import os
import time
import warnings

import mne
import numpy as np
import scipy.signal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (LeaveOneGroupOut, PredefinedSplit, StratifiedKFold,
                                     cross_val_score)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

mne.set_log_level("ERROR")
DATA = os.environ.get("EEGI_SHARED_DATA", "/work/shared/data")
DEFAULT_BANDS = [(1.0, 4.0), (4.0, 8.0), (8.0, 13.0), (13.0, 30.0), (30.0, 45.0)]


def rround(v):
    """Rust's f64::round: half away from zero."""
    return int(np.floor(abs(v) + 0.5) * np.sign(v))


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    fs = round(1.0 / np.median(np.diff(data[:, 0])))
    with open(path[:-4] + "_events.csv", newline="") as f:
        events = [(float(r["onset_s"]), r["label"]) for r in csv.DictReader(f)]
    return data[:, 1:], float(fs), events


def epochs(paths, epoch, labels, bandpass):
    """Epochs (n x channels x samples), labels, recording of each, sample rate."""
    X, y, rec = [], [], []
    for r, path in enumerate(paths):
        x, fs, events = load(path)
        if bandpass:
            sos = scipy.signal.butter(4, bandpass, "bandpass", fs=fs, output="sos")
            x = scipy.signal.sosfiltfilt(sos, x, axis=0)
        length = rround((epoch[1] - epoch[0]) * fs)
        for onset, label in sorted(events, key=lambda e: e[0]):
            if labels and label not in labels:
                continue
            st = rround((onset + epoch[0]) * fs)
            if st >= 0 and st + length <= x.shape[0]:
                X.append(x[st:st + length].T)
                y.append(label)
                rec.append(r)
    classes = sorted(set(y))
    return np.stack(X), np.array([classes.index(l) for l in y]), np.array(rec), fs


class BandPower(BaseEstimator, TransformerMixin):
    """Welch log10 band power per channel and band (channel-major), as eegi's bandpower."""

    def __init__(self, fs=160.0, bands=None):
        self.fs, self.bands = fs, bands

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        n = X.shape[-1]
        nperseg = rround(min(1.0, n / self.fs) * self.fs)
        f, psd = scipy.signal.welch(X, fs=self.fs, window="hann", nperseg=nperseg,
                                    noverlap=rround(0.5 * nperseg), detrend="constant", axis=-1)
        df = self.fs / nperseg
        bp = np.stack([psd[..., (f >= lo) & (f < hi)].sum(axis=-1) * df
                       for lo, hi in self.bands or DEFAULT_BANDS], axis=-1)
        return np.log10(np.maximum(bp, 1e-300)).reshape(X.shape[0], -1)


class BinMeans(BaseEstimator, TransformerMixin):
    """Waveforms in m = round(n * rate / fs) bins of means (eegi's erp/xdawn decimation)."""

    def __init__(self, fs=160.0, rate=20.0):
        self.fs, self.rate = fs, rate

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        n = X.shape[-1]
        m = max(1, rround(n * self.rate / self.fs))
        edges = [k * n // m for k in range(m + 1)]
        return np.stack([X[..., a:b].mean(axis=-1) for a, b in zip(edges, edges[1:])],
                        axis=-1).reshape(X.shape[0], -1)


def lr():
    return LogisticRegression(class_weight="balanced", C=1.0, max_iter=5000)


def lda(k):
    return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto", priors=[1.0 / k] * k)


def pipelines(fs, bands, k):
    from mne.decoding import CSP
    from pyriemann.classification import MDM
    from pyriemann.estimation import Covariances, ERPCovariances, XdawnCovariances
    from pyriemann.spatialfilters import Xdawn
    from pyriemann.tangentspace import TangentSpace
    return {
        "bandpower-logistic": lambda: make_pipeline(BandPower(fs, bands), StandardScaler(), lr()),
        "xdawn-lda": lambda: make_pipeline(Xdawn(nfilter=4), BinMeans(fs), StandardScaler(),
                                           lda(k)),
        "xdawncov-logistic": lambda: make_pipeline(XdawnCovariances(nfilter=4, estimator="lwf"),
                                                   TangentSpace(), lr()),
        "erpcov-logistic": lambda: make_pipeline(ERPCovariances(estimator="lwf"), TangentSpace(),
                                                 lr()),
        "cov-logistic": lambda: make_pipeline(Covariances("lwf"), TangentSpace(), lr()),
        "cov-mdm": lambda: make_pipeline(Covariances("lwf"), MDM()),
        "csp-lda": lambda: make_pipeline(CSP(n_components=6, log=True), StandardScaler(), lda(k)),
        "cov-svm": lambda: make_pipeline(Covariances("lwf"), TangentSpace(),
                                         SVC(class_weight="balanced")),
    }


TASKS = {
    "fists": dict(paths=[f"eegmmidb_s001/recordings/S001R{r:02d}.csv" for r in (4, 8, 12)],
                  epoch=(0.5, 2.5), labels=["imagined_left_fist", "imagined_right_fist"],
                  bandpass=(8.0, 30.0), cv="by-recording", bands=None),
    "finger": dict(paths=["bci2_iv_fingertap/recordings/train.csv"], epoch=(0.0, 0.5),
                   labels=None, bandpass=None, cv=5, bands=None),
    "errp": dict(paths=None, epoch=(0.0, 1.5), labels=None, bandpass=None, cv="by-recording",
                 bands=[(1.0, 4.0), (4.0, 8.0)]),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", choices=sorted(TASKS), required=True)
    ap.add_argument("--folds-from", help="eegi evaluate --compare --json output (fold_of_window)")
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--pipelines", help="comma-separated names (default: every pipeline)")
    a = ap.parse_args()
    only = set(a.pipelines.split(",")) if a.pipelines else None
    t = TASKS[a.task]
    paths = ([os.path.join(DATA, p) for p in t["paths"]] if t["paths"] else
             sorted(p for p in glob.glob(os.path.join(DATA, "errp_bcifes/recordings/*.csv"))
                    if not p.endswith("_events.csv")))
    t0 = time.perf_counter()
    X, y, rec, fs = epochs(paths, t["epoch"], t["labels"], t["bandpass"])
    t1 = time.perf_counter()
    if a.folds_from:
        with open(a.folds_from) as f:
            fold = np.array(json.load(f)["fold_of_window"])
        if len(fold) != len(y):
            raise SystemExit(f"{len(y)} epochs here, {len(fold)} in {a.folds_from}")
        cv, groups = PredefinedSplit(fold), None
    elif t["cv"] == "by-recording":
        cv, groups = LeaveOneGroupOut(), rec
    else:
        cv, groups = StratifiedKFold(t["cv"], shuffle=False), None
    print(f"{a.task}: {X.shape[0]} epochs x {X.shape[1]} channels x {X.shape[2]} samples, "
          f"{fs:g} Hz; load {t1 - t0:.2f} s")
    total = 0.0
    for name, make in pipelines(fs, t["bands"], len(set(y))).items():
        if only is not None and name not in only:
            continue
        c = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = cross_val_score(make(), X, y, groups=groups, cv=cv,
                                    scoring="balanced_accuracy", n_jobs=a.n_jobs,
                                    error_score="raise")
            line = f"{s.mean():.3f}  sd {s.std():.3f}  folds {' '.join(f'{v:.3f}' for v in s)}"
        except Exception as e:  # a pipeline that cannot run on these data, as eegi's skipped
            line = f"failed: {type(e).__name__}: {str(e).splitlines()[0][:100]}"
        dt = time.perf_counter() - c
        total += dt
        print(f"  {name:20s} {line}  ({dt:.2f} s)")
    print(f"total pipelines {total:.2f} s (load and epoching {t1 - t0:.2f} s more)")


if __name__ == "__main__":
    main()
