"""The Python peer of `eegi train`'s fit: StandardScaler + LogisticRegression(lbfgs,
class_weight="balanced") on the features eegi wrote (`eegi features`), timed, with the
objective 0.5*||W||^2 + C*sum_i w_i*(-log p(y_i|x_i)) at the solution.

usage: python bench/peer_train.py FEATURES.csv [C] [TOL]

TOL defaults to scikit-learn's 1e-4; at that setting lbfgs can stop before the optimum, so
bench/compare.sh also runs it with a tolerance tight enough to reach the same objective.
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

df = pd.read_csv(sys.argv[1])
C = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
TOL = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
X = df.iloc[:, 4:].to_numpy(dtype=np.float64)
classes, y = np.unique(df["label"].to_numpy(), return_inverse=True)
t0 = time.perf_counter()
Z = StandardScaler().fit_transform(X)
clf = LogisticRegression(C=C, class_weight="balanced", solver="lbfgs", tol=TOL, max_iter=10000).fit(Z, y)
fit_s = time.perf_counter() - t0
p = clf.predict_proba(Z)
w = len(y) / (len(classes) * np.bincount(y))[y]
objective = 0.5 * np.sum(clf.coef_ ** 2) + C * np.sum(w * -np.log(p[np.arange(len(y)), y]))
print(f"sklearn fit (tol {TOL:g}) {fit_s:.3f} s, {X.shape[0]} windows x {X.shape[1]} features, "
      f"{clf.n_iter_[0]} iterations, objective {objective!r}")
