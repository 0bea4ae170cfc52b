"""eegi's EDF+/BDF+ writer (`eegi convert IN OUT.edf|OUT.bdf`) checked by MNE's reader.

Converts small recordings already in the repository with eegi into
tests/reference/edf_writer/ (EDF+ and BDF+, < 200 KB in all), reads each back with
mne.io.read_raw_edf / read_raw_bdf and writes what MNE read into
tests/reference/edf_writer_mne.json:

- channel names, sample rate, number of samples (the padded length: whole data records);
- per channel, the largest |MNE - source| over the source's samples and over the padding
  (compared with the source's last sample), µV; the source is eegi's own reading of the
  input (`eegi convert IN x.csv` with the same options, exact values);
- MNE's values (µV, rounded to 1e-9) at selected sample indices;
- MNE's annotations (onset s, duration s, description).

tests/it/edf_writer.rs converts the same inputs again (the bytes must equal the committed
files) and checks these values against the source within half a digital step.

Run from the repository root, after building eegi (`cargo build`):
    /work/venv/bin/python tests/reference/make_edf_writer_reference.py
"""

import csv
import json
import os
import subprocess
import sys
import tempfile

import mne
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "reference", "edf_writer")
EEGI = os.path.join(ROOT, "target", "debug", "eegi")

# output file name -> eegi convert arguments (input and options), relative to the root;
# tests/it/edf_writer.rs keeps the same table
CASES = {
    # 160 Hz, 1 s records, two 20 s events, channels of different amplitude
    "eyes_4ch.edf": ["data/eyes_open_then_closed.csv", "--channels", "Fp1,Cz,Oz,T10"],
    "eyes_4ch.bdf": ["data/eyes_open_then_closed.csv", "--channels", "Fp1,Cz,Oz,T10"],
    # 256 Hz, 48 samples (one padded record), instantaneous events with '/' and spaces
    "mindmonitor.edf": ["tests/fixtures/vendor/mindmonitor_2023-11-14--22-13-20.csv"],
    "mindmonitor.bdf": ["tests/fixtures/vendor/mindmonitor_2023-11-14--22-13-20.csv"],
    # 160.5 Hz: 2 s records of 321 samples, the last one padded
    "rate_160_5.edf": ["data/eyes_open.csv", "--sample-rate", "160.5", "--channels", "Fp1,Oz"],
}


def eegi(args):
    r = subprocess.run([EEGI] + args, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"eegi {' '.join(args)} failed: {r.stderr}")


def source(args, tmp):
    """eegi's reading of the input: (channel names, values µV (n, ch), events)."""
    path = os.path.join(tmp, "source.csv")
    events_path = os.path.join(tmp, "source_events.csv")
    if os.path.exists(events_path):
        os.remove(events_path)
    eegi(["convert"] + args + [path])
    with open(path) as f:
        rows = list(csv.reader(f))
    names = rows[0][1:]
    values = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    events = []
    if os.path.exists(events_path):
        with open(events_path) as f:
            events = [(float(r["onset_s"]), float(r["duration_s"]), r["label"])
                      for r in csv.DictReader(f)]
    return names, values, events


def main():
    if not os.path.exists(EEGI):
        sys.exit(f"{EEGI} missing: run `cargo build` first")
    os.makedirs(OUT, exist_ok=True)
    out = {"mne_version": mne.__version__, "files": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in CASES.items():
            path = os.path.join(OUT, name)
            eegi(["convert"] + args + [os.path.relpath(path, ROOT)])
            reader = mne.io.read_raw_bdf if name.endswith(".bdf") else mne.io.read_raw_edf
            raw = reader(path, preload=True, verbose="error")
            data = raw.get_data() * 1e6  # V -> µV
            names, src, events = source(args, tmp)
            assert raw.ch_names == names, (raw.ch_names, names)
            n = src.shape[0]
            pad = data[:, n:]
            picks = sorted(set([0, 1, 2, n // 2, n - 1] + list(range(0, n, max(1, n // 20)))))
            out["files"][name] = {
                "convert_args": args,
                "channels": raw.ch_names,
                "sfreq": raw.info["sfreq"],
                "n_times": int(raw.n_times),
                "n_source": n,
                "max_abs_diff_uv": [float(np.max(np.abs(data[c, :n] - src[:, c])))
                                    for c in range(len(names))],
                "max_abs_padding_diff_uv": [
                    float(np.max(np.abs(pad[c] - src[-1, c]))) if pad.shape[1] else 0.0
                    for c in range(len(names))],
                "picks": picks,
                "data_uv_at_picks": [[round(float(data[c, i]), 9) for i in picks]
                                     for c in range(len(names))],
                "annotations": [[float(a["onset"]), float(a["duration"]), a["description"]]
                                for a in raw.annotations],
                "source_events": [list(e) for e in events],
            }
            print(f"{name}: {len(names)} ch, {raw.info['sfreq']} Hz, {raw.n_times} samples "
                  f"({n} source), max |MNE - source| = "
                  f"{max(out['files'][name]['max_abs_diff_uv']):.3e} µV, "
                  f"{len(raw.annotations)} annotations, {os.path.getsize(path)} bytes")
    with open(os.path.join(ROOT, "tests", "reference", "edf_writer_mne.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
