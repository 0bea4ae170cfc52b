#!/usr/bin/env python3
"""Writes one small fixture per vendor CSV dialect into tests/fixtures/vendor/, and
tests/fixtures/vendor/expected.json with what eegi must read from each (channels, rate, number
of samples, chosen values, events). tests/it/vendor.rs checks eegi against that file.

Regenerate (deterministic: same bytes every run):

    python3 -m venv /work/pyref && /work/pyref/bin/pip install brainflow numpy
    /work/pyref/bin/python tests/reference/make_vendor_fixtures.py

Formats and sources:

- BrainFlow board files: written by BrainFlow's own `DataFilter.write_file` (brainflow 5.23.0,
  https://brainflow.readthedocs.io/en/stable/UserAPI.html#brainflow-data-filter ; one row per
  sample, one tab-separated column per board row, "%lf" = 6 decimals) from arrays laid out by
  `BoardShim.get_board_descr(board_id)` (eeg_channels, timestamp_channel, marker_channel,
  num_rows, sampling_rate, eeg_names). Markers are what `BoardShim.insert_marker` puts in the
  marker row (non-zero values).
- OpenBCI GUI v5 export `OpenBCI-RAW-*.txt`: the header the GUI's file writer writes
  (OpenBCI_GUI `DataWriterODF.pde`; https://docs.openbci.com/Software/OpenBCISoftware/GUIDocs/
  "Data logging"): `%OpenBCI Raw EXG Data`, `%Number of channels = N`, `%Sample Rate = N Hz`,
  `%Board = ...`, then `Sample Index, EXG Channel 0..N-1, Accel Channel 0..2, Other x7,
  Analog Channel 0..2, Timestamp, Other, Timestamp (Formatted)` and comma+space separated rows
  (EXG in µV, sample index wrapping at 255, Unix timestamps in s).
- OpenBCI GUI v4 (and earlier) export `OpenBCI-RAW-*.txt`: the header the GUI's
  `OutputFile_rawtxt.writeHeader` wrote (`%OpenBCI Raw EEG Data`, `%Number of channels = N`,
  `%Sample Rate = N.0 Hz`, `%First Column = SampleIndex`, `%Last Column = Timestamp `,
  `%Other Columns = EEG data in microvolts followed by Accel Data (in G) interleaved with Aux
  Data`) and no column header row; rows `index, N values "%.2f" µV, 3 accel values, hh:mm:ss.SSS
  time, Unix time in ms`, comma+space separated. eegi names the channels as v5 does.
- Mind Monitor CSV (https://mind-monitor.com/FAQ.php#csvspec , "Technical Manual"): columns
  `TimeStamp, Delta_*, Theta_*, Alpha_*, Beta_*, Gamma_* (TP9 AF7 AF8 TP10), RAW_TP9, RAW_AF7,
  RAW_AF8, RAW_TP10, AUX_RIGHT, Accelerometer_X/Y/Z, Gyro_X/Y/Z, HeadBandOn, HSI_TP9..TP10,
  Battery, Elements`; TimeStamp as `YYYY-MM-DD hh:mm:ss.sss` (phone clock, ms); RAW in µV at
  256 Hz with "recording interval: constant"; marker and blink rows carry only TimeStamp and
  Elements (`/Marker/1`, `/muse/elements/blink`).
- muse-lsl `muselsl record` CSV (alexandrebarachant/muse-lsl, `muselsl/record.py`: a pandas
  DataFrame with columns `timestamps` + the stream's channel names `TP9, AF7, AF8, TP10,
  Right AUX`, plus `Marker0` when a marker stream is recorded, 0 where no marker, written with
  `to_csv(index=False)`); timestamps are LSL/Unix seconds. A second file writes the timestamps
  in milliseconds, as some exports do.
"""

import json
import math
import os
import sys

import numpy as np
from brainflow.board_shim import BoardIds, BoardShim
from brainflow.data_filter import DataFilter

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "vendor")
T0 = 1_700_000_000.0  # a Unix time in s (2023-11-14 22:13:20 UTC)


def write_lines(name, lines):
    with open(os.path.join(ROOT, name), "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def openbci_expected(fs, n_ch, values, mid_channel):
    """What eegi must read from an OpenBCI GUI export (v5 or v4): `values` are the EXG cells
    as written, one list per row."""
    n = len(values)
    return {
        "dialect": "OpenBciGui",
        "channels": [f"EXG Channel {i}" for i in range(n_ch)],
        "sample_rate_hz": fs,
        "n_samples": n,
        "values": [[i, c, float(values[i][c])] for i, c in [(0, 0), (n // 2, mid_channel), (n - 1, 1)]],
        "events": [],
    }


def signal(n, fs, channel):
    """Deterministic µV test signal: a 10 Hz sine of 10+channel µV plus a 3 Hz cosine."""
    t = np.arange(n) / fs
    return (10.0 + channel) * np.sin(2 * np.pi * 10.0 * t) + 5.0 * np.cos(2 * np.pi * 3.0 * t + channel)


def brainflow_fixture(board_name, board_id, seconds, markers, expected):
    d = BoardShim.get_board_descr(board_id)
    fs = d["sampling_rate"]
    n = int(seconds * fs)
    data = np.zeros((d["num_rows"], n))
    data[d["package_num_channel"]] = np.arange(n) % 256
    for k, row in enumerate(d["eeg_channels"]):
        data[row] = signal(n, fs, k)
    data[d["timestamp_channel"]] = T0 + np.arange(n) / fs
    for sample, value in markers:
        data[d["marker_channel"], sample] = value
    name = f"brainflow_{board_name}.csv"
    DataFilter.write_file(data, os.path.join(ROOT, name), "w")
    names = d.get("eeg_names", "").split(",") if d.get("eeg_names") else [
        f"EXG{i}" for i in range(len(d["eeg_channels"]))
    ]
    # values as written ("%lf"): read back through BrainFlow's own reader
    back = DataFilter.read_file(os.path.join(ROOT, name))
    expected[name] = {
        "dialect": "BrainFlow",
        "board": board_name,
        "brainflow_board_id": board_id,
        "channels": names,
        "sample_rate_hz": fs,
        "n_samples": n,
        "values": [[i, c, float(back[d["eeg_channels"][c], i])] for i, c in [(0, 0), (n // 2, len(names) - 1), (n - 1, 1)]],
        "events": [[s / fs, str(int(v))] for s, v in markers],
        "descr": {k: d[k] for k in ("eeg_channels", "timestamp_channel", "marker_channel", "num_rows", "sampling_rate")},
    }


def openbci_fixture(expected):
    fs, n_ch, n = 250, 8, 40
    name = "OpenBCI-RAW-2023-11-14_22-13-20.txt"
    cols = (["Sample Index"] + [f"EXG Channel {i}" for i in range(n_ch)]
            + [f"Accel Channel {i}" for i in range(3)] + ["Other"] * 7
            + [f"Analog Channel {i}" for i in range(3)] + ["Timestamp", "Other", "Timestamp (Formatted)"])
    lines = ["%OpenBCI Raw EXG Data", f"%Number of channels = {n_ch}", f"%Sample Rate = {fs} Hz",
             "%Board = OpenBCI_GUI$BoardCytonSerial", ", ".join(cols)]
    sig = [signal(n, fs, c) for c in range(n_ch)]
    values = []
    for i in range(n):
        t = T0 + i / fs
        exg = [f"{sig[c][i]:.6f}" for c in range(n_ch)]
        stamp = f"2023-11-14 22:13:{20 + i / fs:06.3f}"
        row = [f"{i % 256}.0"] + exg + ["0.000", "0.000", "0.000"] + ["0.0"] * 7 + ["0.0"] * 3 + [f"{t:.3f}", "0.0", stamp]
        lines.append(", ".join(row))
        values.append(exg)
    write_lines(name, lines)
    expected[name] = openbci_expected(fs, n_ch, values, mid_channel=7)


def openbci_v4_fixture(expected):
    fs, n_ch, n = 200, 4, 40
    name = "OpenBCI-RAW-2019-04-02_15-40-11.txt"
    lines = ["%OpenBCI Raw EEG Data", f"%Number of channels = {n_ch}", f"%Sample Rate = {fs}.0 Hz",
             "%First Column = SampleIndex", "%Last Column = Timestamp ",
             "%Other Columns = EEG data in microvolts followed by Accel Data (in G) interleaved with Aux Data"]
    sig = [signal(n, fs, c) for c in range(n_ch)]
    values = []
    for i in range(n):
        ms = 123 + round(i * 1000 / fs)
        exg = [f"{sig[c][i]:.2f}" for c in range(n_ch)]
        accel = ["0.012", "-0.004", "0.998"] if i % 10 == 0 else ["0.000"] * 3
        row = [str(i % 256)] + exg + accel + [f"15:40:{11 + ms // 1000:02d}.{ms % 1000:03d}", str(1554218411000 + ms)]
        lines.append(", ".join(row))
        values.append(exg)
    write_lines(name, lines)
    expected[name] = openbci_expected(fs, n_ch, values, mid_channel=3)


MUSE = ["TP9", "AF7", "AF8", "TP10"]


def mind_monitor_fixture(expected):
    fs, n = 256, 48
    name = "mindmonitor_2023-11-14--22-13-20.csv"
    bands = [f"{b}_{c}" for b in ("Delta", "Theta", "Alpha", "Beta", "Gamma") for c in MUSE]
    cols = (["TimeStamp"] + bands + [f"RAW_{c}" for c in MUSE] + ["AUX_RIGHT"]
            + ["Accelerometer_X", "Accelerometer_Y", "Accelerometer_Z", "Gyro_X", "Gyro_Y", "Gyro_Z",
               "HeadBandOn"] + [f"HSI_{c}" for c in MUSE] + ["Battery", "Elements"])
    sig = [800.0 + signal(n, fs, c) for c in range(5)]  # Mind Monitor RAW sits near 800 µV

    def stamp(seconds_ms):
        whole = int(seconds_ms // 1000)
        return f"2023-11-14 22:13:{20 + whole:02d}.{int(seconds_ms % 1000):03d}"

    lines = [",".join(cols)]
    values = []
    events = []
    marks = {16: "/Marker/1", 32: "/muse/elements/blink"}
    for i in range(n):
        ms = math.floor(i * 1000 / fs)  # the phone clock stamps in whole ms
        if i in marks:
            # an event row: only TimeStamp and Elements
            row = [stamp(ms)] + [""] * (len(cols) - 2) + [marks[i]]
            lines.append(",".join(row))
            events.append([ms / 1000.0, marks[i].replace("/muse/elements/", "").lstrip("/")])
        raw = [f"{sig[c][i]:.3f}" for c in range(5)]
        row = ([stamp(ms)] + ["0.5"] * 20 + raw + ["0.01", "0.02", "0.98", "1.5", "-0.7", "0.3", "1"]
               + ["1.0"] * 4 + ["80", ""])
        lines.append(",".join(row))
        values.append(raw)
    write_lines(name, lines)
    expected[name] = {
        "dialect": "MindMonitor",
        "channels": MUSE,
        "aux_channels": ["AUX_RIGHT"],
        "sample_rate_hz": fs,
        "n_samples": n,
        "values": [[i, c, float(values[i][c])] for i, c in [(0, 0), (n // 2, 3), (n - 1, 1)]],
        "events": events,
    }


def muse_lsl_fixture(expected, in_ms):
    fs, n = 256, 64
    name = "muselsl_ms.csv" if in_ms else "muselsl.csv"
    sig = [signal(n, fs, c) for c in range(5)]
    marker_at = {20: 1, 40: 2}
    lines = ["timestamps,TP9,AF7,AF8,TP10,Right AUX,Marker0"]
    values = []
    for i in range(n):
        t = T0 + i / fs
        ts = f"{t * 1000:.3f}" if in_ms else repr(t)
        cells = [repr(float(sig[c][i])) for c in range(5)]
        lines.append(",".join([ts] + cells + [str(marker_at.get(i, 0))]))
        values.append(cells)
    write_lines(name, lines)
    expected[name] = {
        "dialect": "MuseLsl",
        "channels": MUSE,
        "aux_channels": ["Right AUX"],
        "sample_rate_hz": fs,
        "n_samples": n,
        "values": [[i, c, float(values[i][c])] for i, c in [(0, 0), (n // 2, 3), (n - 1, 1)]],
        "events": [[s / fs, str(v)] for s, v in marker_at.items()],
    }


def main():
    os.makedirs(ROOT, exist_ok=True)
    expected = {}
    # a fraction of a second each: a few KB
    brainflow_fixture("cyton", BoardIds.CYTON_BOARD.value, 0.2, [(25, 1)], expected)
    brainflow_fixture("cyton-daisy", BoardIds.CYTON_DAISY_BOARD.value, 0.2, [(10, 3)], expected)
    brainflow_fixture("ganglion", BoardIds.GANGLION_BOARD.value, 0.2, [], expected)
    brainflow_fixture("synthetic", BoardIds.SYNTHETIC_BOARD.value, 0.2, [(20, 2)], expected)
    brainflow_fixture("muse", BoardIds.MUSE_2_BOARD.value, 0.25, [(32, 1)], expected)
    openbci_fixture(expected)
    openbci_v4_fixture(expected)
    mind_monitor_fixture(expected)
    muse_lsl_fixture(expected, in_ms=False)
    muse_lsl_fixture(expected, in_ms=True)
    import brainflow
    meta = {"generator": "tests/reference/make_vendor_fixtures.py",
            "brainflow": getattr(brainflow, "__version__", None) or os.popen(f"{sys.executable} -m pip show brainflow").read().split("Version: ")[1].split()[0],
            "numpy": np.__version__}
    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump({"meta": meta, "files": expected}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
