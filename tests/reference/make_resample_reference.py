#!/usr/bin/env python3
"""Reference values for eegi's polyphase resampler (src/signal/resample.rs), from scipy.signal.

Writes tests/reference/resample.json: for each case the reduced factors up and down, the input
x and scipy's default

  y = scipy.signal.resample_poly(x, up, down)   # window=('kaiser', 5.0), padtype='constant'

plus the filter taps h = firwin(2*half_len + 1, 1/max(up, down), window=('kaiser', 5.0)) of the
smallest case (half_len = 10*max(up, down)), to check the design on its own.

Inputs: seeded random + sines (numpy.random.default_rng(15)); one signal shorter than the filter.

How to run (from the repository root), with numpy and scipy installed:

    python3 tests/reference/make_resample_reference.py
"""

import json
import math
import os
import platform

import numpy as np
import scipy
import scipy.signal as sig

HERE = os.path.dirname(os.path.abspath(__file__))


def signal(rng, n, fs):
    t = np.arange(n) / fs
    return (
        rng.standard_normal(n) * 5.0
        + 20.0 * np.sin(2 * np.pi * 10.0 * t)
        + 8.0 * np.sin(2 * np.pi * 0.37 * fs * t + 0.3)
        + 3.0
    )


def main():
    rng = np.random.default_rng(15)
    cases = []
    for name, fs_in, fs_out, n in [
        ("250_to_256", 250, 256, 1000),
        ("160_to_80", 160, 80, 640),
        ("512_to_256", 512, 256, 1025),
        ("100_to_160", 100, 160, 503),
        ("160_to_128", 160, 128, 800),
        ("256_to_128", 256, 128, 777),
        ("short_250_to_256", 250, 256, 37),
        ("one_sample_3_to_2", 3, 2, 1),
    ]:
        g = math.gcd(fs_out, fs_in)
        up, down = fs_out // g, fs_in // g
        x = signal(rng, n, fs_in)
        y = sig.resample_poly(x, up, down)
        cases.append({"name": name, "up": up, "down": down, "x": x.tolist(), "y": y.tolist()})
    up, down = 3, 2
    half_len = 10 * max(up, down)
    h = sig.firwin(2 * half_len + 1, 1.0 / max(up, down), window=("kaiser", 5.0))
    out = {
        "generator": "tests/reference/make_resample_reference.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
        "firwin_3_2": h.tolist(),
        "kaiser_11_5": sig.get_window(("kaiser", 5.0), 11, fftbins=False).tolist(),
        "cases": cases,
    }
    with open(os.path.join(HERE, "resample.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
