#!/usr/bin/env python3
"""Reference values for eegi's covariance features and SPD toolkit (src/features/cov.rs,
src/signal/spd.rs), computed with pyriemann 0.12 and scikit-learn.

Writes tests/reference/riemann.json, read by tests/it/reference_riemann.rs:

- "epochs": 8 epochs × 5 channels × 60 samples (numpy.random.default_rng(16), channels mixed
  so the covariances are not diagonal), "y" their classes;
- "cov": for each estimator scm, lwf, oas, pyriemann.estimation.Covariances(estimator) of the
  epochs (scm = sklearn empirical_covariance, lwf = sklearn ledoit_wolf, oas = sklearn oas);
- "mean_riemann", "mean_logeuclid": the means of the lwf covariances
  (pyriemann.geometry.mean, default tol 10e-9 and maxiter 50);
- "tangent_riemann", "tangent_logeuclid": TangentSpace(metric).fit_transform of the lwf
  covariances;
- "spd": one lwf covariance and its sqrtm, invsqrtm, logm (pyriemann.geometry.base), and expm of
  its logm's half.

How to run (from the repository root), with a venv outside the repository:
`python3 -m venv /tmp/venv-riem && /tmp/venv-riem/bin/pip install numpy scipy scikit-learn pyriemann==0.12`

    /tmp/venv-riem/bin/python tests/reference/make_riemann_reference.py
"""

import json
import os
import platform

import numpy as np
import pyriemann
import sklearn
from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from pyriemann.geometry.base import expm, invsqrtm, logm, sqrtm
from pyriemann.geometry.mean import mean_logeuclid, mean_riemann

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(16)
    n_epochs, n_ch, n_t = 8, 5, 60
    mix = rng.normal(size=(n_ch, n_ch))
    epochs = np.stack([mix @ rng.normal(size=(n_ch, n_t)) * 10.0 for _ in range(n_epochs)])
    y = [i % 2 for i in range(n_epochs)]
    cov = {e: Covariances(estimator=e).fit_transform(epochs) for e in ("scm", "lwf", "oas")}
    c = cov["lwf"]
    one = c[0]
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "pyriemann": pyriemann.__version__,
        },
        "epochs": epochs.tolist(),
        "y": y,
        "cov": {k: v.tolist() for k, v in cov.items()},
        "mean_riemann": mean_riemann(c).tolist(),
        "mean_logeuclid": mean_logeuclid(c).tolist(),
        "tangent_riemann": TangentSpace(metric="riemann").fit_transform(c).tolist(),
        "tangent_logeuclid": TangentSpace(metric="logeuclid").fit_transform(c).tolist(),
        "spd": {
            "a": one.tolist(),
            "sqrtm": sqrtm(one).tolist(),
            "invsqrtm": invsqrtm(one).tolist(),
            "logm": logm(one).tolist(),
            "expm_half_logm": expm(0.5 * logm(one)).tolist(),
        },
    }
    with open(os.path.join(HERE, "riemann.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
