//! Common spatial patterns (Koles 1991; Ramoser et al. 2000; Blankertz et al., IEEE Signal
//! Processing Magazine 25(1), 2008), as MNE-Python 1.13's `CSP(log=True)` for two classes (its
//! defaults: `cov_est="concat"`, `reg=None`, `component_order="mutual_info"`): each class's
//! covariance over its training epochs concatenated (`X·Xᵀ/(N−1)`, not centred: MNE's
//! `empirical` covariance of band-passed data); the generalized eigenvectors of
//! `C₀·w = λ·(C₀+C₁)·w` (`wᵀ(C₀+C₁)w = 1`), ordered by `|λ − ½|` descending (the filters whose
//! variance differs most between the classes first); the first `n_filters` kept. As MNE's
//! `restr_type="restricting"`, the problem is solved in the principal subspace of the mean class
//! covariance ([`RANK_TOLERANCE`]), so data of lower rank than its channels (after `--car`)
//! gives at most rank filters instead of a singular-matrix error. The feature of
//! a window is `ln(mean over samples of (wᵀx)²)` per filter.
//!
//! Supervised like xDAWN: fitted on training epochs only ([`ExtractorSpec::fit_on`]), refitted
//! in every cross-validation fold, and stored fitted in the model. Two classes only: MNE's
//! multi-class CSP is an approximate joint diagonalisation, not implemented here, and more than
//! two classes are refused.

use super::{Extractor, ExtractorSpec, TrainingEpochs};
use crate::signal::linalg::{cholesky, generalized_eigh, symmetric_eigh};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2, ArrayView3};
use serde::{Deserialize, Serialize};

/// Settings of the CSP extractor, and once fitted its filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CspSpec {
    /// Filters kept (at most the number of channels).
    pub n_filters: usize,
    /// The fitted filters (absent until fitted on training epochs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<CspFilters>,
}

/// Fitted CSP filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CspFilters {
    /// The two classes contrasted (λ is the first one's share of the variance).
    pub classes: Vec<String>,
    /// Filters, one row per kept filter, one weight per model channel.
    pub filters: Vec<Vec<f64>>,
    /// Their generalized eigenvalues λ (in [0, 1]), same order.
    pub eigenvalues: Vec<f64>,
}

/// The ready-to-run CSP extractor.
pub struct Csp {
    /// Filters × model channels.
    filters: Array2<f64>,
    /// One filtered sample per filter (scratch).
    projected: Vec<f64>,
}

impl CspSpec {
    /// Default filters: 6. MNE's default is 4, but Blankertz et al. (2008) recommend two or
    /// three filters per class, i.e. 4 to 6 for two classes, and 6 keeps the third-best filter
    /// of each class that motor imagery on many channels often needs (the reference
    /// pipeline, 6-filter CSP + LDA, uses 6).
    pub const DEFAULT_FILTERS: usize = 6;

    /// Builds the extractor of a fitted spec for `n_channels` model channels.
    pub fn build(&self, n_channels: usize) -> Result<Csp> {
        let f = self.fitted.as_ref().ok_or_else(|| {
            Error::input("csp features without fitted filters; they are fitted by `eegi train`")
        })?;
        // fewer filters than asked for when the training data spanned fewer dimensions
        let k = self.n_filters.min(n_channels);
        if f.filters.is_empty()
            || f.filters.len() > k
            || f.eigenvalues.len() != f.filters.len()
            || f.filters.iter().any(|r| r.len() != n_channels)
        {
            return Err(Error::input(format!(
                "csp filters: expected 1 to {k} filters of {n_channels} channel weights with one eigenvalue each"
            )));
        }
        Ok(Csp {
            filters: Array2::from_shape_fn((f.filters.len(), n_channels), |(i, j)| f.filters[i][j]),
            projected: vec![0.0; f.filters.len()],
        })
    }

    /// Fits the filters on the epochs `rows` of `epochs` (epochs × samples × model channels)
    /// with class indices `y` into `classes` (exactly two).
    pub fn fit(
        &self,
        epochs: ArrayView3<f64>,
        rows: &[usize],
        y: &[usize],
        classes: &[String],
    ) -> Result<CspSpec> {
        if classes.len() != 2 {
            return Err(Error::input(format!(
                "--features csp: {} classes ({}), expected 2: CSP contrasts the variance of two classes (pass --labels with two labels; MNE's multi-class CSP, an approximate joint diagonalisation, is not implemented)",
                classes.len(),
                classes.join(", ")
            )));
        }
        let c0 = class_covariance(epochs, rows, y, 0, &classes[0])?;
        let c1 = class_covariance(epochs, rows, y, 1, &classes[1])?;
        let total = &c0 + &c1;
        // MNE's restr_type="restricting": the generalized eigenproblem is solved in the
        // principal subspace of the mean class covariance, so rank-deficient data (after
        // --car, or with a duplicated channel) gives filters in the subspace the data spans
        let u = principal_subspace(&(&total / 2.0))?;
        let s_r = u.t().dot(&c0).dot(&u);
        let l = cholesky(&u.t().dot(&total).dot(&u)).map_err(|_| {
            Error::input(
                "--features csp: the training epochs' covariance is singular within its own principal subspace, expected a positive definite one",
            )
        })?;
        let (values, vectors_r) = generalized_eigh(&s_r, &l).map_err(|e| Error {
            message: format!("--features csp: {}", e.message),
            ..e
        })?;
        let vectors = u.dot(&vectors_r);
        let n_ch = values.len();
        let mut order: Vec<usize> = (0..n_ch).collect();
        order.sort_by(|&a, &b| (values[b] - 0.5).abs().total_cmp(&(values[a] - 0.5).abs()));
        let mut out = CspFilters {
            classes: classes.to_vec(),
            filters: Vec::new(),
            eigenvalues: Vec::new(),
        };
        for &i in order.iter().take(self.n_filters.min(n_ch)) {
            let mut v = vectors.column(i).to_vec();
            // sign: the largest-magnitude weight positive (eigenvectors have no sign)
            let big = v
                .iter()
                .fold(0.0f64, |b, &x| if x.abs() > b.abs() { x } else { b });
            if big < 0.0 {
                v.iter_mut().for_each(|x| *x = -*x);
            }
            out.filters.push(v);
            out.eigenvalues.push(values[i]);
        }
        Ok(CspSpec {
            n_filters: self.n_filters,
            fitted: Some(out),
        })
    }
}

/// Eigenvalues of the mean class covariance below this fraction of the largest are taken as
/// zero: 1e-10 of the variance (100 dB down) is no direction EEG samples span, while the
/// exact zero that `--car` or a duplicated channel leaves comes out near 1e-16 of it.
pub const RANK_TOLERANCE: f64 = 1e-10;

/// Orthonormal basis (channels × rank, columns by decreasing eigenvalue) of the principal
/// subspace of symmetric positive semi-definite `c`: its eigenvectors whose eigenvalues exceed
/// [`RANK_TOLERANCE`] times the largest (MNE's restricting matrix, transposed).
fn principal_subspace(c: &Array2<f64>) -> Result<Array2<f64>> {
    let (values, vectors) = symmetric_eigh(c).map_err(|e| Error {
        message: format!("--features csp: {}", e.message),
        ..e
    })?;
    let largest = values.iter().copied().fold(0.0f64, f64::max);
    let mut keep: Vec<usize> = (0..values.len())
        .filter(|&i| values[i] > largest * RANK_TOLERANCE)
        .collect();
    keep.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    if keep.is_empty() {
        return Err(Error::input(
            "--features csp: the training epochs' covariance is zero (flat channels?), expected signal",
        ));
    }
    Ok(vectors.select(ndarray::Axis(1), &keep))
}

/// MNE's `concat` covariance of class `k`'s training epochs: `X·Xᵀ/(N−1)` over their samples
/// concatenated, not centred.
fn class_covariance(
    epochs: ArrayView3<f64>,
    rows: &[usize],
    y: &[usize],
    k: usize,
    name: &str,
) -> Result<Array2<f64>> {
    let (_, n_t, n_ch) = epochs.dim();
    let members: Vec<usize> = rows.iter().copied().filter(|&r| y[r] == k).collect();
    if members.is_empty() || members.len() * n_t < 2 {
        return Err(Error::input(format!(
            "--features csp: no training epochs of class {name}, expected both classes"
        )));
    }
    let mut c = Array2::<f64>::zeros((n_ch, n_ch));
    for &r in &members {
        let e = epochs.index_axis(ndarray::Axis(0), r);
        c += &e.t().dot(&e);
    }
    c /= (members.len() * n_t - 1) as f64;
    if c.iter().any(|v| !v.is_finite()) {
        return Err(Error::input(format!(
            "--features csp: the covariance of class {name}'s training epochs is not finite, expected samples whose power is finite (|x| < 1e150 µV)"
        )));
    }
    Ok(c)
}

impl ExtractorSpec for CspSpec {
    fn describe(&self) -> String {
        format!(
            "CSP: log-variance of {} spatial filters (fitted on training epochs)",
            self.n_filters
        )
    }

    fn check_for(&self, _rate: f64, window_len: usize, channels: &[String]) -> Result<()> {
        if self.n_filters == 0 {
            return Err(Error::input("--csp-filters 0: expected at least 1 filter"));
        }
        if window_len < 2 || channels.is_empty() {
            return Err(Error::input(
                "--features csp: expected windows of at least 2 samples and at least 1 channel",
            ));
        }
        match self.fitted {
            None => Ok(()),
            Some(_) => self.build(channels.len()).map(|_| ()),
        }
    }

    /// Settings without filters learn them; fitted ones are used as they are.
    fn learns(&self) -> bool {
        self.fitted.is_none()
    }

    fn fit_on(&self, t: &TrainingEpochs) -> Result<Self> {
        if !self.learns() {
            return Ok(self.clone());
        }
        self.fit(t.epochs, t.rows, t.y, t.classes)
    }

    fn build_for(
        &self,
        _rate: f64,
        _len: usize,
        channels: &[String],
    ) -> Result<Box<dyn Extractor>> {
        Ok(Box::new(self.build(channels.len())?))
    }
}

impl Extractor for Csp {
    fn n_columns(&self, _n_channels: usize) -> usize {
        self.filters.nrows()
    }

    fn column_names(&self, _channels: &[String]) -> Vec<String> {
        (1..=self.filters.nrows())
            .map(|i| format!("csp{i}"))
            .collect()
    }

    fn transform(&mut self, window: ArrayView2<f64>, channels: &[usize], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        for row in window.rows() {
            for (p, w) in self.projected.iter_mut().zip(self.filters.rows()) {
                *p = w.iter().zip(channels).map(|(a, &c)| a * row[c]).sum();
            }
            for (o, p) in out.iter_mut().zip(&self.projected) {
                *o += p * p;
            }
        }
        let n = window.nrows() as f64;
        out.iter_mut().for_each(|o| *o = (*o / n).ln());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    /// Epochs (epochs × samples × 4 channels) of two classes differing in the variance of
    /// channel 0; channel 3 is `last` of the others.
    fn epochs(last: impl Fn(&[f64]) -> f64) -> (Array3<f64>, Vec<usize>) {
        let (n, t) = (20, 50);
        let mut x = Array3::<f64>::zeros((n, t, 4));
        let mut state = 7u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let y: Vec<usize> = (0..n).map(|i| i % 2).collect();
        for e in 0..n {
            for s in 0..t {
                let v = [
                    noise() * if y[e] == 0 { 3.0 } else { 1.0 },
                    noise(),
                    noise(),
                ];
                for c in 0..3 {
                    x[[e, s, c]] = v[c];
                }
                x[[e, s, 3]] = last(&v);
            }
        }
        (x, y)
    }

    fn fit(x: &Array3<f64>, y: &[usize]) -> CspFilters {
        let rows: Vec<usize> = (0..y.len()).collect();
        let spec = CspSpec {
            n_filters: 4,
            fitted: None,
        };
        let classes = ["a".to_string(), "b".to_string()];
        spec.fit(x.view(), &rows, y, &classes)
            .unwrap()
            .fitted
            .unwrap()
    }

    #[test]
    fn data_of_lower_rank_gives_filters_in_its_subspace() {
        // a flat channel: three filters, none weighing it
        let (x, y) = epochs(|_| 0.0);
        let f = fit(&x, &y);
        assert_eq!(f.filters.len(), 3);
        for w in &f.filters {
            assert!(w[3].abs() < 1e-12, "{w:?}");
        }
        // the first filter is the one of the channel whose variance differs between classes
        assert!(
            f.filters[0][0].abs() > 10.0 * f.filters[0][1].abs(),
            "{:?}",
            f.filters[0]
        );
        // a duplicated channel: three filters, each blind to the difference of the two copies
        let (x, y) = epochs(|v| v[2]);
        let f = fit(&x, &y);
        assert_eq!(f.filters.len(), 3);
        for w in &f.filters {
            let n = w.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!((w[2] - w[3]).abs() < 1e-9 * n, "{w:?}");
        }
        // and the built extractor gives three finite features
        let spec = CspSpec {
            n_filters: 4,
            fitted: Some(f),
        };
        let mut e = spec.build(4).unwrap();
        assert_eq!(e.n_columns(4), 3);
        let mut out = [0.0; 3];
        e.transform(x.index_axis(ndarray::Axis(0), 0), &[0, 1, 2, 3], &mut out);
        assert!(out.iter().all(|v| v.is_finite()), "{out:?}");
    }
}
