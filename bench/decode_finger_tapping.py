#!/usr/bin/env python3
"""pyriemann's numbers on BCI Competition II data set IV (finger tapping), on the epochs and
folds of `eegi train train.csv --epoch 0:0.5 --labels left,right --features F --cv 5`.

Epochs: one per event of train_events.csv, samples [onset, onset + 0.5 s) of train.csv (50
samples × 28 channels at 100 Hz; no filter, no baseline: eegi's defaults). Labels: left = 0,
right = 1 (eegi's class order). Folds: scikit-learn StratifiedKFold(5, shuffle=False) on the
labels in time order, as eegi (the trials abut, so eegi purges no training window). Score: the
balanced accuracy of the pooled out-of-fold predictions (argmax of predict_proba), as eegi's
`cv_balanced_accuracy`; per-fold balanced accuracies too.

Pipelines, each refitted on every training fold:
  xdawncov  XdawnCovariances(nfilter=4, estimator="lwf") -> TangentSpace(metric="riemann")
  erpcov    ERPCovariances(estimator="lwf") -> TangentSpace(metric="riemann")
each followed by
  plain     LogisticRegression() (scikit-learn defaults: C=1, no class weights, no scaler;
            the pipeline of the issue's 0.839 / 0.804)
  eegi      LogisticRegression(class_weight="balanced", C=1, tol=1e-10, max_iter=100000), no
            scaler: eegi's --classifier logistic, which takes tangent vectors unstandardised
            (alpha = 1/C = 1), solved to convergence as eegi solves it
  scaled    StandardScaler + the same: what eegi did before tangent vectors skipped its scaler
  mdm       MDM() on the covariances (eegi --classifier mdm).

Usage (from the repository root):
    /work/venv/bin/python bench/decode_finger_tapping.py [DATA_DIR [KIND,... [HEAD,...]]]
DATA_DIR defaults to ../shared/data/bci2_iv_fingertap/recordings; KIND xdawncov,erpcov; HEAD
plain,eegi,scaled,mdm (all by default; erpcov's 84 x 84 covariances take minutes).
"""

import csv
import os
import sys

import numpy as np
import pyriemann
from pyriemann.classification import MDM
from pyriemann.estimation import ERPCovariances, XdawnCovariances
from pyriemann.tangentspace import TangentSpace
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load(folder):
    with open(os.path.join(folder, "train.csv")) as f:
        rows = list(csv.reader(f))
    x = np.array(rows[1:], dtype=float)[:, 1:]  # samples x channels (µV), time column dropped
    fs = 100.0
    X, y = [], []
    with open(os.path.join(folder, "train_events.csv")) as f:
        for ev in csv.DictReader(f):
            start = int(round(float(ev["onset_s"]) * fs))
            if start + 50 > len(x):
                continue
            X.append(x[start:start + 50].T)  # channels x samples, as pyriemann
            y.append({"left": 0, "right": 1}[ev["label"]])
    return np.array(X), np.array(y)


def covs(kind):
    if kind == "xdawncov":
        return XdawnCovariances(nfilter=4, estimator="lwf")
    return ERPCovariances(estimator="lwf")


def balanced():
    return LogisticRegression(class_weight="balanced", C=1.0, tol=1e-10, max_iter=100000)


def heads():
    return {
        "plain": lambda: [TangentSpace(metric="riemann"), LogisticRegression()],
        "eegi": lambda: [TangentSpace(metric="riemann"), balanced()],
        "scaled": lambda: [TangentSpace(metric="riemann"), StandardScaler(), balanced()],
        "mdm": lambda: [MDM()],
    }


def evaluate(X, y, kind, head):
    folds = StratifiedKFold(5, shuffle=False).split(np.zeros(len(y)), y)
    pred = np.zeros(len(y), dtype=int)
    per_fold = []
    for train, test in folds:
        model = make_pipeline(covs(kind), *heads()[head]())
        model.fit(X[train], y[train])
        pred[test] = np.argmax(model.predict_proba(X[test]), axis=1)
        per_fold.append(balanced_accuracy_score(y[test], pred[test]))
    return balanced_accuracy_score(y, pred), per_fold


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "shared", "data", "bci2_iv_fingertap", "recordings")
    folder = sys.argv[1] if len(sys.argv) > 1 else default
    X, y = load(folder)
    print(f"pyriemann {pyriemann.__version__}; {X.shape[0]} epochs x {X.shape[1]} channels x "
          f"{X.shape[2]} samples; left {np.sum(y == 0)}, right {np.sum(y == 1)}")
    kinds = sys.argv[2].split(",") if len(sys.argv) > 2 else ["xdawncov", "erpcov"]
    names = sys.argv[3].split(",") if len(sys.argv) > 3 else ["plain", "eegi", "scaled", "mdm"]
    for kind in kinds:
        for head in names:
            ba, per_fold = evaluate(X, y, kind, head)
            folds = " ".join(f"{v:.3f}" for v in per_fold)
            print(f"{kind:9} {head:6} balanced accuracy {ba:.3f} (per fold {folds})")


if __name__ == "__main__":
    main()
