"""scipy.signal.welch on the windows eegi's `stages` bench uses (64 channels x 2 s at 512 Hz,
1 s Hann segments, 50% overlap): windows per second, per window in a loop (as a script
usually does) and batched (all windows in one call). One thread (OPENBLAS/MKL not involved).

usage: python bench/welch_speed.py
"""
import time

import numpy as np
import scipy.signal

rng = np.random.default_rng(1)
fs, n_win = 512.0, 200
x = rng.normal(size=(n_win, 64, 1024))
t = time.perf_counter()
for w in x:
    scipy.signal.welch(w, fs=fs, window="hann", nperseg=512, noverlap=256, axis=-1)
loop = time.perf_counter() - t
t = time.perf_counter()
scipy.signal.welch(x, fs=fs, window="hann", nperseg=512, noverlap=256, axis=-1)
batch = time.perf_counter() - t
print(f"scipy.signal.welch, 64 ch x 2 s windows: loop {n_win / loop:.0f} windows/s "
      f"({loop / n_win * 1e6:.0f} µs/window), batched {n_win / batch:.0f} windows/s "
      f"({batch / n_win * 1e6:.0f} µs/window)")
