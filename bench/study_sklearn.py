#!/usr/bin/env python3
"""The three study protocols of `eegi evaluate STUDY/ --protocol ...` in MNE + scikit-learn,
timed, for the comparison in docs/study.md (MOABB's WithinSession/CrossSession/CrossSubject
evaluations, written out with scikit-learn because MOABB cannot take a local BIDS folder as a
dataset without writing a dataset class).

Pipeline (eegi's `--epoch 0.5:2.5 --labels left_fist,right_fist --bands mu=8-13,beta=13-30`):
log10 Welch band power per channel (hann, nperseg = 1 s, half overlap, constant detrend),
StandardScaler + LogisticRegression(class_weight='balanced'), balanced accuracy.
  within-session  StratifiedKFold(5) per session, cross_val_score mean (MOABB's score)
  cross-session   LeaveOneGroupOut over the sessions of each subject
  cross-subject   LeaveOneGroupOut over subjects
The clock starts before the imports (the user waits for them too) and covers reading every
file with MNE.

Usage, from the repository root:
    /work/venv/bin/python bench/study_sklearn.py [STUDY] [--protocol within-session|cross-session|cross-subject]
"""

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import mne  # noqa: E402
import mne_bids  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import (LeaveOneGroupOut, StratifiedKFold,  # noqa: E402
                                     cross_val_score)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# the features of make_bids_study.py (the script that wrote the study), not a second copy
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "reference"))
from make_bids_study import band_power_epochs  # noqa: E402


def epochs(path):
    """Band-power features and labels of one recording's 0.5-2.5 s epochs."""
    return band_power_epochs(path, path.rsplit("_eeg", 1)[0] + "_events.tsv")


def model():
    return make_pipeline(StandardScaler(),
                         LogisticRegression(class_weight="balanced", max_iter=5000))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("study", nargs="?", default="tests/reference/bids_study")
    ap.add_argument("--protocol", default="within-session",
                    choices=["within-session", "cross-session", "cross-subject"])
    a = ap.parse_args()
    paths = mne_bids.find_matching_paths(a.study, suffixes="eeg",
                                         extensions=[".vhdr", ".edf", ".bdf"])
    data = {}
    for p in sorted(paths, key=lambda p: str(p.fpath)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data[(p.subject, p.session)] = epochs(str(p.fpath))
    scores = {}
    if a.protocol == "within-session":
        for (sub, ses), (x, y) in data.items():
            s = cross_val_score(model(), x, y, cv=StratifiedKFold(5), scoring="balanced_accuracy")
            scores.setdefault(sub, []).append(s.mean())
    else:
        subjects = sorted({s for s, _ in data})
        groups_of = (lambda sub, ses: ses) if a.protocol == "cross-session" else (lambda sub, ses: sub)
        units = [[k for k in data if k[0] == s] for s in subjects] \
            if a.protocol == "cross-session" else [list(data)]
        for keys in units:
            x = np.vstack([data[k][0] for k in keys])
            y = np.concatenate([data[k][1] for k in keys])
            g = np.concatenate([[groups_of(*k)] * len(data[k][1]) for k in keys])
            for tr, te in LeaveOneGroupOut().split(x, y, g):
                pred = model().fit(x[tr], y[tr]).predict(x[te])
                sub = keys[0][0] if a.protocol == "cross-session" else g[te][0]
                scores.setdefault(sub, []).append(balanced_accuracy_score(y[te], pred))
    for sub, s in sorted(scores.items()):
        print(f"sub-{sub}: " + ", ".join(f"{v:.3f}" for v in s) + f" (mean {np.mean(s):.3f})")
    print(f"{a.protocol}: {time.perf_counter() - T0:.2f} s wall, imports included")


if __name__ == "__main__":
    main()
