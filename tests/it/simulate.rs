//! `eegi simulate` end to end: deterministic files, and on them ERP features decode the
//! simulated error-related potential far better than band power.

use assert_cmd::Command;
use std::path::Path;

fn eegi() -> Command {
    Command::cargo_bin("eegi").unwrap()
}

fn simulate(dir: &Path, extra: &[&str]) {
    eegi()
        .arg("simulate")
        .arg("-o")
        .arg(dir)
        .args(extra)
        .assert()
        .success();
}

/// 5-fold balanced accuracy of `train` with `args` on the simulated recordings in `dir`.
fn train(dir: &Path, args: &[&str]) -> f64 {
    let out = eegi()
        .arg("train")
        .arg(dir.join("sim01.csv"))
        .arg(dir.join("sim02.csv"))
        .args(["--epoch", "0:0.8", "--labels", "robot_error,ok", "--json"])
        .args(args)
        .arg("-o")
        .arg(dir.join(format!("m{}.json", args.len())))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ba = v["cv_balanced_accuracy"].as_f64().unwrap();
    eprintln!("{args:?}: {ba}");
    ba
}

#[test]
fn same_seed_gives_identical_files() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let args = ["--recordings", "1", "--trials", "5", "--sample-rate", "64"];
    simulate(a.path(), &args);
    simulate(b.path(), &args);
    for f in ["sim01.csv", "sim01_events.csv", "simulation.json"] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
    let header = std::fs::read_to_string(a.path().join("sim01.csv")).unwrap();
    assert!(header.starts_with("time,Fp1,Fp2,"));
}

#[test]
fn channels_64_have_distinct_standard_names_and_65_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--recordings", "1", "--trials", "3", "--sample-rate", "64"];
    simulate(dir.path(), &[&args[..], &["--channels", "64"]].concat());
    let csv = std::fs::read_to_string(dir.path().join("sim01.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').skip(1).collect();
    assert_eq!(header.len(), 64);
    let distinct: std::collections::BTreeSet<&str> = header.iter().copied().collect();
    assert_eq!(distinct.len(), 64, "{header:?}");
    // every name is a 10-05 site of the montage table (Oostenveld & Praamstra 2001)
    let table = include_str!("../../src/report/montage_1005.tsv");
    let known: std::collections::BTreeSet<&str> =
        table.lines().filter_map(|l| l.split('\t').next()).collect();
    for n in &header {
        assert!(known.contains(n), "{n} is not a 10-05 name");
    }
    assert!(header.starts_with(&["Fp1", "Fp2", "AF3"]));
    assert_eq!(
        csv.lines().nth(1).unwrap().split(',').count(),
        65,
        "time and 64 values"
    );
    eegi()
        .arg("simulate")
        .arg("-o")
        .arg(dir.path())
        .args(["--channels", "65"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--channels 65: expected 32 to 64",
        ));
}

#[test]
fn erp_features_beat_band_power_on_simulated_errps() {
    let dir = tempfile::tempdir().unwrap();
    simulate(
        dir.path(),
        &[
            "--recordings",
            "2",
            "--trials",
            "80",
            "--sample-rate",
            "128",
            "--error-rate",
            "0.5",
        ],
    );
    let band_power = train(dir.path(), &[]);
    let erp = train(
        dir.path(),
        &[
            "--features",
            "erp",
            "--classifier",
            "lda",
            "--bandpass",
            "1-10",
            "--car",
        ],
    );
    assert!(erp >= 0.75, "ERP features: {erp}");
    assert!(
        erp >= band_power + 0.1,
        "ERP {erp} vs band power {band_power}"
    );
}

#[test]
fn bad_simulation_settings_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    eegi()
        .arg("simulate")
        .arg("-o")
        .arg(dir.path())
        .args(["--snr", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--snr 0: expected a positive ratio",
        ));
}

#[test]
fn tangent_vectors_beside_band_power_keep_their_scale() {
    // `--features bandpower,cov`: the scaler standardises the band powers and leaves the
    // tangent vectors as they are (mean 0, scale 1), as pyriemann feeds TangentSpace output
    // to scikit-learn (issue 16)
    let dir = tempfile::tempdir().unwrap();
    simulate(
        dir.path(),
        &[
            "--recordings",
            "1",
            "--trials",
            "40",
            "--sample-rate",
            "128",
        ],
    );
    let model = dir.path().join("m.json");
    eegi()
        .arg("train")
        .arg(dir.path().join("sim01.csv"))
        .args([
            "--epoch",
            "0:0.8",
            "--features",
            "bandpower,cov",
            "--cv",
            "0",
            "-o",
        ])
        .arg(&model)
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let names = m["feature_names"].as_array().unwrap();
    let (mean, scale) = (
        m["scaler"]["mean"].as_array().unwrap(),
        m["scaler"]["scale"].as_array().unwrap(),
    );
    let (mut tangent, mut band) = (0, 0);
    for ((n, mu), s) in names.iter().zip(mean).zip(scale) {
        let (mu, s) = (mu.as_f64().unwrap(), s.as_f64().unwrap());
        if n.as_str().unwrap().starts_with("cov_") {
            tangent += 1;
            assert_eq!((mu, s), (0.0, 1.0), "{n}");
        } else {
            band += 1;
            assert!(mu != 0.0 && s != 1.0, "{n}: band power is standardised");
        }
    }
    // 32 channels: 32·33/2 tangent coordinates, 32 × 5 band powers
    assert_eq!((tangent, band), (528, 160));
}
