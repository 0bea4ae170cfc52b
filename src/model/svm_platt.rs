//! Platt scaling without offset for the SVM (`svm.rs`): the slope A ≥ [`MIN_SLOPE`] of
//! `P(class 1 | f) = 1 / (1 + exp(−A·f))` that minimises the weighted cross-entropy against
//! Platt's smoothed targets `(N₊ + 1)/(N₊ + 2)` and `1/(N₋ + 2)` (Platt 1999; Lin, Lin & Weng
//! 2007, as libsvm). One parameter, convex: bisection on the derivative, deterministic.

use super::linear::sigmoid;

/// Smallest slope: a calibration whose out-of-fold decision values point the wrong way still
/// keeps the most probable class on the hyperplane's side (probabilities all but 0.5).
pub const MIN_SLOPE: f64 = 1e-6;

/// Largest slope searched (decision values separate the classes perfectly out of fold).
pub const MAX_SLOPE: f64 = 1e6;

/// The slope for decision values `f` of rows of classes `y` (0/1), each class weighted by
/// `weights[class]`.
pub fn fit_slope(f: &[f64], y: &[usize], weights: &[f64]) -> f64 {
    let n_pos = y.iter().filter(|&&c| c == 1).count() as f64;
    let n_neg = y.len() as f64 - n_pos;
    let t_pos = (n_pos + 1.0) / (n_pos + 2.0);
    let t_neg = 1.0 / (n_neg + 2.0);
    // derivative of the loss in A: Σ w·f·(σ(A·f) − t), increasing in A
    let slope = |a: f64| -> f64 {
        f.iter()
            .zip(y)
            .map(|(&fi, &c)| {
                let t = if c == 1 { t_pos } else { t_neg };
                weights[c] * fi * (sigmoid(a * fi) - t)
            })
            .sum()
    };
    if slope(MIN_SLOPE) >= 0.0 {
        return MIN_SLOPE;
    }
    if slope(MAX_SLOPE) <= 0.0 {
        return MAX_SLOPE;
    }
    // bisection in log A: the slope spans twelve decades
    let (mut lo, mut hi) = (MIN_SLOPE.ln(), MAX_SLOPE.ln());
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if slope(mid.exp()) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_solves_the_weighted_score_equation() {
        let f = [-2.0, -1.0, -0.5, 0.3, 0.5, 1.0, 2.5, -0.2];
        let y = [0, 0, 0, 0, 1, 1, 1, 1];
        let w = [1.0, 1.0];
        let a = fit_slope(&f, &y, &w);
        assert!(a > MIN_SLOPE && a < MAX_SLOPE, "{a}");
        let (tp, tn) = (5.0 / 6.0, 1.0 / 6.0);
        let g: f64 = f
            .iter()
            .zip(&y)
            .map(|(&fi, &c)| fi * (sigmoid(a * fi) - if c == 1 { tp } else { tn }))
            .sum();
        assert!(g.abs() < 1e-9, "{g}");
    }

    #[test]
    fn wrong_way_values_give_the_smallest_slope() {
        let a = fit_slope(&[1.0, 2.0, -1.0, -2.0], &[0, 0, 1, 1], &[1.0, 1.0]);
        assert_eq!(a, MIN_SLOPE);
    }
}
