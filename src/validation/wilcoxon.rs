//! The Wilcoxon signed-rank test of paired scores, as `scipy.stats.wilcoxon` (scipy 1.17)
//! computes it with its defaults: two-sided, `zero_method="wilcox"` (zero differences dropped),
//! `correction=False`, `method="auto"` — the exact null distribution for up to 50 pairs without
//! ties or zeros, an exact sign-flip permutation test for up to 13 pairs with ties or zeros, the
//! normal approximation (with the tie correction of the variance) otherwise.
//! Checked against scipy by `tests/reference/make_wilcoxon_reference.py`.

/// How the p-value of a [`Wilcoxon`] test was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WilcoxonMethod {
    /// Exact null distribution of the signed-rank statistic (no ties, no zeros, n ≤ 50).
    Exact,
    /// Every sign flip of the differences enumerated (ties or zeros, n ≤ 13).
    Permutation,
    /// Normal approximation without continuity correction.
    Asymptotic,
}

/// The result of a two-sided Wilcoxon signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Wilcoxon {
    /// min(R+, R−), scipy's `statistic` (sum of ranks, dimensionless).
    pub statistic: f64,
    /// Two-sided p-value in [0, 1].
    pub p_value: f64,
    /// Pairs whose difference is not zero (those ranked).
    pub n_nonzero: usize,
    /// How the p-value was computed.
    pub method: WilcoxonMethod,
}

/// Average ranks (1-based) of `v`, ties sharing the mean of their ranks; also Σ(t³ − t) over
/// the groups of ties.
fn average_ranks(v: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut ties = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    (ranks, ties)
}

/// P(T ≥ k) and P(T ≤ k) of the signed-rank statistic T of `n` pairs without ties (k integer).
fn exact_tails(n: usize, k: f64) -> (f64, f64) {
    let max = n * (n + 1) / 2;
    // counts[s]: subsets of {1..n} summing to s (exact in f64 up to n = 50: < 2^50)
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for r in 1..=n {
        for s in (r..=max).rev() {
            counts[s] += counts[s - r];
        }
    }
    let total = 2f64.powi(n as i32);
    let (upper, lower) = (k.floor(), k.ceil());
    let sf: f64 = (0..=max)
        .filter(|&s| s as f64 >= upper)
        .map(|s| counts[s])
        .sum();
    let cdf: f64 = (0..=max)
        .filter(|&s| s as f64 <= lower)
        .map(|s| counts[s])
        .sum();
    (sf / total, cdf / total)
}

/// Standard normal upper tail P(Z > z), through erfc (series below 0.5, continued fraction
/// above; relative error about 1e-15).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function.
fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 0.5 {
        // erf by its Taylor series: 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
        let (mut term, mut sum) = (x, x);
        for n in 1..60 {
            term *= -x * x / n as f64;
            let add = term / (2 * n + 1) as f64;
            sum += add;
            if add.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        return 1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum;
    }
    // continued fraction (modified Lentz): erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
    let tiny = 1e-300;
    let mut f = x;
    let (mut c, mut d) = (x, 0.0);
    for n in 1..5000 {
        let a = n as f64 / 2.0;
        d = x + a * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = x + a / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / std::f64::consts::PI.sqrt() / f
}

/// Two-sided Wilcoxon signed-rank test of the pairs (`x[i]`, `y[i]`) on d = x − y, as
/// `scipy.stats.wilcoxon(x, y)`; `None` when there are no pairs, the slices differ in length,
/// or (normal approximation) every difference is zero, where scipy gives NaN.
pub fn wilcoxon(x: &[f64], y: &[f64]) -> Option<Wilcoxon> {
    if x.len() != y.len() || x.is_empty() {
        return None;
    }
    let n = x.len();
    let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    if d.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let nonzero: Vec<f64> = d.iter().copied().filter(|&v| v != 0.0).collect();
    let count = nonzero.len();
    let (ranks, tie_sum) = average_ranks(&nonzero.iter().map(|v| v.abs()).collect::<Vec<_>>());
    // (+ 0.0: an empty sum is -0.0)
    let r_plus: f64 = nonzero
        .iter()
        .zip(&ranks)
        .filter(|(v, _)| **v > 0.0)
        .map(|(_, r)| r)
        .sum::<f64>()
        + 0.0;
    let r_minus: f64 = nonzero
        .iter()
        .zip(&ranks)
        .filter(|(v, _)| **v < 0.0)
        .map(|(_, r)| r)
        .sum::<f64>()
        + 0.0;
    let has_ties = tie_sum > 0.0;
    let zeros = count < n;
    let method = if n > 50 {
        WilcoxonMethod::Asymptotic
    } else if !(has_ties || zeros) {
        WilcoxonMethod::Exact
    } else if n <= 13 {
        WilcoxonMethod::Permutation
    } else {
        WilcoxonMethod::Asymptotic
    };
    let p = match method {
        WilcoxonMethod::Exact => {
            let (sf, cdf) = exact_tails(count, r_plus);
            (2.0 * sf.min(cdf)).clamp(0.0, 1.0)
        }
        WilcoxonMethod::Permutation => {
            // every sign flip of the n differences (a zero stays zero, so its two flips count
            // twice, as scipy's enumeration does); ranks are multiples of ½: compare in halves
            let halves: Vec<u64> = ranks.iter().map(|r| (2.0 * r).round() as u64).collect();
            let observed = (2.0 * r_plus).round() as u64;
            let (mut le, mut ge) = (0u64, 0u64);
            for mask in 0u64..(1u64 << count) {
                let s: u64 = (0..count)
                    .filter(|&i| mask >> i & 1 == 1)
                    .map(|i| halves[i])
                    .sum();
                le += u64::from(s <= observed);
                ge += u64::from(s >= observed);
            }
            let total = (1u64 << count) as f64;
            (2.0 * (le as f64 / total).min(ge as f64 / total)).clamp(0.0, 1.0)
        }
        WilcoxonMethod::Asymptotic => {
            let c = count as f64;
            let mean = c * (c + 1.0) * 0.25;
            let se = ((c * (c + 1.0) * (2.0 * c + 1.0) - tie_sum / 2.0) / 24.0).sqrt();
            let z = (r_plus - mean) / se;
            if !z.is_finite() {
                return None;
            }
            (2.0 * normal_sf(z.abs())).clamp(0.0, 1.0)
        }
    };
    Some(Wilcoxon {
        statistic: r_plus.min(r_minus),
        p_value: p,
        n_nonzero: count,
        method,
    })
}
