//! Tests of bandpower.rs: band power as scipy computes it, and the shared-segment cache.

use super::*;

fn spec(seg: f64, bands: Vec<Band>) -> BandPowerSpec {
    BandPowerSpec {
        welch_segment_s: seg,
        welch_overlap: 0.5,
        bands,
        power: PowerScale::Absolute,
    }
}

#[test]
fn band_above_nyquist_is_refused_with_the_rates() {
    let e = spec(1.0, Band::defaults()).check(16.0, 24).unwrap_err();
    assert!(
        e.message
            .contains("band alpha=8-13 Hz reaches above the Nyquist frequency 8 Hz"),
        "{}",
        e.message
    );
    assert!(spec(1.0, Band::parse_list("d=1-4,t=4-8").unwrap())
        .check(16.0, 24)
        .is_ok());
}

#[test]
fn band_narrower_than_resolution_is_refused() {
    // 0.5 s segments: 2 Hz resolution; a 1 Hz band cannot be resolved.
    let e = spec(0.5, Band::parse_list("narrow=10-11").unwrap())
        .check(100.0, 50)
        .unwrap_err();
    assert!(
        e.message
            .contains("narrower than the frequency resolution 2 Hz"),
        "{}",
        e.message
    );
}

#[test]
fn parse_list_rejects_malformed_bands() {
    assert!(Band::parse_list("alpha=8-13,beta=13-30").is_ok());
    for bad in ["alpha", "alpha=8", "alpha=13-8", "a=x-2", "a=1-2,a=2-3", ""] {
        assert!(Band::parse_list(bad).is_err(), "{bad}");
    }
}

#[test]
fn transform_at_gives_transform_bit_for_bit_whatever_the_steps_and_layout() {
    // a noisy 3-channel signal; windows at steps that share Welch segments (multiples of
    // the 25-sample hop), that do not, that go back, and on row- and channel-major data
    let (fs, n, len) = (100.0, 2000, 200);
    let mut x = 1.0f64;
    let data: Vec<f64> = (0..n * 3)
        .map(|i| {
            x = (x * 16807.0) % 2147483647.0;
            (x / 2147483647.0 - 0.5) * 40.0 + (i as f64 * 0.37).sin() * 5.0
        })
        .collect();
    let rows = ndarray::Array2::from_shape_vec((n, 3), data).unwrap();
    let columns = rows.t().as_standard_layout().to_owned();
    let channel_major = columns.t();
    assert_eq!(channel_major.strides()[0], 1);
    let bp_spec = BandPowerSpec {
        welch_segment_s: 0.5,
        welch_overlap: 0.5,
        bands: Band::parse_list("d=1-4,a=8-13,b=13-30").unwrap(),
        power: PowerScale::Log10,
    };
    let starts = [
        0usize, 100, 200, 225, 250, 263, 263, 50, 1000, 1025, 1100, 1800,
    ];
    for view in [rows.view(), channel_major] {
        for channels in [vec![0usize, 1, 2], vec![2, 0]] {
            let mut reference = bp_spec.build(fs, len).unwrap();
            let mut cached = bp_spec.build(fs, len).unwrap();
            for &s in &starts {
                let window = view.slice(ndarray::s![s..s + len, ..]);
                let mut want = vec![0.0; channels.len() * 3];
                let mut got = vec![0.0; channels.len() * 3];
                reference.transform(window, &channels, &mut want);
                cached.transform_at(window, &channels, s as u64, &mut got);
                assert_eq!(
                    want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "window at {s}, channels {channels:?}"
                );
            }
        }
    }
}

#[test]
fn sine_power_lands_in_alpha() {
    let fs = 160.0;
    let n = 320;
    let data: Vec<f64> = (0..n)
        .map(|i| 10.0 * (2.0 * std::f64::consts::PI * 10.0 * i as f64 / fs).sin())
        .collect();
    let w = ndarray::Array2::from_shape_vec((n, 1), data).unwrap();
    let mut bp = spec(1.0, Band::defaults()).build(fs, n).unwrap();
    let mut out = vec![0.0; 5];
    bp.transform(w.view(), &[0], &mut out);
    // variance of a 10 µV sine is 50 µV²; it sits in alpha (8-13 Hz).
    assert!((out[2] - 50.0).abs() < 1.0, "{out:?}");
    assert!(out[0] < 1e-6 && out[4] < 1e-6, "{out:?}");
}
