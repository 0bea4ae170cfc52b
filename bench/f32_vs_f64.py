"""What single precision would cost eegi's features: band power computed by scipy.signal.welch
in float32 against float64, on the same windows, through the same model.

Reports the largest relative difference in band power, the largest absolute difference in the
log10 features and in the class probabilities, and how many labels change. eegi computes in
float64; this is the measurement behind that choice (see docs/performance.md, "Why float64").

usage: python bench/f32_vs_f64.py MODEL.json IN.csv
"""
import json
import sys

import numpy as np
import pandas as pd
import scipy.signal

from peer_classify import model_settings


def features(views, fs, nperseg, noverlap, bands, dtype):
    freqs, psd = scipy.signal.welch(views.astype(dtype), fs=fs, window="hann", nperseg=nperseg,
                                    noverlap=noverlap, detrend="constant", scaling="density",
                                    axis=-1)
    df = fs / nperseg
    bpw = np.stack([psd[..., (freqs >= l) & (freqs < h)].sum(axis=-1, dtype=np.float64) * df
                    for l, h in bands], axis=-1)
    return np.transpose(bpw, (1, 0, 2)).reshape(bpw.shape[1], -1)


def main():
    m = json.load(open(sys.argv[1]))
    fs, channels, length, step, _, nperseg, noverlap, bands = model_settings(m)
    x = pd.read_csv(sys.argv[2], usecols=channels)[channels].to_numpy(dtype=np.float64)
    starts = np.arange(0, x.shape[0] - length + 1, step)
    views = np.lib.stride_tricks.sliding_window_view(x.T, length, axis=1)[:, starts, :]
    f64 = features(views, fs, nperseg, noverlap, bands, np.float64)
    f32 = features(views, fs, nperseg, noverlap, bands, np.float32)
    rel = np.abs(f32 - f64) / np.abs(f64)
    l64, l32 = np.log10(np.maximum(f64, 1e-12)), np.log10(np.maximum(f32, 1e-12))

    def proba(feats):
        z = (feats - np.array(m["scaler"]["mean"])) / np.array(m["scaler"]["scale"])
        lr = m["classifier"]["model"]
        logits = z @ np.array(lr["coefficients"]).T + np.array(lr["intercepts"])
        if logits.shape[1] == 1:
            p1 = 1 / (1 + np.exp(-logits[:, 0]))
            return np.stack([1 - p1, p1], axis=1)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    p64, p32 = proba(l64), proba(l32)
    print(f"{sys.argv[2]}: {len(starts)} windows x {f64.shape[1]} band powers")
    print(f"  band power, float32 vs float64: largest relative difference {rel.max():.2e} "
          f"(median {np.median(rel):.2e})")
    print(f"  log10 features: largest absolute difference {np.abs(l32 - l64).max():.2e}")
    print(f"  probabilities: largest absolute difference {np.abs(p32 - p64).max():.2e}; "
          f"labels changed: {(p32.argmax(1) != p64.argmax(1)).sum()}")


if __name__ == "__main__":
    main()
