//! The report's ERP figures on simulated ErrPs: class averages with confidence bands on the
//! channels that separate the classes, the difference wave, and the scalp map at its peak —
//! where `eegi simulate` put the error positivity (FCz, 250-450 ms).

use assert_cmd::Command;

#[test]
fn an_errp_report_draws_class_averages_difference_and_scalp_map_where_the_errp_is() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("eegi")
        .unwrap()
        .args(["simulate", "--recordings", "2", "--trials", "80", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    let html = dir.path().join("report.html");
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .arg("evaluate")
        .arg(dir.path().join("sim01.csv"))
        .arg(dir.path().join("sim02.csv"))
        .args([
            "--epoch",
            "-0.2:0.8",
            "--baseline",
            "-0.2:0",
            "--bandpass",
            "1-10",
        ])
        .args(["--features", "erp", "--classifier", "lda", "--cv", "3"])
        .args(["--permutations", "0", "--json", "--report"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let erp = &v["erp"];
    let times = erp["times_s"].as_array().unwrap();
    assert!((times[0].as_f64().unwrap() + 0.2).abs() < 1e-9);
    assert_eq!(erp["difference_label"], "robot_error − ok");
    let n: Vec<u64> = erp["n"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(n.iter().sum::<u64>(), v["n_windows"].as_u64().unwrap());
    // the best channel is at the ErrP's centre, and its difference peaks in 250-450 ms
    let best = &erp["channels"][0];
    let name = best["channel"].as_str().unwrap();
    assert!(
        ["FCz", "Cz", "FC1", "FC2", "Fz"].contains(&name),
        "best channel {name}"
    );
    let diff: Vec<f64> = best["difference"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let band: Vec<f64> = best["difference_ci95"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let peak = (0..diff.len())
        .max_by(|&a, &b| diff[a].total_cmp(&diff[b]))
        .unwrap();
    let t = times[peak].as_f64().unwrap();
    assert!((0.25..=0.45).contains(&t), "peak at {t} s");
    // the positivity is several µV and clear of its 95 % band; the baseline is flat
    assert!(
        diff[peak] > 3.0 && diff[peak] - band[peak] > 0.0,
        "{} ± {}",
        diff[peak],
        band[peak]
    );
    let mean_base = diff[..51].iter().map(|d| d.abs()).sum::<f64>() / 51.0;
    assert!(mean_base < 1.0, "baseline difference {mean_base} µV");
    // the scalp map is taken at the peak of the difference's spread, and FCz is positive there
    let map = &erp["scalp_map"];
    let mt = map["time_s"].as_f64().unwrap();
    assert!((0.2..=0.5).contains(&mt), "map at {mt} s");
    let chans = map["channels"].as_array().unwrap();
    let fcz = chans.iter().position(|c| c == "FCz").unwrap();
    let values: Vec<f64> = map["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let top = values.iter().copied().fold(f64::MIN, f64::max);
    assert!(values[fcz] > 0.5 * top, "FCz {} of max {top}", values[fcz]);
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("Scalp map of the difference wave"));
    assert!(text.contains("robot_error − ok at "));
    assert!(text.matches("<polygon").count() >= 3 * erp["channels"].as_array().unwrap().len());
    assert!(
        !text.contains("Not placed"),
        "every simulated channel has a 10-05 name"
    );
}
