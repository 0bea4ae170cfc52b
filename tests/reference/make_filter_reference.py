#!/usr/bin/env python3
"""Reference values for eegi's IIR filters (src/signal/filter.rs), computed with scipy.signal.

Writes tests/reference/filter.json: for each case, the input signal, the filter settings, and

  sos         scipy.signal.butter(order, [lo, hi], btype="bandpass", output="sos", fs=fs)
              and/or scipy.signal.iirnotch(f0, Q, fs=fs) (as one section via tf2sos), notch first
  filtfilt    scipy.signal.sosfiltfilt(sos, x)                  (zero-phase, default odd padding)
  causal      scipy.signal.sosfilt(sos, x, zi=sosfilt_zi(sos) * x[0])   (causal)
  padlen      the padlen sosfiltfilt uses by default
  gain        |H(f)| at the listed frequencies (scipy.signal.sosfreqz)

Inputs: a seeded random walk + sines (numpy.random.default_rng(4)) and channel Cz of
data/eyes_open.csv (160 Hz, uV). Section order may differ from scipy's zpk2sos pairing, so the
Rust test compares the filter's outputs and frequency response, not the section coefficients.

How to run (from the repository root), with numpy and scipy installed:

    python3 tests/reference/make_filter_reference.py
"""

import json
import os
import platform

import numpy as np
import scipy
import scipy.signal as sig

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def design(fs, bandpass=None, order=4, notch=None, q=30.0):
    parts = []
    if notch is not None:
        b, a = sig.iirnotch(notch, q, fs=fs)
        parts.append(sig.tf2sos(b, a))
    if bandpass is not None:
        parts.append(sig.butter(order, bandpass, btype="bandpass", output="sos", fs=fs))
    return np.vstack(parts)


def padlen(sos):
    ntaps = 2 * sos.shape[0] + 1
    ntaps -= min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum())
    return int(3 * ntaps)


def case(name, x, fs, bandpass=None, order=4, notch=None, freqs=()):
    sos = design(fs, bandpass, order, notch)
    _, h = sig.sosfreqz(sos, worN=np.asarray(freqs, dtype=float), fs=fs)
    causal, _ = sig.sosfilt(sos, x, zi=sig.sosfilt_zi(sos) * x[0])
    return {
        "name": name,
        "sample_rate_hz": fs,
        "bandpass": list(bandpass) if bandpass is not None else None,
        "order": order,
        "notch_hz": notch,
        "q": 30.0,
        "x": x.tolist(),
        "sos": sos.tolist(),
        "padlen": padlen(sos),
        "filtfilt": sig.sosfiltfilt(sos, x).tolist(),
        "causal": causal.tolist(),
        "gain_freqs": list(freqs),
        "gain": np.abs(h).tolist(),
    }


def main():
    rng = np.random.default_rng(4)
    fs = 100.0
    t = np.arange(1000) / fs
    synth = (np.cumsum(rng.normal(size=t.size)) + 20 * np.sin(2 * np.pi * 3 * t)
             + 5 * np.sin(2 * np.pi * 25 * t) + 40.0)
    cz = np.loadtxt(os.path.join(REPO, "data", "eyes_open.csv"), delimiter=",", skiprows=1,
                    usecols=[11])[:1600]
    with open(os.path.join(REPO, "data", "eyes_open.csv")) as f:
        assert f.readline().split(",")[11] == "Cz"
    cases = [
        case("bandpass 1-10 Hz order 4, 100 Hz, synthetic", synth, fs, (1.0, 10.0), 4,
             freqs=[0.5, 1.0, 3.0, 10.0, 30.0]),
        case("bandpass 0.5-30 Hz order 2, 160 Hz, Cz", cz, 160.0, (0.5, 30.0), 2,
             freqs=[0.1, 8.0, 30.0, 60.0]),
        case("notch 60 Hz + bandpass 1-40 Hz order 3, 160 Hz, Cz", cz, 160.0, (1.0, 40.0), 3,
             notch=60.0, freqs=[10.0, 59.0, 60.0, 61.0]),
        case("notch 50 Hz only, 250 Hz, synthetic", synth, 250.0, None, notch=50.0,
             freqs=[10.0, 50.0]),
    ]
    out = {
        "cases": cases,
        "generated_with": {"python": platform.python_version(), "numpy": np.__version__,
                           "scipy": scipy.__version__},
    }
    path = os.path.join(HERE, "filter.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote", os.path.relpath(path, REPO))


if __name__ == "__main__":
    main()
