"""A small BIDS-EEG study written by mne-bids (not by eegi), for `eegi evaluate STUDY/`.

From the shared EEGMMIDB subject S001 (../shared/data/eegmmidb_s001, PhysioNet, ODC-By 1.0):
- sub-001: the imagined left/right fist runs R04, R08, R12 as sessions 1, 2, 3, in BrainVision;
- sub-002: the executed left/right fist runs R03, R07, R11 as sessions 1, 2, 3, in EDF — the
  same person's movements standing in for a second subject (EEGMMIDB's other subjects are not
  in shared/; motor execution and imagery share the mu/beta lateralisation at C3/C4).
Every run keeps four channels over the motor cortex (C3, C4, CP3, CP4), resampled by MNE from
160 to 80 Hz (so the study is about 0.7 MB), with its events as annotations labelled
`left_fist`, `right_fist` and `rest` (the `imagined_`/`real_` prefixes dropped so both subjects
share one task, `fists`). mne-bids writes the recordings, `_events.tsv`, `_channels.tsv`,
`participants.tsv` and `dataset_description.json` into tests/reference/bids_study/.

It then runs, per subject and session, scikit-learn's `cross_val_score` (stratified 5-fold,
balanced accuracy) on the same features eegi computes (log10 Welch band power 8-13 and
13-30 Hz per channel, epochs 0.5-2.5 s after each left/right cue, standardised, balanced
logistic regression) and prints the scores and the time taken, as the comparison for eegi's
`--protocol within-session` (tests/it/study.rs).

Run from the repository root (needs ../shared/data):
    /work/venv/bin/pip install mne mne-bids pybv edfio scikit-learn
    /work/venv/bin/python tests/reference/make_bids_study.py
"""

import os
import shutil
import sys
import time
import warnings

import mne
import mne_bids
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "..", "shared", "data", "eegmmidb_s001", "recordings")
OUT = os.path.join(ROOT, "tests", "reference", "bids_study")
CHANNELS = ["C3", "C4", "CP3", "CP4"]
SUBJECTS = {"001": ("BrainVision", ["R04", "R08", "R12"]),
            "002": ("EDF", ["R03", "R07", "R11"])}


def load_run(run):
    """A run of S001 as an MNE Raw (volts) with its events as annotations."""
    path = os.path.join(DATA, f"S001{run}.csv")
    header = open(path).readline().strip().split(",")
    cols = [header.index(c) for c in CHANNELS]
    data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=[0] + cols)
    fs = round(1 / (data[1, 0] - data[0, 0]))
    info = mne.create_info(CHANNELS, fs, ch_types="eeg")
    raw = mne.io.RawArray(data[:, 1:].T * 1e-6, info, verbose="error")
    ev = np.genfromtxt(os.path.join(DATA, f"S001{run}_events.csv"), delimiter=",",
                       names=True, dtype=None, encoding="utf-8")
    labels = [str(l).replace("imagined_", "").replace("real_", "") for l in ev["label"]]
    raw.set_annotations(mne.Annotations(ev["onset_s"], ev["duration_s"], labels))
    raw.set_meas_date(None)
    return raw.resample(80, verbose="error")


def write_study():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for subject, (fmt, runs) in SUBJECTS.items():
        for k, run in enumerate(runs):
            raw = load_run(run)
            path = mne_bids.BIDSPath(subject=subject, session=str(k + 1), task="fists", run=1,
                                     datatype="eeg", root=OUT)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mne_bids.write_raw_bids(raw, path, format=fmt, allow_preload=True,
                                        overwrite=True, verbose="error")


def band_power_epochs(vhdr_or_edf, events_tsv):
    """Log10 Welch power (8-13, 13-30 Hz) per channel of each 0.5-2.5 s epoch, as eegi."""
    from scipy.signal import welch
    raw = mne.io.read_raw(vhdr_or_edf, preload=True, verbose="error")
    x = raw.get_data() * 1e6
    fs = raw.info["sfreq"]
    ev = np.genfromtxt(events_tsv, delimiter="\t", names=True, dtype=None, encoding="utf-8")
    rows, labels = [], []
    for onset, label in zip(ev["onset"], ev["trial_type"]):
        if label not in ("left_fist", "right_fist"):
            continue
        a = int(round((onset + 0.5) * fs))
        b = a + int(round(2.0 * fs))
        if b > x.shape[1]:
            continue
        # eegi's rule (as tests/reference/sklearn_baselines.py): hann, nperseg = 1 s,
        # half overlap, constant detrend; df * sum of psd over lo <= f < hi; log10
        nperseg = int(round(min(1.0, (b - a) / fs) * fs))
        f, p = welch(x[:, a:b], fs=fs, window="hann", nperseg=nperseg,
                     noverlap=int(round(nperseg / 2)), detrend="constant", axis=-1)
        feats = [np.log10(p[:, (f >= lo) & (f < hi)].sum(axis=-1) * fs / nperseg)
                 for lo, hi in ((8, 13), (13, 30))]
        rows.append(np.concatenate(feats))
        labels.append(label)
    return np.array(rows), np.array(labels)


def sklearn_within_session():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    t0 = time.perf_counter()
    paths = mne_bids.find_matching_paths(OUT, suffixes="eeg", extensions=[".vhdr", ".edf"])
    for path in sorted(paths, key=lambda p: str(p.fpath)):
        events = str(path.fpath).rsplit("_eeg", 1)[0] + "_events.tsv"
        x, y = band_power_epochs(str(path.fpath), events)
        clf = make_pipeline(StandardScaler(),
                            LogisticRegression(class_weight="balanced", max_iter=5000))
        s = cross_val_score(clf, x, y, cv=StratifiedKFold(5), scoring="balanced_accuracy")
        print(f"sub-{path.subject} ses-{path.session}: {len(y)} epochs, "
              f"cross_val_score mean {s.mean():.3f}")
    print(f"scikit-learn within-session: {time.perf_counter() - t0:.2f} s "
          f"(reading with MNE, features, 5-fold per session)")


if __name__ == "__main__":
    if not os.path.isdir(DATA):
        sys.exit(f"{DATA}: not found (the shared recordings)")
    write_study()
    sklearn_within_session()
