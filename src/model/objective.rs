//! The weighted, L2-penalised logistic objective of [`super::logistic`] (its module docs give
//! the formula) and its gradient, evaluated in one pass over the windows into reused buffers.
//! A leaf: the L-BFGS driver (`lbfgs.rs`) minimises it and `logistic.rs` builds it. Both
//! products run through [`super::dots`] on a [`Design`], the features row-major and
//! column-major, made once per fit.

use super::dots::{dots, dots_pair};
use super::linear::sigmoid;
use ndarray::{Array2, ArrayView2};

/// The training features of a fit in both layouts: rows (windows, contiguous) for the linear
/// outputs, columns (features, contiguous) for the gradient. Made once per fit: the copy costs
/// one pass over the features, each evaluation two.
pub struct Design<'x> {
    /// Windows × features, row-major.
    rows: ArrayView2<'x, f64>,
    /// Features × windows, row-major (the transpose).
    columns: Vec<f64>,
}

impl<'x> Design<'x> {
    /// Both layouts of `x` (windows × features, in standard layout: see
    /// [`ArrayView2::as_standard_layout`]).
    ///
    /// # Panics
    /// If `x` is not in standard layout (a caller's bug).
    pub fn new(x: ArrayView2<'x, f64>) -> Self {
        assert!(x.is_standard_layout(), "features in standard layout");
        let columns = x.t().iter().copied().collect();
        Design { rows: x, columns }
    }

    /// Number of windows.
    pub fn n_rows(&self) -> usize {
        self.rows.nrows()
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.rows.ncols()
    }
}

/// The weighted logistic objective `f` of the module docs on one training set, with the
/// buffers of its evaluation. Parameters are laid out as all coefficient rows (row-major, one
/// row for K = 2, K rows otherwise), then one intercept per row.
pub struct Objective<'d, 'y> {
    x: &'d Design<'d>,
    y: &'y [usize],
    /// Sample weights divided by their sum.
    weights: Vec<f64>,
    /// L2 penalty divided by the sum of the sample weights (scikit-learn's `1/(C·Σw)`).
    penalty: f64,
    n_classes: usize,
    /// Coefficient rows: 1 for K = 2, else K.
    rows: usize,
    /// Linear outputs of every window, then its weighted residuals: windows × rows.
    z: Array2<f64>,
    /// The residuals transposed: rows × windows.
    residuals: Vec<f64>,
}

impl<'d, 'y> Objective<'d, 'y> {
    /// The objective for features `x`, classes `y`, sample `weights` (any positive scale) and
    /// L2 penalty `alpha` (1/C).
    pub fn new(
        x: &'d Design<'d>,
        y: &'y [usize],
        n_classes: usize,
        weights: &[f64],
        alpha: f64,
    ) -> Self {
        let total: f64 = weights.iter().sum();
        let rows = if n_classes == 2 { 1 } else { n_classes };
        Objective {
            x,
            y,
            weights: weights.iter().map(|w| w / total).collect(),
            penalty: alpha / total,
            n_classes,
            rows,
            z: Array2::zeros((x.n_rows(), rows)),
            residuals: vec![0.0; x.n_rows() * rows],
        }
    }

    /// Number of parameters: coefficient rows × (features + 1).
    pub fn n_params(&self) -> usize {
        self.rows * (self.x.n_features() + 1)
    }

    /// Coefficient rows and intercepts of a parameter vector.
    pub fn unpack(&self, theta: &[f64]) -> (Vec<Vec<f64>>, Vec<f64>) {
        let d = self.x.n_features();
        let w = theta[..self.rows * d]
            .chunks(d)
            .map(|r| r.to_vec())
            .collect();
        (w, theta[self.rows * d..].to_vec())
    }

    /// `f(theta)`, with its gradient written into `grad`, in one pass over the windows.
    pub fn evaluate(&mut self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let d = self.x.n_features();
        let (w, b) = theta.split_at(self.rows * d);
        self.linear_outputs(w);
        let (gw, gb) = grad.split_at_mut(self.rows * d);
        let loss = self.loss_and_residuals(b, gb);
        self.coefficient_gradient(w, gw);
        loss + 0.5 * self.penalty * w.iter().map(|v| v * v).sum::<f64>()
    }

    /// Writes `X·Wᵀ` (coefficient rows `w`) into `z`, two windows at a time: each coefficient
    /// row is read once for both.
    fn linear_outputs(&mut self, w: &[f64]) {
        let d = self.x.n_features();
        let n = self.x.n_rows();
        let rows = self.rows;
        if d == 0 {
            self.z.fill(0.0);
        }
        let xs = self.x.rows.as_slice().expect("standard layout");
        let zs = self.z.as_slice_mut().expect("standard layout");
        let pairs = xs
            .chunks_exact(2 * d.max(1))
            .zip(zs.chunks_exact_mut(2 * rows));
        for (x2, z2) in pairs.take(n / 2) {
            let (x0, x1) = x2.split_at(d);
            let (z0, z1) = z2.split_at_mut(rows);
            dots_pair(x0, x1, w, d, z0, z1);
        }
        if n % 2 == 1 {
            let (x, z) = (&xs[(n - 1) * d..n * d], &mut zs[(n - 1) * rows..n * rows]);
            dots(x, w, d, z);
        }
    }

    /// The weighted loss from the linear outputs in `z` and intercepts `b`; leaves each
    /// window's weighted residuals in `z` and their sums (the intercepts' gradient) in `gb`.
    fn loss_and_residuals(&mut self, b: &[f64], gb: &mut [f64]) -> f64 {
        gb.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0.0;
        for ((mut zi, &yi), &wi) in self.z.rows_mut().into_iter().zip(self.y).zip(&self.weights) {
            let zi = zi.as_slice_mut().expect("standard layout");
            if self.n_classes == 2 {
                let z = zi[0] + b[0];
                let t = if yi == 1 { 1.0 } else { 0.0 };
                // −log p(y) = log(1 + eᶻ) − t·z, with log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|)
                loss += wi * (z.max(0.0) + (-z.abs()).exp().ln_1p() - t * z);
                let r = wi * (sigmoid(z) - t);
                zi[0] = r;
                gb[0] += r;
            } else {
                let mut m = f64::NEG_INFINITY;
                for (v, bk) in zi.iter_mut().zip(b) {
                    *v += bk;
                    m = m.max(*v);
                }
                let own = zi[yi] - m;
                let mut sum = 0.0;
                for v in zi.iter_mut() {
                    *v = (*v - m).exp();
                    sum += *v;
                }
                // −log p(y) = log Σ e^(z_k − m) − (z_y − m)
                loss += wi * (sum.ln() - own);
                for (k, (v, g)) in zi.iter_mut().zip(gb.iter_mut()).enumerate() {
                    let r = wi * (*v / sum - if k == yi { 1.0 } else { 0.0 });
                    *v = r;
                    *g += r;
                }
            }
        }
        loss
    }

    /// Writes the coefficients' gradient, residualsᵀ·X + penalty·W, into `gw`: one feature
    /// column against every residual row, two columns at a time (each residual row read once
    /// for both).
    fn coefficient_gradient(&mut self, w: &[f64], gw: &mut [f64]) {
        let d = self.x.n_features();
        let n = self.x.n_rows();
        let rows = self.rows;
        for (i, zi) in self.z.rows().into_iter().enumerate() {
            for (k, r) in zi.iter().enumerate() {
                self.residuals[k * n + i] = *r;
            }
        }
        let (mut c0, mut c1) = (vec![0.0; rows], vec![0.0; rows]);
        let columns = &self.x.columns;
        let mut j = 0;
        while j < d {
            let xj = &columns[j * n..(j + 1) * n];
            if j + 1 < d {
                let xk = &columns[(j + 1) * n..(j + 2) * n];
                dots_pair(xj, xk, &self.residuals, n, &mut c0, &mut c1);
            } else {
                dots(xj, &self.residuals, n, &mut c0);
            }
            for k in 0..rows {
                gw[k * d + j] = c0[k] + self.penalty * w[k * d + j];
                if j + 1 < d {
                    gw[k * d + j + 1] = c1[k] + self.penalty * w[k * d + j + 1];
                }
            }
            j += 2;
        }
    }
}
