"""BrainVision fixtures for eegi's reader, and MNE's reading of them as the oracle.

Writes small BrainVision recordings (.vhdr + .vmrk + .eeg, a few KB each) into
tests/reference/brainvision/ — the multiplexed ones with pybv (an independent writer), the
vectorised and INT_32 ones with the small writer below (pybv writes neither) — and MNE's
values for them (µV, channel names, rate, annotations) into
tests/reference/brainvision_mne.json, which tests/it/brainvision.rs compares with eegi's
reader.

Run from the repository root:
    /work/venv/bin/python tests/reference/make_brainvision_fixtures.py
"""

import json
import os
import sys
import warnings

import mne
import numpy as np
import pybv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "reference", "brainvision")
UNIT_V = {"µV": 1e-6, "uV": 1e-6, "mV": 1e-3, "V": 1.0, "nV": 1e-9}


def signals(n_ch, n, fs, amps_uv, seed):
    """Sines plus noise, in volts, shape (n_ch, n)."""
    rng = np.random.RandomState(seed)
    t = np.arange(n) / fs
    return np.array([a * 1e-6 * (0.6 * np.sin(2 * np.pi * (4 + 3 * k) * t)
                                 + 0.3 * rng.standard_normal(n))
                     for k, a in enumerate(amps_uv)])


def write_by_hand(name, data_v, fs, names, resolutions, units, fmt, orientation, markers,
                  data_points=True, codepage="UTF-8", extra_channel_lines=()):
    """Writes a BrainVision triple the way BrainVision Recorder/Analyzer lays it out.

    data_v: volts (n_ch, n); stored values are round(data / (resolution * unit)) for the
    integer formats and data / (resolution * unit) as float32 otherwise. markers: list of
    (type, description, position from 1, size, channel[, date])."""
    n_ch, n = data_v.shape
    scale = np.array([r * UNIT_V[u] for r, u in zip(resolutions, units)])[:, None]
    stored = data_v / scale
    dtype = {"INT_16": "<i2", "INT_32": "<i4", "IEEE_FLOAT_32": "<f4"}[fmt]
    if fmt != "IEEE_FLOAT_32":
        stored = np.round(stored)
    stored = stored.astype(dtype)
    raw = (stored.T if orientation == "MULTIPLEXED" else stored).tobytes()
    enc = "latin-1" if codepage == "ANSI" else "utf-8"
    lines = [
        "Brain Vision Data Exchange Header File Version 1.0",
        "; Data created by tests/reference/make_brainvision_fixtures.py",
        "",
        "[Common Infos]",
        f"Codepage={codepage}",
        f"DataFile={name}.eeg",
        f"MarkerFile={name}.vmrk",
        "DataFormat=BINARY",
        f"DataOrientation={orientation}",
        f"NumberOfChannels={n_ch}",
    ]
    if data_points:
        lines.append(f"DataPoints={n}")
    lines += [
        "; Sampling interval in microseconds",
        f"SamplingInterval={1e6 / fs}",
        "",
        "[Binary Infos]",
        f"BinaryFormat={fmt}",
        "",
        "[Channel Infos]",
    ]
    for k, (ch, r, u) in enumerate(zip(names, resolutions, units)):
        encoded = ch.replace(",", "\\1")  # BrainVision codes commas in names as \1
        lines.append(f"Ch{k + 1}={encoded},,{r!r},{u}")
    lines += list(extra_channel_lines)
    lines += ["", "[Comment]", "", "A m p l i f i e r  S e t u p", "Channels, names = free text", ""]
    with open(os.path.join(OUT, name + ".vhdr"), "w", encoding=enc, newline="\r\n") as f:
        f.write("\n".join(lines) + "\n")
    mk = [
        "Brain Vision Data Exchange Marker File, Version 1.0",
        "",
        "[Common Infos]",
        f"Codepage={codepage}",
        f"DataFile={name}.eeg",
        "",
        "[Marker Infos]",
        "; Each entry: Mk<Marker number>=<Type>,<Description>,<Position in data points>,",
    ]
    for k, m in enumerate(markers):
        mk.append(f"Mk{k + 1}=" + ",".join(str(x) for x in m))
    with open(os.path.join(OUT, name + ".vmrk"), "w", encoding=enc, newline="\r\n") as f:
        f.write("\n".join(mk) + "\n")
    with open(os.path.join(OUT, name + ".eeg"), "wb") as f:
        f.write(raw)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    made = []

    # 1. pybv INT_16, multiplexed, a resolution per channel (0.1, 0.5, 0.05, 1 µV)
    fs, n = 250, 500
    data = signals(4, n, fs, [40, 60, 15, 90], 1)
    events = [{"onset": 25, "description": 1}, {"onset": 130, "description": 2},
              {"onset": 200, "description": 11, "type": "Response"},
              {"onset": 260, "description": 1, "duration": 50},
              {"onset": 499, "description": "end of run", "type": "Comment"}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pybv.write_brainvision(data=data, sfreq=fs, ch_names=["Fz", "Cz", "Pz", "Oz"],
                               fname_base="int16_multiplexed", folder_out=OUT, events=events,
                               resolution=np.array([0.1, 0.5, 0.05, 1.0]), unit="µV",
                               fmt="binary_int16")
    made.append("int16_multiplexed")

    # 2. pybv IEEE_FLOAT_32, multiplexed, units µV, mV, V, nV and a temperature (°C) channel
    fs, n = 256, 256
    data = signals(5, n, fs, [30, 30, 30, 30, 1], 2)
    data[4] = 36.5 + 0.01 * np.arange(n) / n  # °C, not scaled by pybv
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pybv.write_brainvision(data=data, sfreq=fs, ch_names=["C3", "C4", "CPz", "FCz", "Temp"],
                               fname_base="float32_multiplexed", folder_out=OUT,
                               events=np.array([[10, 3], [100, 4], [180, 3]]),
                               resolution=np.array([0.1, 1e-4, 1e-7, 100.0, 1.0]),
                               unit=["µV", "mV", "V", "nV", "°C"], fmt="binary_float32")
    made.append("float32_multiplexed")

    # 3. INT_16, vectorised (DataPoints given), mixed resolutions and units; a first
    #    "New Segment" with a date (not an event), markers with a size and on one channel
    fs, n = 200, 400
    data = signals(3, n, fs, [50, 20, 70], 3)
    write_by_hand("int16_vectorized", data, fs, ["F3", "F4", "A,B"], [0.1, 0.02, 0.0005],
                  ["µV", "µV", "mV"], "INT_16", "VECTORIZED",
                  [("New Segment", "", 1, 1, 0, "20240101120000000000"),
                   ("Stimulus", "S  7", 41, 1, 0), ("Response", "R  1", 120, 40, 0),
                   ("Stimulus", "S  7", 301, 1, 2), ("Comment", "a\\1b", 400, 1, 0)])
    made.append("int16_vectorized")

    # 4. IEEE_FLOAT_32, vectorised, no DataPoints (from the file size), Latin-1 (ANSI) µV
    fs, n = 500, 300
    data = signals(2, n, fs, [25, 35], 4)
    write_by_hand("float32_vectorized", data, fs, ["O1", "O2"], [0.5, 1.0], ["µV", "µV"],
                  "IEEE_FLOAT_32", "VECTORIZED",
                  [("Stimulus", "S 10", 1, 1, 0), ("Stimulus", "S 20", 150, 1, 0)],
                  data_points=False, codepage="ANSI")
    made.append("float32_vectorized")

    # 5. INT_32, multiplexed, nV resolution
    fs, n = 1000, 400
    data = signals(3, n, fs, [10, 20, 30], 5)
    write_by_hand("int32_multiplexed", data, fs, ["P3", "P4", "Pz"], [10.0, 1.0, 0.1],
                  ["nV", "nV", "nV"], "INT_32", "MULTIPLEXED",
                  [("Stimulus", "S  1", 100, 1, 0), ("Stimulus", "S  2", 300, 1, 0)])
    made.append("int32_multiplexed")

    out = {
        "generated_by": "tests/reference/make_brainvision_fixtures.py",
        "versions": {"mne": mne.__version__, "pybv": pybv.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "files": {},
    }
    for name in made:
        raw = mne.io.read_raw_brainvision(os.path.join(OUT, name + ".vhdr"), preload=True,
                                          misc="auto", verbose="error")
        eeg = mne.pick_types(raw.info, eeg=True, misc=False)
        data = raw.get_data() * 1e6  # MNE gives volts; eegi gives µV
        out["files"][name + ".vhdr"] = {
            "sfreq": raw.info["sfreq"],
            "channels": [raw.ch_names[i] for i in eeg],
            "n_samples": int(raw.n_times),
            "data_uv": {raw.ch_names[i]: data[i].tolist() for i in eeg},
            # MNE keeps annotation onsets to the µs; the data point (from 0) is exact
            "annotations": [[float(a["onset"]), float(a["duration"]), a["description"],
                             int(raw.time_as_index(a["onset"], use_rounding=True)[0])]
                            for a in raw.annotations],
        }
    with open(os.path.join(ROOT, "tests", "reference", "brainvision_mne.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
