"""EDF/BDF fixtures for eegi's reader, and MNE's reading of them as the oracle.

Writes (with pyedflib, an independent writer) small EDF+, BDF+ and EDF files into
tests/fixtures/ and MNE's values for them (µV, channel names, rate, annotations) into
tests/reference/edf_mne.json, which tests/it/edf.rs compares with eegi's reader.

Run from the repository root:
    /work/pyref/bin/pip install pyedflib mne
    /work/pyref/bin/python tests/reference/make_edf_fixtures.py
"""

import json
import os
import sys

import mne
import numpy as np
import pyedflib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "tests", "fixtures")


def signals(n, fs, amps, seed):
    rng = np.random.RandomState(seed)
    t = np.arange(n) / fs
    return [a * (0.6 * np.sin(2 * np.pi * (5 + 3 * k) * t) + 0.3 * rng.standard_normal(n))
            for k, a in enumerate(amps)]


def write(path, file_type, headers, data, annotations):
    w = pyedflib.EdfWriter(path, len(headers), file_type=file_type)
    w.setSignalHeaders(headers)
    w.setStartdatetime(__import__("datetime").datetime(2020, 1, 1, 12, 0, 0))
    for onset, duration, text in annotations:
        w.writeAnnotation(onset, duration, text)
    w.writeSamples(data)
    w.close()


def header(label, dim, fs, pmin, pmax, dmin, dmax):
    return dict(label=label, dimension=dim, sample_frequency=fs, physical_min=pmin,
                physical_max=pmax, digital_min=dmin, digital_max=dmax, transducer="",
                prefilter="")


def main():
    os.makedirs(FIX, exist_ok=True)
    files = {}

    # EDF+ with annotations; Cz has physical min > max (an inverted signal), Pz is in mV
    fs, n = 128, 128 * 4
    fz, cz, pz, oz = signals(n, fs, [40.0, 40.0, 0.04, 30.0], 1)
    path = os.path.join(FIX, "edfplus_annotations.edf")
    write(path, pyedflib.FILETYPE_EDFPLUS, [
        header("Fz", "uV", fs, -500, 500, -32768, 32767),
        header("Cz", "uV", fs, 500, -500, -32768, 32767),
        header("Pz", "mV", fs, -0.5, 0.5, -32768, 32767),
        header("Oz", "uV", fs, -300, 300, -2048, 2047),
    ], [fz, cz, pz, oz], [(0.5, 1.0, "left"), (1.75, 0, "right"), (2.5, 1.25, "left"),
                          (3.0, -1, "rest")])
    files["edfplus_annotations.edf"] = mne.io.read_raw_edf(path, preload=True, verbose="error")

    # BDF+ (24-bit) with annotations; C4 in V
    fs, n = 256, 256 * 2
    c3, c4, cpz = signals(n, fs, [50.0, 50e-6, 20.0], 2)
    path = os.path.join(FIX, "bdfplus_annotations.bdf")
    write(path, pyedflib.FILETYPE_BDFPLUS, [
        header("C3", "uV", fs, -8000, 8000, -8388608, 8388607),
        header("C4", "V", fs, -0.008, 0.008, -8388608, 8388607),
        header("CPz", "uV", fs, -4000, 4000, -8388608, 8388607),
    ], [c3, c4, cpz], [(0.25, 0.5, "error"), (1.125, 0.5, "ok")])
    files["bdfplus_annotations.bdf"] = mne.io.read_raw_bdf(path, preload=True, verbose="error")

    # plain EDF with mixed rates and a channel that is not a voltage: eegi keeps F3, F4, P3
    fs, n = 100, 100 * 2
    f3, f4, p3, temp = signals(n, fs, [30.0, 30.0, 30.0, 1.0], 3)
    resp = signals(50 * 2, 50, [100.0], 4)[0]
    path = os.path.join(FIX, "mixed_rates.edf")
    write(path, pyedflib.FILETYPE_EDF, [
        header("F3", "uV", fs, -400, 400, -32768, 32767),
        header("F4", "uV", fs, -400, 400, -32768, 32767),
        header("Resp", "uV", 50, -1000, 1000, -32768, 32767),
        header("P3", "uV", fs, -400, 400, -32768, 32767),
        header("Temp", "degC", fs, 30, 40, -32768, 32767),
    ], [f3, f4, resp, p3, temp + 36], [])
    files["mixed_rates.edf"] = mne.io.read_raw_edf(path, preload=True, verbose="error")

    out = {
        "generated_by": "tests/reference/make_edf_fixtures.py",
        "versions": {"mne": mne.__version__, "pyedflib": pyedflib.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "files": {},
    }
    for name, raw in files.items():
        data = raw.get_data() * 1e6  # MNE gives volts; eegi gives µV
        out["files"][name] = {
            "sfreq": raw.info["sfreq"],
            "channels": raw.ch_names,
            "n_samples": int(raw.n_times),
            "data_uv": {ch: data[i].tolist() for i, ch in enumerate(raw.ch_names)},
            "annotations": [[float(a["onset"]), float(a["duration"]), a["description"]]
                            for a in raw.annotations],
        }
    with open(os.path.join(ROOT, "tests", "reference", "edf_mne.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
