"""Writes src/report/montage_1005.tsv: 2-D scalp positions of the 10-05 system for the HTML
report's scalp map.

Source: the standard 10-05 positions (Oostenveld R & Praamstra P, 2001, "The five percent
electrode system for high-resolution EEG and ERP measurements", Clin Neurophysiol 112:713-719),
as MNE distributes them (`mne.channels.make_standard_montage("standard_1005")`, the
FieldTrip/colin27 template). Projection: azimuthal equidistant about the vertex (Cz side up), as
MNE's topomaps do, about the centroid of the Fpz/T7/Oz/T8 ring (as MNE's sphere="eeglab"); scaled so the ring
through Fpz, T7, Oz and T8 has radius 1 (x to the right ear, y to the nose).

Run: python tests/reference/make_montage_1005.py  (mne >= 1.6)
"""
import warnings
from pathlib import Path

import numpy as np
import mne

warnings.simplefilter("ignore", FutureWarning)
montage = mne.channels.make_standard_montage("standard_1005")
names = montage.ch_names
info = mne.create_info(names, 100.0, "eeg").set_montage(montage)  # head frame (fiducials)
xyz = np.array([ch["loc"][:3] for ch in info["chs"]])
# centre: the centroid of the Fpz/T7/Oz/T8 ring (EEGLAB's convention, MNE's sphere="eeglab"),
# so that ring is the head circle and Cz its centre
origin = np.mean([xyz[names.index(n)] for n in ("Fpz", "T7", "Oz", "T8")], axis=0)
v = xyz - origin
v /= np.linalg.norm(v, axis=1, keepdims=True)
theta = np.arccos(np.clip(v[:, 2], -1, 1))
phi = np.arctan2(v[:, 1], v[:, 0])
ring = np.mean([theta[names.index(n)] for n in ("Fpz", "T7", "Oz", "T8")])
r = theta / ring
out = Path(__file__).resolve().parents[2] / "src" / "report" / "montage_1005.tsv"
with open(out, "w") as f:
    f.write("# 10-05 positions (Oostenveld & Praamstra 2001, MNE standard_1005), azimuthal "
            "equidistant, Fpz/T7/Oz/T8 ring = 1; x right, y nose; made by "
            "tests/reference/make_montage_1005.py\n")
    f.write("name\tx\ty\n")
    for n, ri, p in zip(names, r, phi):
        f.write(f"{n}\t{ri * np.cos(p):.4f}\t{ri * np.sin(p):.4f}\n")
print(f"wrote {out} ({len(names)} positions)")
