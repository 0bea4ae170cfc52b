//! Every integration test, in one test binary (one link of eegi instead of one per file).
//! Each file of `tests/it/` is a module; run one with its name as a filter, e.g.
//! `cargo test --test it bad_inputs::` (test names are `<file>::<test>`).

mod common;

mod bad_inputs;
mod bad_inputs_brainvision;
mod brainvision;
mod classify_labels;
mod cli;
mod compare;
mod data_safety;
mod edf;
mod edf_writer;
mod evaluate;
mod evaluate_shared_data;
mod features_preprocess;
mod fuzz;
mod interrupt;
#[cfg(feature = "lsl")]
mod lsl;
#[cfg(not(feature = "lsl"))]
mod lsl_missing;
#[cfg(feature = "lsl")]
mod lsl_options;
mod numeric_guard;
mod online_errp;
mod reference;
mod reference_decode;
mod reference_erp;
mod reference_riemann;
mod reference_svm;
mod reference_xdawn;
mod reference_xdawncov;
mod report_erp;
mod report_metrics;
mod resample;
mod robust;
mod shared_data;
mod shared_data_decode;
mod shared_data_erp;
mod shared_data_xdawncov;
mod simulate;
mod study;
mod svm_shared_data;
mod threshold;
mod ux;
mod vendor;
mod xdawn;
mod xdawncov;

/// Every file of `tests/it/` is a module above, and no `tests/*.rs` makes a test binary of its
/// own (each would link eegi again).
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let rs = |dir: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(".rs").map(str::to_string))
            .collect();
        names.sort();
        names
    };
    let stray = rs(&tests);
    assert!(
        stray.is_empty(),
        "tests/{stray:?}.rs would each be a test binary: move them to tests/it/ and add a `mod`"
    );
    let main = std::fs::read_to_string(tests.join("it/main.rs")).unwrap();
    for name in rs(&tests.join("it")) {
        assert!(
            name == "main" || main.lines().any(|l| l == format!("mod {name};")),
            "tests/it/{name}.rs is not compiled: add `mod {name};` to tests/it/main.rs"
        );
    }
}
