#!/usr/bin/env python3
"""Reference values for eegi's MDM classifier (src/model/mdm.rs) and CSP features
(src/features/csp.rs), computed with pyriemann 0.12 and MNE-Python 1.13.

Writes tests/reference/decode.json, read by tests/it/reference_decode.rs:

- "train", "test": epochs × channels × samples (numpy.random.default_rng(1616)); the
  channels are mixed so covariances are not diagonal, and the classes differ in the variance of
  two sources (as motor imagery does); "y_train", "y_test" their classes (0/1);
- "mdm": pyriemann.classification.MDM() fitted on Covariances("lwf") of the training epochs:
  "covmeans" (one per class) and "proba" (predict_proba of the test epochs' covariances);
- "mdm3": the same with three classes ("y3_train"; "proba");
- "csp": mne.decoding.CSP(n_components=4, log=True) fitted on the training epochs: "filters"
  (all, as MNE orders them), "features" (transform of the test epochs);
- "csp_car": the same on the epochs re-referenced to their common average ("train", "test":
  rank 5 of 6 channels, which MNE's restricting step handles), "filters" (5), "features".

How to run (from the repository root), with a venv outside the repository:
`python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy scipy scikit-learn pyriemann==0.12 mne`

    /tmp/venv/bin/python tests/reference/make_decode_reference.py
"""

import json
import os
import platform

import mne
import numpy as np
import pyriemann
import sklearn
from mne.decoding import CSP
from pyriemann.classification import MDM
from pyriemann.estimation import Covariances

HERE = os.path.dirname(os.path.abspath(__file__))


def epochs(rng, y, n_ch, n_t, mix):
    out = []
    for c in y:
        s = rng.normal(size=(n_ch, n_t))
        s[0] *= 3.0 if c == 0 else 1.0
        s[1] *= 3.0 if c == 1 else 1.0
        if c == 2:
            s[2] *= 3.0
        out.append(mix @ s * 10.0)
    return np.stack(out)


def main():
    mne.set_log_level("ERROR")
    rng = np.random.default_rng(1616)
    n_ch, n_t = 6, 80
    mix = rng.normal(size=(n_ch, n_ch))
    y_train = np.array([i % 2 for i in range(20)])
    y_test = np.array([i % 2 for i in range(8)])
    train = epochs(rng, y_train, n_ch, n_t, mix)
    test = epochs(rng, y_test, n_ch, n_t, mix)
    cov = Covariances("lwf")
    c_train, c_test = cov.fit_transform(train), cov.transform(test)
    mdm = MDM().fit(c_train, y_train)
    y3 = np.array([i % 3 for i in range(21)])
    train3 = epochs(rng, y3, n_ch, n_t, mix)
    mdm3 = MDM().fit(cov.transform(train3), y3)
    csp = CSP(n_components=4, log=True).fit(train, y_train)
    train_car = train - train.mean(axis=1, keepdims=True)
    test_car = test - test.mean(axis=1, keepdims=True)
    csp_car = CSP(n_components=4, log=True).fit(train_car, y_train)
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "pyriemann": pyriemann.__version__,
            "mne": mne.__version__,
        },
        "train": train.tolist(),
        "test": test.tolist(),
        "y_train": y_train.tolist(),
        "y_test": y_test.tolist(),
        "mdm": {
            "covmeans": mdm.covmeans_.tolist(),
            "proba": mdm.predict_proba(c_test).tolist(),
        },
        "mdm3": {
            "train": train3.tolist(),
            "y_train": y3.tolist(),
            "proba": mdm3.predict_proba(c_test).tolist(),
        },
        "csp": {
            "filters": csp.filters_.tolist(),
            "features": csp.transform(test).tolist(),
        },
        "csp_car": {
            "train": train_car.tolist(),
            "test": test_car.tolist(),
            "filters": csp_car.filters_.tolist(),
            "features": csp_car.transform(test_car).tolist(),
        },
    }
    with open(os.path.join(HERE, "decode.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
