#!/usr/bin/env python3
"""Reference values for eegi's linear algebra (src/signal/linalg.rs), computed with numpy/scipy.

Writes tests/reference/linalg.json, read by the unit tests in src/signal/linalg_tests.rs:

- "spd": a 4x4 symmetric positive definite matrix (B·Bᵀ + 4·I, B from
  numpy.random.default_rng(3)), its lower Cholesky factor (numpy.linalg.cholesky), the solution
  x of A·x = b for a right-hand side b (scipy.linalg.cho_solve), the solutions of L·y = b
  (scipy.linalg.solve_triangular, lower=True) and Lᵀ·z = b (trans="T"), and its eigenvalues
  (numpy.linalg.eigh, ascending) and eigenvectors (columns).
- "generalized": a symmetric C (5x5, rank 2, as an xDAWN class covariance) and a symmetric
  positive definite S (5x5), with the eigenvalues of C·v = λ·S·v
  (scipy.linalg.eigh(C, S), ascending) and their eigenvectors (columns, Vᵀ·S·V = I).

Eigenvectors have no sign; the tests compare them up to each column's sign.

How to run (from the repository root), with numpy and scipy installed (e.g. a venv outside the
repository: `python3 -m venv /tmp/venv-ref && /tmp/venv-ref/bin/pip install numpy scipy`):

    /tmp/venv-ref/bin/python tests/reference/make_linalg_reference.py
"""

import json
import os
import platform

import numpy as np
import scipy
import scipy.linalg

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(3)
    b = rng.normal(size=(4, 4))
    a = b @ b.T + 4.0 * np.eye(4)
    rhs = rng.normal(size=4)
    l = np.linalg.cholesky(a)
    w, v = np.linalg.eigh(a)
    spd = {
        "a": a.tolist(),
        "b": rhs.tolist(),
        "cholesky": l.tolist(),
        "solve": scipy.linalg.cho_solve((l, True), rhs).tolist(),
        "forward": scipy.linalg.solve_triangular(l, rhs, lower=True).tolist(),
        "back": scipy.linalg.solve_triangular(l, rhs, lower=True, trans="T").tolist(),
        "eigenvalues": w.tolist(),
        "eigenvectors": v.tolist(),
    }
    p = rng.normal(size=(5, 2))
    c = p @ p.T
    m = rng.normal(size=(5, 5))
    s = m @ m.T + 5.0 * np.eye(5)
    gw, gv = scipy.linalg.eigh(c, s)
    generalized = {
        "c": c.tolist(),
        "s": s.tolist(),
        "eigenvalues": gw.tolist(),
        "eigenvectors": gv.tolist(),
    }
    out = {
        "generator": "tests/reference/make_linalg_reference.py",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "spd": spd,
        "generalized": generalized,
    }
    with open(os.path.join(HERE, "linalg.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
