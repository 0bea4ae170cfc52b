//! Band power: Welch PSD of each channel integrated over frequency bands, as log10 µV²,
//! absolute µV², or a fraction of the power between the lowest and highest band edge.

use super::{Extractor, ExtractorSpec};
use crate::signal::WelchPlan;
use crate::{Error, Result};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A named frequency band `[low_hz, high_hz)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Name used in feature columns, e.g. `alpha`.
    pub name: String,
    /// Lower edge in Hz (included).
    pub low_hz: f64,
    /// Upper edge in Hz (excluded).
    pub high_hz: f64,
}

impl Band {
    /// The canonical clinical EEG bands: delta 1-4, theta 4-8, alpha 8-13, beta 13-30,
    /// gamma 30-45 Hz (gamma stops below 50 Hz mains).
    pub fn defaults() -> Vec<Band> {
        [
            ("delta", 1.0, 4.0),
            ("theta", 4.0, 8.0),
            ("alpha", 8.0, 13.0),
            ("beta", 13.0, 30.0),
            ("gamma", 30.0, 45.0),
        ]
        .iter()
        .map(|&(n, l, h)| Band {
            name: n.into(),
            low_hz: l,
            high_hz: h,
        })
        .collect()
    }

    /// Parses `name=lo-hi,name=lo-hi,...` (Hz).
    pub fn parse_list(text: &str) -> Result<Vec<Band>> {
        let mut bands: Vec<Band> = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bad = || {
                Error::input(format!(
                    "--bands: '{item}', expected name=low-high in Hz, e.g. alpha=8-13"
                ))
            };
            let (name, range) = item.split_once('=').ok_or_else(bad)?;
            let (lo, hi) = range.split_once('-').ok_or_else(bad)?;
            let low_hz: f64 = lo.trim().parse().map_err(|_| bad())?;
            let high_hz: f64 = hi.trim().parse().map_err(|_| bad())?;
            let name = name.trim().to_string();
            if name.is_empty()
                || !low_hz.is_finite()
                || !high_hz.is_finite()
                || low_hz < 0.0
                || high_hz <= low_hz
            {
                return Err(bad());
            }
            if bands.iter().any(|b| b.name == name) {
                return Err(Error::input(format!(
                    "--bands: band '{name}' is named twice, expected unique names"
                )));
            }
            bands.push(Band {
                name,
                low_hz,
                high_hz,
            });
        }
        if bands.is_empty() {
            return Err(Error::input(
                "--bands: no bands given, expected name=low-high,...",
            ));
        }
        Ok(bands)
    }
}

/// How band power is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerScale {
    /// log10 of the band power in µV² (floored at 1e-12 µV² so a flat channel stays finite).
    Log10,
    /// Band power in µV².
    Absolute,
    /// Band power divided by the power between the lowest and the highest band edge.
    Relative,
}

/// Band-power settings: Welch segment length and overlap, bands, and scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandPowerSpec {
    /// Welch segment length in s.
    pub welch_segment_s: f64,
    /// Welch overlap between segments, as a fraction of the segment in [0, 1).
    pub welch_overlap: f64,
    /// Bands to integrate over.
    pub bands: Vec<Band>,
    /// How power is expressed.
    pub power: PowerScale,
}

/// Smallest band power used before log10, in µV².
const LOG_FLOOR_UV2: f64 = 1e-12;

impl BandPowerSpec {
    /// Default Welch segment for a window: 1 s (1 Hz resolution, enough to split the canonical
    /// bands) or the whole window when it is shorter.
    pub fn default_segment_s(window_s: f64) -> f64 {
        window_s.min(1.0)
    }

    /// Segment and overlap lengths in samples at `sample_rate_hz`.
    pub fn segment_samples(&self, sample_rate_hz: f64) -> (usize, usize) {
        let seg = (self.welch_segment_s * sample_rate_hz).round() as usize;
        let overlap = (self.welch_overlap * seg as f64).round() as usize;
        (seg, overlap)
    }

    /// Validates the settings against the sample rate and window length (samples).
    pub fn check(&self, sample_rate_hz: f64, window_len: usize) -> Result<()> {
        if !(self.welch_overlap >= 0.0 && self.welch_overlap < 1.0) {
            return Err(Error::input(format!(
                "--welch-overlap {}: expected a fraction in [0, 1)",
                self.welch_overlap
            )));
        }
        let (seg, overlap) = self.segment_samples(sample_rate_hz);
        if seg < 2 {
            return Err(Error::input(format!(
                "--welch-segment {} s holds fewer than 2 samples at {sample_rate_hz} Hz",
                self.welch_segment_s
            )));
        }
        if seg > window_len {
            return Err(Error::input(format!(
                "--welch-segment {} s ({seg} samples) is longer than the window ({window_len} samples), expected at most the window length",
                self.welch_segment_s
            )));
        }
        if overlap >= seg {
            return Err(Error::input(
                "--welch-overlap leaves no step between segments",
            ));
        }
        let nyquist = sample_rate_hz / 2.0;
        let resolution = sample_rate_hz / seg as f64;
        for b in &self.bands {
            if b.high_hz > nyquist {
                return Err(Error::input(format!(
                    "band {}={}-{} Hz reaches above the Nyquist frequency {nyquist} Hz (sample rate {sample_rate_hz} Hz); pass --bands with edges up to {nyquist} Hz",
                    b.name, b.low_hz, b.high_hz
                )));
            }
            if b.high_hz - b.low_hz < resolution {
                return Err(Error::input(format!(
                    "band {}={}-{} Hz is narrower than the frequency resolution {resolution} Hz of a {} s Welch segment; widen the band or lengthen --welch-segment",
                    b.name, b.low_hz, b.high_hz, self.welch_segment_s
                )));
            }
        }
        Ok(())
    }

    /// Builds the extractor after validating the settings.
    pub fn build(&self, sample_rate_hz: f64, window_len: usize) -> Result<BandPower> {
        self.check(sample_rate_hz, window_len)?;
        let (seg, overlap) = self.segment_samples(sample_rate_hz);
        let plan = WelchPlan::new(seg, overlap, sample_rate_hz);
        let bins_in = |lo: f64, hi: f64| {
            let ks: Vec<usize> = (0..plan.n_bins())
                .filter(|&k| {
                    let f = plan.frequency_hz(k);
                    f >= lo && f < hi
                })
                .collect();
            (
                ks.first().copied().unwrap_or(0),
                ks.last().map_or(0, |k| k + 1),
            )
        };
        let band_bins = self
            .bands
            .iter()
            .map(|b| bins_in(b.low_hz, b.high_hz))
            .collect();
        let lo = self
            .bands
            .iter()
            .map(|b| b.low_hz)
            .fold(f64::INFINITY, f64::min);
        let hi = self.bands.iter().map(|b| b.high_hz).fold(0.0, f64::max);
        let total_bins = bins_in(lo, hi);
        let n_seg = plan.n_segments(window_len);
        let kept_scale = (total_bins.0..total_bins.1)
            .map(|k| plan.bin_scale(k, n_seg))
            .collect();
        Ok(BandPower {
            segment: vec![0.0; total_bins.1 - total_bins.0],
            total_bins,
            kept_scale,
            cache: Vec::new(),
            slot_of: Vec::new(),
            psd: vec![0.0; plan.n_bins()],
            columns: Vec::new(),
            resolution_hz: plan.resolution_hz(),
            plan,
            band_bins,
            bands: self.bands.clone(),
            power: self.power,
            window_len,
        })
    }
}

/// One Welch segment's |X|² over the bins `total_bins`, for every channel (channel-major).
#[derive(Debug)]
struct CachedSegment {
    /// Absolute index of the segment's first sample in the stream.
    start: u64,
    /// |X|² in µV², `n_channels × n_bins`.
    power: Vec<f64>,
}

/// The band-power extractor, holding its Welch plan and PSD buffer.
#[derive(Debug)]
pub struct BandPower {
    plan: WelchPlan,
    psd: Vec<f64>,
    /// The window's channels as contiguous columns (channel-major), reused per window.
    columns: Vec<f64>,
    resolution_hz: f64,
    band_bins: Vec<(usize, usize)>,
    total_bins: (usize, usize),
    /// Density factor of each bin in `total_bins` for a window's number of segments.
    kept_scale: Vec<f64>,
    /// One segment's |X|² over `total_bins`, reused per segment.
    segment: Vec<f64>,
    /// Segment powers kept for the next windows of a stream (see `transform_at`).
    cache: Vec<CachedSegment>,
    /// Cache slot of each segment of the current window.
    slot_of: Vec<usize>,
    bands: Vec<Band>,
    power: PowerScale,
    window_len: usize,
}

impl ExtractorSpec for BandPowerSpec {
    fn describe(&self) -> String {
        let bands: Vec<String> = self
            .bands
            .iter()
            .map(|b| format!("{} {}-{} Hz", b.name, b.low_hz, b.high_hz))
            .collect();
        let scale = match self.power {
            PowerScale::Log10 => "log10 µV²",
            PowerScale::Absolute => "µV²",
            PowerScale::Relative => "relative to the total",
        };
        format!(
            "band power ({scale}) per channel, Welch {} s segments with {}% overlap, bands {}",
            self.welch_segment_s,
            self.welch_overlap * 100.0,
            bands.join(", ")
        )
    }

    fn check_for(&self, sample_rate_hz: f64, window_len: usize, _: &[String]) -> Result<()> {
        self.build(sample_rate_hz, window_len).map(|_| ())
    }

    fn build_for(
        &self,
        sample_rate_hz: f64,
        window_len: usize,
        _: &[String],
    ) -> Result<Box<dyn Extractor>> {
        Ok(Box::new(self.build(sample_rate_hz, window_len)?))
    }
}

impl BandPower {
    /// The PSD (µV²/Hz) of one channel of a window, into the internal buffer.
    pub fn channel_psd(&mut self, window: ArrayView2<f64>, channel: usize) -> &[f64] {
        self.gather(window, &[channel], 0..self.window_len);
        self.plan
            .psd(&self.columns[..self.window_len], &mut self.psd);
        &self.psd
    }

    /// Copies rows `rows` of the window's `channels` into `columns`, one contiguous run per
    /// channel: rows are read in order (row-major input), so each cache line of the window is
    /// read once. Columns sit `column_stride()` values apart: one cache line more than the
    /// window, so the 64 write streams of a 2^k-sample window do not all fall in the same cache
    /// sets.
    fn gather(&mut self, window: ArrayView2<f64>, channels: &[usize], rows: Range<usize>) {
        let stride = self.column_stride();
        let first = rows.start;
        self.columns.resize(channels.len() * stride, 0.0);
        if let Some(data) = window.as_slice() {
            // tiles of 8 rows: each channel's 8 values fill one cache line of its column,
            // and the 8 rows read stay in L1 across all channels
            let width = window.ncols();
            for r0 in rows.clone().step_by(8) {
                let r1 = (r0 + 8).min(rows.end);
                let tile = &data[r0 * width..r1 * width];
                for (j, &ch) in channels.iter().enumerate() {
                    let at = j * stride + r0 - first;
                    let column = &mut self.columns[at..at + r1 - r0];
                    for (k, out) in column.iter_mut().enumerate() {
                        *out = tile[k * width + ch];
                    }
                }
            }
            return;
        }
        for (r, row) in window
            .rows()
            .into_iter()
            .enumerate()
            .take(rows.end)
            .skip(first)
        {
            for (j, &ch) in channels.iter().enumerate() {
                self.columns[j * stride + r - first] = row[ch];
            }
        }
    }

    /// Writes one channel's band features from its segments' |X|² summed over the kept bins
    /// (`total_bins`), scaling them to a density in place first: bit for bit `WelchPlan::psd`.
    fn write_kept(&self, kept: &mut [f64], out: &mut [f64]) {
        for (p, s) in kept.iter_mut().zip(&self.kept_scale) {
            *p *= s;
        }
        self.write_channel(kept, self.total_bins.0, out);
    }

    /// Writes one channel's band features from its PSD (µV²/Hz) at bins `first_bin..`.
    fn write_channel(&self, psd: &[f64], first_bin: usize, out: &mut [f64]) {
        let df = self.resolution_hz;
        let integrate =
            |(a, b): (usize, usize)| psd[a - first_bin..b - first_bin].iter().sum::<f64>() * df;
        let total = integrate(self.total_bins);
        for (k, &bins) in self.band_bins.iter().enumerate() {
            let p = integrate(bins);
            out[k] = match self.power {
                PowerScale::Absolute => p,
                PowerScale::Log10 => p.max(LOG_FLOOR_UV2).log10(),
                PowerScale::Relative => {
                    if total > 0.0 {
                        p / total
                    } else {
                        0.0
                    }
                }
            };
        }
    }

    /// Distance in values between the starts of two gathered columns.
    fn column_stride(&self) -> usize {
        self.window_len + 8
    }
}

impl Extractor for BandPower {
    fn n_columns(&self, n_channels: usize) -> usize {
        n_channels * self.bands.len()
    }

    fn column_names(&self, channels: &[String]) -> Vec<String> {
        channels
            .iter()
            .flat_map(|c| self.bands.iter().map(move |b| format!("{c}_{}", b.name)))
            .collect()
    }

    fn transform(&mut self, window: ArrayView2<f64>, channels: &[usize], out: &mut [f64]) {
        let n_bands = self.bands.len();
        let (len, stride) = (self.window_len, self.column_stride());
        self.gather(window, channels, 0..len);
        // each segment's |X|² over the kept bins only, summed in order from 0.0 and scaled:
        // bit for bit `WelchPlan::psd` over those bins
        let (first_bin, n_kept) = (self.total_bins.0, self.kept_scale.len());
        let (hop, seg_len) = (self.plan.step(), self.plan.segment_len());
        let n_seg = self.plan.n_segments(len);
        let mut psd = std::mem::take(&mut self.psd);
        let mut segment = std::mem::take(&mut self.segment);
        for j in 0..channels.len() {
            let column = &self.columns[j * stride..j * stride + len];
            let kept = &mut psd[..n_kept];
            kept.iter_mut().for_each(|p| *p = 0.0);
            for k in 0..n_seg {
                self.plan.segment_power(
                    &column[k * hop..k * hop + seg_len],
                    first_bin,
                    &mut segment,
                );
                for (p, v) in kept.iter_mut().zip(&segment) {
                    *p += v;
                }
            }
            self.write_kept(kept, &mut out[j * n_bands..(j + 1) * n_bands]);
        }
        self.psd = psd;
        self.segment = segment;
    }

    /// Keeps each Welch segment's |X|² (only the bins the bands use) for the next windows: at
    /// 2 s windows every 1 s with 1 s segments overlapping by half, a window needs two new
    /// segments instead of three, and only the rows they cover are gathered.
    fn transform_at(
        &mut self,
        window: ArrayView2<f64>,
        channels: &[usize],
        start: u64,
        out: &mut [f64],
    ) {
        let n_bands = self.bands.len();
        let n_ch = channels.len();
        let n_kept = self.kept_scale.len();
        let missing = self.assign_slots(start, n_ch * n_kept);
        if missing.0 < missing.1 {
            self.fill_segments(window, channels, start, missing);
        }
        // sum the segments in order from 0.0 and scale: bit for bit `WelchPlan::psd`
        let mut psd = std::mem::take(&mut self.psd);
        for j in 0..n_ch {
            let kept = &mut psd[..n_kept];
            kept.iter_mut().for_each(|p| *p = 0.0);
            for &slot in &self.slot_of {
                let power = &self.cache[slot].power[j * n_kept..(j + 1) * n_kept];
                for (p, v) in kept.iter_mut().zip(power) {
                    *p += v;
                }
            }
            self.write_kept(kept, &mut out[j * n_bands..(j + 1) * n_bands]);
        }
        self.psd = psd;
    }
}

impl BandPower {
    /// Points `slot_of` at the cache slot of each Welch segment of the window starting at
    /// sample `start` (a slot of `width` values: channels × kept bins), taking free slots for
    /// segments not cached and marking them `u64::MAX` to be filled; returns the range of
    /// segment indices to compute (empty if all are cached).
    fn assign_slots(&mut self, start: u64, width: usize) -> (usize, usize) {
        let n_ch_kept = width;
        let hop = self.plan.step();
        let n_seg = self.plan.n_segments(self.window_len);
        if self
            .cache
            .first()
            .is_some_and(|c| c.power.len() != n_ch_kept)
        {
            self.cache.clear();
        }
        // the cache slot of every segment; u64::MAX marks a slot being refilled
        self.slot_of.clear();
        let mut missing = (usize::MAX, 0);
        for k in 0..n_seg {
            let at = start + (k * hop) as u64;
            match self.cache.iter().position(|c| c.start == at) {
                Some(i) => self.slot_of.push(i),
                None => {
                    self.slot_of.push(usize::MAX);
                    missing = (missing.0.min(k), k + 1);
                }
            }
        }
        for k in missing.0..missing.1.max(missing.0) {
            if self.slot_of[k] != usize::MAX {
                continue;
            }
            let free = (0..self.cache.len()).find(|i| !self.slot_of.contains(i));
            let slot = free.unwrap_or_else(|| {
                self.cache.push(CachedSegment {
                    start: 0,
                    power: vec![0.0; n_ch_kept],
                });
                self.cache.len() - 1
            });
            self.cache[slot].start = u64::MAX;
            self.slot_of[k] = slot;
        }
        missing
    }

    /// Computes the |X|² of the segments `missing` (a range of segment indices) of the window
    /// starting at sample `start` into the slots `assign_slots` marked.
    fn fill_segments(
        &mut self,
        window: ArrayView2<f64>,
        channels: &[usize],
        start: u64,
        missing: (usize, usize),
    ) {
        let (first_bin, n_kept) = (self.total_bins.0, self.kept_scale.len());
        let (hop, seg_len) = (self.plan.step(), self.plan.segment_len());
        // each channel's new segments: read in place when the window is channel-major
        // (the streaming buffer), else from the rows they cover, gathered once for all
        let rows = missing.0 * hop..(missing.1 - 1) * hop + seg_len;
        let first_row = rows.start;
        let in_place = channels
            .iter()
            .all(|&c| window.column(c).as_slice().is_some());
        if !in_place {
            self.gather(window, channels, rows);
        }
        let stride = self.column_stride();
        let BandPower {
            plan,
            cache,
            slot_of,
            columns,
            ..
        } = self;
        for (j, &ch) in channels.iter().enumerate() {
            let column = window.column(ch);
            let samples: &[f64] = match column.as_slice() {
                Some(all) if in_place => &all[first_row..],
                _ => &columns[j * stride..],
            };
            for k in missing.0..missing.1 {
                let cached = &mut cache[slot_of[k]];
                if cached.start != u64::MAX {
                    continue;
                }
                let from = k * hop - first_row;
                plan.segment_power(
                    &samples[from..from + seg_len],
                    first_bin,
                    &mut cached.power[j * n_kept..(j + 1) * n_kept],
                );
            }
        }
        for k in missing.0..missing.1 {
            let slot = self.slot_of[k];
            if self.cache[slot].start == u64::MAX {
                self.cache[slot].start = start + (k * hop) as u64;
            }
        }
    }
}

#[cfg(test)]
#[path = "bandpower_tests.rs"]
mod tests;
