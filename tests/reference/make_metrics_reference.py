#!/usr/bin/env python3
"""Reference values for `eegi evaluate`'s metrics and group-aware splits, from scikit-learn.

Writes tests/reference/report_metrics.json (overwritten on every run):

  metrics   cases of (y_true, proba) -- windows x classes, rows summing to 1, with deliberate
            ties in the scores and classes that are never predicted -- and scikit-learn's:
              accuracy_score, balanced_accuracy_score, f1_score(average="macro") (default
              labels: classes in y_true or y_pred), cohen_kappa_score,
              precision_recall_fscore_support(labels=range(K), zero_division=0),
              roc_auc_score (binary: proba[:, 1]; multiclass: multi_class="ovr",
              average="macro"), log_loss(labels=range(K)), confusion_matrix(labels=range(K)).
            The predicted class is argmax(proba) (first maximum on ties), as eegi.
  group_kfold
            StratifiedGroupKFold(n_splits, shuffle=False) test fold of every sample for random
            labels and group ids numbered in order of first appearance.

Deterministic: numpy.random.default_rng with fixed seeds. Run from the repository root:

    /work/pyref/bin/python tests/reference/make_metrics_reference.py
(any Python with numpy and scikit-learn; the versions used are recorded in "generated_with").
"""

import json
import os
import platform

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, cohen_kappa_score,
                             confusion_matrix, f1_score, log_loss,
                             precision_recall_fscore_support, roc_auc_score)
from sklearn.model_selection import StratifiedGroupKFold

HERE = os.path.dirname(os.path.abspath(__file__))


def metric_case(name, y, proba):
    k = proba.shape[1]
    pred = np.argmax(proba, axis=1)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(range(k)),
                                                 zero_division=0)
    if k == 2:
        auc = float(roc_auc_score(y, proba[:, 1]))
    else:
        auc = float(roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    return {
        "name": name,
        "y_true": [int(v) for v in y],
        "proba": proba.tolist(),
        "accuracy": float(accuracy_score(y, pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro")),
        "kappa": float(cohen_kappa_score(y, pred)),
        "roc_auc": auc,
        "log_loss": float(log_loss(y, proba, labels=list(range(k)))),
        "precision": p.tolist(),
        "recall": r.tolist(),
        "f1": f.tolist(),
        "support": [int(v) for v in s],
        "confusion_matrix": confusion_matrix(y, pred, labels=list(range(k))).tolist(),
    }


def random_proba(rng, n, k, ties=False, sharp=1.0):
    z = rng.normal(size=(n, k)) * sharp
    if ties:
        z = np.round(z, 1)  # many equal scores
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    rng = np.random.default_rng(20261127)
    cases = []
    y = rng.integers(0, 2, 40)
    cases.append(metric_case("binary", y, random_proba(rng, 40, 2)))
    y = rng.integers(0, 2, 30)
    cases.append(metric_case("binary_ties", y, random_proba(rng, 30, 2, ties=True)))
    # informative 3-class probabilities
    y = rng.integers(0, 3, 60)
    z = rng.normal(size=(60, 3))
    z[np.arange(60), y] += 1.0
    e = np.exp(z)
    cases.append(metric_case("three_informative", y, e / e.sum(axis=1, keepdims=True)))
    y = rng.integers(0, 5, 75)
    cases.append(metric_case("five_ties", y, random_proba(rng, 75, 5, ties=True)))
    # class 2 is never predicted, and some probabilities are exactly 0 and 1 (clipping)
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 2])
    proba = np.array([[1.0, 0.0, 0.0], [0.2, 0.8, 0.0], [0.5, 0.4, 0.1], [0.6, 0.3, 0.1],
                      [0.1, 0.9, 0.0], [0.45, 0.45, 0.1], [0.3, 0.7, 0.0], [0.7, 0.3, 0.0],
                      [0.0, 1.0, 0.0], [0.34, 0.33, 0.33]])
    cases.append(metric_case("never_predicted_and_clipped", y, proba))

    splits = []
    for seed, n, k, n_groups, n_splits in [(1, 60, 2, 20, 5), (2, 90, 3, 25, 4),
                                           (3, 45, 2, 45, 5), (4, 120, 5, 30, 3)]:
        r = np.random.default_rng(seed)
        g_raw = np.sort(r.integers(0, n_groups, n))
        # number groups in order of first appearance (eegi's numbering)
        _, first = np.unique(g_raw, return_index=True)
        order = {int(g): i for i, g in enumerate(g_raw[np.sort(first)])}
        groups = np.array([order[int(g)] for g in g_raw])
        y = r.integers(0, k, n)
        fold = np.zeros(n, dtype=int)
        for f, (_, test) in enumerate(
                StratifiedGroupKFold(n_splits, shuffle=False).split(np.zeros(n), y, groups)):
            fold[test] = f
        splits.append({"y": y.tolist(), "groups": groups.tolist(), "n_splits": n_splits,
                       "test_fold": fold.tolist()})

    out = {
        "generated_with": {"python": platform.python_version(), "numpy": np.__version__,
                           "sklearn": sklearn.__version__},
        "metrics": cases,
        "group_kfold": splits,
    }
    with open(os.path.join(HERE, "report_metrics.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
