//! The options that compare pipelines (`eegi evaluate --compare`, `--pipeline`) and that
//! `train --auto` chooses among: the built-in presets, each a set of feature and classifier
//! options, and how a preset's options are layered over the command's own.

use super::config::FeatureArgs;
use super::train::ClassifierArg;
use crate::{Error, Result};
use clap::{Arg, Args, Command, FromArgMatches};

/// The built-in pipelines: name and the feature/classifier options it sets (layered over the
/// command's shared settings). Adding a preset is one line here.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "bandpower-logistic",
        "--features bandpower --classifier logistic",
    ),
    ("erp-lda", "--features erp --classifier lda"),
    ("xdawn-lda", "--features xdawn --classifier lda"),
    (
        "xdawncov-logistic",
        "--features xdawncov --classifier logistic",
    ),
    ("erpcov-logistic", "--features erpcov --classifier logistic"),
    ("cov-logistic", "--features cov --classifier logistic"),
    ("cov-mdm", "--features cov --classifier mdm"),
    ("csp-lda", "--features csp --classifier lda"),
    ("cov-svm", "--features cov --classifier svm"),
];

/// Options that compare pipelines on identical folds.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Comparing pipelines")]
pub struct CompareArgs {
    /// Compare pipelines on identical folds instead of evaluating one: `all` (every preset) or
    /// preset names, comma-separated. Presets: bandpower-logistic (Welch band power +
    /// logistic regression), erp-lda (decimated waveform + shrinkage LDA), xdawn-lda (xDAWN
    /// waveforms + LDA), xdawncov-logistic and erpcov-logistic (xDAWN / ERP covariances in the
    /// tangent space + logistic), cov-logistic (channel covariance in the tangent space +
    /// logistic), cov-mdm (minimum distance to Riemannian means), csp-lda (CSP log-variance +
    /// LDA), cov-svm (tangent space + SVM, --svm-kernel as given). A preset sets --features and --classifier; everything else is shared: the window
    /// (--epoch or --window/--step), pre-processing, --labels, --cv/--group-by (one fold list
    /// for every pipeline) and any other feature option given (--bands, --cov-estimator…). A
    /// preset that cannot run on these data (e.g. erp without --epoch) is reported as skipped
    /// with its reason. The report: balanced accuracy per pipeline and fold, time, and a
    /// Wilcoxon signed-rank test of each pipeline against the best across folds (across
    /// recordings with --cv by-recording); no permutation test.
    #[arg(long, value_name = "all|NAME,...", conflicts_with = "model")]
    pub compare: Option<String>,

    /// A pipeline of your own, compared with the presets: NAME=OPTIONS, the options being
    /// feature and classifier options separated by spaces (--features, --classifier, --alpha,
    /// --cov-estimator, --metric, --csp-filters, --erp-rate, --xdawn-filters, --erp-channels,
    /// --bands, --welch-segment, --welch-overlap, --power), layered over the shared settings as
    /// a preset's are. Repeat for several, e.g. --pipeline 'oas=--features cov
    /// --cov-estimator oas' --pipeline 'lda-bp=--features bandpower --classifier lda'. Without
    /// --compare only these are compared.
    #[arg(long, value_name = "NAME=OPTIONS", conflicts_with = "model")]
    pub pipeline: Vec<String>,
}

/// The feature and classifier options of one pipeline.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// Feature options.
    pub features: FeatureArgs,
    /// Classifier.
    pub classifier: ClassifierArg,
    /// L2 penalty (scikit-learn's 1/C).
    pub alpha: f64,
}

impl PipelineOptions {
    /// The pipeline these options give over the command's shared window, pre-processing and
    /// SVM settings, checked.
    pub fn spec(
        self,
        window: &super::config::WindowArgs,
        preprocess: &super::preprocess_args::PreprocessArgs,
        svm: &super::svm_args::SvmArgs,
    ) -> Result<crate::pipeline::PipelineSpec> {
        let w = window.spec();
        let spec = crate::pipeline::PipelineSpec {
            features: self.features.specs(w.length_s())?,
            labels: window.labels.clone(),
            window: w,
            preprocessing: preprocess.spec(),
            classifier: self.classifier.spec(self.alpha, svm),
        };
        spec.check()?;
        Ok(spec)
    }
}

/// One pipeline to compare: its name, its options as given, and the options layered over the
/// command's (or why they cannot be).
#[derive(Debug, Clone)]
pub struct NamedPipeline {
    /// Preset or user name.
    pub name: String,
    /// Its options, as text.
    pub options: String,
    /// The command's options with these layered over them, or why that failed.
    pub layered: std::result::Result<PipelineOptions, String>,
}

impl CompareArgs {
    /// Whether pipelines are compared (`--compare` or `--pipeline`).
    pub fn active(&self) -> bool {
        self.compare.is_some() || !self.pipeline.is_empty()
    }

    /// The pipelines asked for, in order (presets, then `--pipeline`s), each layered over
    /// `base`; unknown or repeated names are errors.
    pub fn pipelines(&self, base: &PipelineOptions) -> Result<Vec<NamedPipeline>> {
        let mut out = match &self.compare {
            Some(list) => presets_named(list, "--compare")?,
            None => Vec::new(),
        };
        for p in &self.pipeline {
            let (name, options) = p.split_once('=').ok_or_else(|| {
                Error::input(format!(
                    "--pipeline {p}: expected NAME=OPTIONS, e.g. 'mine=--features cov --classifier mdm'"
                ))
            })?;
            let name = name.trim();
            if name.is_empty() || name.contains(',') {
                return Err(Error::input(format!(
                    "--pipeline {p}: expected a non-empty NAME without commas before ="
                )));
            }
            out.push((name.to_string(), options.trim().to_string()));
        }
        for (i, (name, _)) in out.iter().enumerate() {
            if out[..i].iter().any(|(n, _)| n == name) {
                return Err(Error::input(format!(
                    "pipeline {name} is named twice, expected distinct names"
                )));
            }
        }
        Ok(out
            .into_iter()
            .map(|(name, options)| NamedPipeline {
                layered: layer(base, &options),
                name,
                options,
            })
            .collect())
    }
}

/// The presets a list names (`all`: every one), with their options; `option` names the list in
/// errors.
pub fn presets_named(list: &str, option: &str) -> Result<Vec<(String, String)>> {
    if list.trim() == "all" {
        return Ok(PRESETS
            .iter()
            .map(|(n, o)| (n.to_string(), o.to_string()))
            .collect());
    }
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| {
            PRESETS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(n, o)| (n.to_string(), o.to_string()))
                .ok_or_else(|| {
                    let known: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
                    Error::input(format!(
                        "{option} {name}: not a preset, expected all or some of {} (your own: --pipeline NAME=OPTIONS)",
                        known.join(", ")
                    ))
                })
        })
        .collect()
}

/// `options` (feature and classifier options separated by spaces) layered over `base`: an
/// option given replaces the base's value, the others keep it. Err: why they cannot be read
/// (e.g. a feature this eegi does not know).
pub fn layer(
    base: &PipelineOptions,
    options: &str,
) -> std::result::Result<PipelineOptions, String> {
    let command = FeatureArgs::augment_args(
        Command::new("pipeline")
            .no_binary_name(true)
            .disable_help_flag(true),
    )
    .arg(
        Arg::new("classifier")
            .long("classifier")
            .value_parser(clap::value_parser!(ClassifierArg)),
    )
    .arg(
        Arg::new("alpha")
            .long("alpha")
            .value_parser(clap::value_parser!(f64)),
    )
    // no defaults: only what the options give replaces the base's values
    .mut_args(|a| a.default_value(None::<&'static str>));
    let matches = command
        .try_get_matches_from(options.split_whitespace())
        .map_err(|e| {
            let text = e.render().to_string();
            let line = text.lines().next().unwrap_or("").trim();
            let line = line.strip_prefix("error: ").unwrap_or(line);
            if e.kind() == clap::error::ErrorKind::InvalidValue && line.contains("--features") {
                format!("this eegi has no such feature extractor ({line})")
            } else {
                line.to_string()
            }
        })?;
    let mut features = base.features.clone();
    features
        .update_from_arg_matches(&matches)
        .map_err(|e| e.to_string())?;
    Ok(PipelineOptions {
        features,
        classifier: matches
            .get_one::<ClassifierArg>("classifier")
            .copied()
            .unwrap_or(base.classifier),
        alpha: matches
            .get_one::<f64>("alpha")
            .copied()
            .unwrap_or(base.alpha),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::config::FeatureKind;

    fn base() -> PipelineOptions {
        #[derive(clap::Parser)]
        struct P {
            #[command(flatten)]
            f: FeatureArgs,
        }
        use clap::Parser;
        let p = P::parse_from(["x", "--bands", "mu=8-13", "--cov-estimator", "oas"]);
        PipelineOptions {
            features: p.f,
            classifier: ClassifierArg::Logistic,
            alpha: 2.0,
        }
    }

    #[test]
    fn options_replace_only_what_they_give() {
        let l = layer(&base(), "--features cov --classifier mdm").unwrap();
        assert_eq!(l.features.features, vec![FeatureKind::Cov]);
        assert_eq!(l.classifier, ClassifierArg::Mdm);
        assert_eq!(l.alpha, 2.0);
        // the base's own options stay
        assert_eq!(l.features.bands.as_deref(), Some("mu=8-13"));
        assert_eq!(
            l.features.cov.cov_estimator,
            crate::cli::cov_args::CovEstimatorArg::Oas
        );
        let l = layer(
            &base(),
            "--features bandpower,cov --alpha 10 --metric logeuclid",
        )
        .unwrap();
        assert_eq!(
            l.features.features,
            vec![FeatureKind::Bandpower, FeatureKind::Cov]
        );
        assert_eq!(l.alpha, 10.0);
        assert_eq!(
            l.features.cov.metric,
            crate::cli::cov_args::MetricArg::Logeuclid
        );
    }

    #[test]
    fn unknown_options_and_features_say_why() {
        let e = layer(&base(), "--features nosuch").unwrap_err();
        assert!(e.contains("nosuch"), "{e}");
        let e = layer(&base(), "--epoch 0:1").unwrap_err();
        assert!(e.contains("--epoch"), "{e}");
    }

    #[test]
    fn lists_name_presets() {
        assert_eq!(
            presets_named("all", "--compare").unwrap().len(),
            PRESETS.len()
        );
        let two = presets_named("cov-mdm, csp-lda", "--compare").unwrap();
        assert_eq!(two[1].0, "csp-lda");
        assert!(presets_named("cov-mdm,nope", "--compare").is_err());
    }
}
