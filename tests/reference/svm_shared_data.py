#!/usr/bin/env python3
"""scikit-learn's SVC next to eegi's `--classifier svm` on the same features of real data.

EEGMMIDB S001 R04/R08/R12, imagined left vs right fist, epoch 0.5-2.5 s, band-pass 8-30 Hz,
features `cov` (tangent vectors at the Riemannian mean of all windows) and `bandpower`, as
`eegi features` writes them. For each feature kind and kernel (linear, RBF; C = 1,
gamma='scale', class_weight='balanced'):
  - eegi's model fitted on all 45 windows (`eegi train --cv 0`) against SVC(tol=1e-10) fitted on
    the same rows as eegi's scaler gives them (band powers standardised, tangent vectors as they
    are): the decision values on the 45 training rows
    (eegi's computed from its model file: weights, or support vectors and dual coefficients,
    and the intercept), their worst relative error and sign agreement, the intercepts;
  - SVC's leave-one-recording-out balanced accuracy (Pipeline([StandardScaler for band power,]
    SVC)), and the
    log loss of SVC(probability=True, random_state=0)'s probabilities (Platt with offset on a
    shuffled internal 5-fold), beside `eegi evaluate --cv by-recording`'s (which refits the cov
    features' reference point in each fold; here it was fitted on all three recordings).

Usage (from the repository root, after `cargo build`):
    /work/venv/bin/python tests/reference/svm_shared_data.py [EEGI] [DATA_DIR]
defaults target/debug/eegi and ../shared/data. Output of a run: svm_shared_data.txt.
"""

import csv
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import sklearn
from sklearn.metrics import balanced_accuracy_score, log_loss
from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def main():
    # scikit-learn 1.9 deprecates SVC(probability=True), kept here as the reference it was
    warnings.filterwarnings("ignore", category=FutureWarning)
    eegi = sys.argv[1] if len(sys.argv) > 1 else "target/debug/eegi"
    data = sys.argv[2] if len(sys.argv) > 2 else "../shared/data"
    rec = os.path.join(data, "eegmmidb_s001", "recordings")
    files = [os.path.join(rec, f"S001R{r:02}.csv") for r in (4, 8, 12)]
    common = ["--epoch", "0.5:2.5", "--labels", "imagined_left_fist,imagined_right_fist",
              "--bandpass", "8-30"]
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        for feat in ["cov", "bandpower"]:
            path = os.path.join(tmp, f"{feat}.csv")
            subprocess.run([eegi, "features", *files, *common, "--features", feat, "-o", path],
                           check=True, capture_output=True)
            with open(path, newline="") as f:
                rows = list(csv.reader(f))[1:]
            x = np.array([[float(v) for v in r[4:]] for r in rows])
            labels = [r[3] for r in rows]
            groups = [r[0] for r in rows]
            classes = sorted(set(labels))
            y = np.array([classes.index(v) for v in labels])
            for kernel in ["linear", "rbf"]:
                mpath = os.path.join(tmp, f"{feat}_{kernel}.json")
                subprocess.run([eegi, "train", *files, *common, "--features", feat,
                                "--classifier", "svm", "--svm-kernel", kernel, "--cv", "0",
                                "-o", mpath], check=True, capture_output=True)
                with open(mpath) as f:
                    m = json.load(f)
                sc = m["scaler"]
                z = (x - np.array(sc["mean"])) / np.array(sc["scale"])
                mod = m["classifier"]["model"]
                if kernel == "linear":
                    ours = z @ np.array(mod["weights"]) + mod["intercept"]
                else:
                    sv = np.array(mod["support_vectors"])
                    d2 = ((z[:, None, :] - sv[None]) ** 2).sum(-1)
                    ours = np.exp(-mod["gamma"] * d2) @ np.array(mod["dual_coef"]) + mod["intercept"]
                # eegi standardises band powers and leaves tangent vectors as they are (as
                # pyriemann's TangentSpace + SVC); its scaler says which
                zs = z
                svc = SVC(kernel=kernel, C=1.0, gamma="scale", class_weight="balanced",
                          tol=1e-10).fit(zs, y)
                theirs = svc.decision_function(zs)
                rel = np.abs(ours - theirs).max() / np.abs(theirs).max()
                agree = int(np.sum((ours > 0) == (theirs > 0)))
                scale = [StandardScaler()] if feat == "bandpower" else []
                pipe = make_pipeline(*scale, SVC(kernel=kernel, C=1.0, gamma="scale",
                                                 class_weight="balanced"))
                pred = cross_val_predict(pipe, x, y, groups=groups, cv=LeaveOneGroupOut())
                prob = make_pipeline(*scale, SVC(kernel=kernel, C=1.0, gamma="scale",
                                                           class_weight="balanced",
                                                           probability=True, random_state=0))
                proba = cross_val_predict(prob, x, y, groups=groups, cv=LeaveOneGroupOut(),
                                          method="predict_proba")
                ev = subprocess.run([eegi, "evaluate", *files, *common, "--features", feat,
                                     "--classifier", "svm", "--svm-kernel", kernel, "--cv",
                                     "by-recording", "--permutations", "0", "--json"],
                                    check=True, capture_output=True)
                ev = json.loads(ev.stdout)
                print(f"{feat:9s} {kernel:6s}: decision values on the {len(y)} training rows: "
                      f"worst relative error {rel:.1e}, signs agree {agree}/{len(y)}; intercept "
                      f"eegi {mod['intercept']:.6f}, SVC {svc.intercept_[0]:.6f}; eegi Platt slope "
                      f"{mod['platt_slope']:.3g}; SVC leave-one-recording-out balanced accuracy "
                      f"{balanced_accuracy_score(y, pred):.3f} (eegi evaluate "
                      f"{ev['balanced_accuracy']:.3f}); log loss SVC(probability=True) "
                      f"{log_loss(y, proba):.3f}, eegi {ev['log_loss']:.3f}")


if __name__ == "__main__":
    main()
