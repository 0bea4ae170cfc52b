"""The Python peer of `eegi classify`: the pipeline a scientist writes today.

read_csv (pandas C engine, pandas+pyarrow, or polars) -> scipy.signal.welch over sliding
windows -> band power -> StandardScaler statistics -> scikit-learn LogisticRegression
predict_proba, using the very coefficients of an eegi model file, so the two must agree.

usage: python bench/peer_classify.py --engine pandas|pyarrow|polars MODEL.json IN.csv OUT.csv
"""
import argparse
import json

import numpy as np
import scipy.signal
from sklearn.linear_model import LogisticRegression


def read(path, engine, channels):
    if engine == "polars":
        import polars as pl
        return pl.read_csv(path, columns=channels).select(channels).to_numpy().astype(np.float64)
    import pandas as pd
    kw = {"engine": "pyarrow"} if engine == "pyarrow" else {}
    return pd.read_csv(path, usecols=channels, **kw)[channels].to_numpy(dtype=np.float64)


def model_settings(m):
    """The settings of an eegi model file (band power, sliding windows) in samples: rate (Hz),
    channels, window and step, the band-power spec, Welch segment and overlap, bands (Hz)."""
    fs = m["sample_rate_hz"]
    step = int(round(m["window"]["step_s"] * fs))
    bp = m["features"][0]
    nperseg = int(round(bp["welch_segment_s"] * fs))
    noverlap = int(round(bp["welch_overlap"] * nperseg))
    bands = [(b["low_hz"], b["high_hz"]) for b in bp["bands"]]
    return fs, m["channels"], m["window_samples"], step, bp, nperseg, noverlap, bands


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="pandas", choices=["pandas", "pyarrow", "polars"])
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("output")
    a = ap.parse_args()
    m = json.load(open(a.model))
    fs, channels, length, step, bp, nperseg, noverlap, bands = model_settings(m)
    x = read(a.input, a.engine, channels)  # samples x channels
    n = x.shape[0]
    starts = np.arange(0, n - length + 1, step)
    # channels x windows x samples, as views
    views = np.lib.stride_tricks.sliding_window_view(x.T, length, axis=1)[:, starts, :]
    df = fs / nperseg
    rows = []
    for i in range(0, len(starts), 256):  # batches keep welch's segment copies bounded
        freqs, psd = scipy.signal.welch(views[:, i:i + 256, :], fs=fs, window="hann", nperseg=nperseg,
                                        noverlap=noverlap, detrend="constant", scaling="density", axis=-1)
        lo = min(b[0] for b in bands)
        hi = max(b[1] for b in bands)
        bpw = np.stack([psd[..., (freqs >= l) & (freqs < h)].sum(axis=-1) * df for l, h in bands], axis=-1)
        if bp["power"] == "log10":
            feats = np.log10(np.maximum(bpw, 1e-12))
        elif bp["power"] == "absolute":
            feats = bpw
        else:
            total = psd[..., (freqs >= lo) & (freqs < hi)].sum(axis=-1) * df
            feats = bpw / total[..., None]
        # channel-major columns: (window, channel, band)
        rows.append(np.transpose(feats, (1, 0, 2)).reshape(feats.shape[1], -1))
    feats = np.concatenate(rows)
    z = (feats - np.array(m["scaler"]["mean"])) / np.array(m["scaler"]["scale"])
    lr = m["classifier"]["model"]
    clf = LogisticRegression()
    clf.classes_ = np.arange(len(m["classes"]))
    clf.coef_ = np.array(lr["coefficients"])
    clf.intercept_ = np.array(lr["intercepts"])
    p = clf.predict_proba(z)
    labels = np.array(m["classes"])[p.argmax(axis=1)]
    with open(a.output, "w") as f:
        f.write("start_s,end_s,label," + ",".join("p_" + c for c in m["classes"]) + "\n")
        for s, lab, row in zip(starts, labels, p):
            f.write(f"{s / fs:.6f},{(s + length) / fs:.6f},{lab}," + ",".join(repr(float(v)) for v in row) + "\n")


if __name__ == "__main__":
    main()
