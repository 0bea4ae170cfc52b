//! Tests of the linear algebra, against numpy/scipy values (`tests/reference/linalg.json`).

use super::*;
use ndarray::{array, Array2};
use serde_json::Value;

/// The numpy/scipy reference values.
fn reference() -> Value {
    serde_json::from_str(include_str!("../../tests/reference/linalg.json")).unwrap()
}

/// A JSON array of numbers.
fn vector(v: &Value) -> Array1<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A JSON array of rows.
fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Array1<f64>> = v.as_array().unwrap().iter().map(vector).collect();
    let n = rows[0].len();
    Array2::from_shape_fn((rows.len(), n), |(i, j)| rows[i][j])
}

/// Largest absolute difference.
fn worst<'a>(a: impl IntoIterator<Item = &'a f64>, b: impl IntoIterator<Item = &'a f64>) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Largest difference of two eigenvector matrices, each column up to its sign.
fn worst_up_to_sign(ours: &Array2<f64>, theirs: &Array2<f64>) -> f64 {
    ours.columns()
        .into_iter()
        .zip(theirs.columns())
        .map(|(a, b)| {
            let s = if a.dot(&b) < 0.0 { -1.0 } else { 1.0 };
            a.iter()
                .zip(b.iter())
                .map(|(x, y)| (s * x - y).abs())
                .fold(0.0, f64::max)
        })
        .fold(0.0, f64::max)
}

/// Eigenvalues sorted ascending (as numpy/scipy give them) with their eigenvector columns.
fn ascending(values: Vec<f64>, vectors: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let sorted = order.iter().map(|&i| values[i]).collect();
    (sorted, vectors.select(ndarray::Axis(1), &order))
}

#[test]
fn cholesky_and_triangular_solves_match_numpy_and_scipy() {
    let r = &reference()["spd"];
    let a = matrix(&r["a"]);
    let b = vector(&r["b"]);
    let l = cholesky(&a).unwrap();
    assert!(worst(&l, &matrix(&r["cholesky"])) < 1e-13, "{l}");
    let x = cholesky_solve(&l, b.view());
    assert!(worst(&x, &vector(&r["solve"])) < 1e-13, "{x}");
    let mut y = b.clone();
    forward_substitute(&l, y.view_mut());
    assert!(worst(&y, &vector(&r["forward"])) < 1e-13, "{y}");
    let mut z = b.clone();
    back_substitute_transposed(&l, z.view_mut());
    assert!(worst(&z, &vector(&r["back"])) < 1e-13, "{z}");
    // the regularised factor of a positive definite matrix adds no ridge
    assert_eq!(cholesky_regularised(&a).unwrap(), l);
}

#[test]
fn cholesky_refuses_a_matrix_that_is_not_positive_definite() {
    let e = cholesky(&array![[1.0, 2.0], [2.0, 1.0]]).unwrap_err();
    assert_eq!(e, CholeskyError::NotPositiveDefinite { pivot: 1 });
    let e = cholesky(&array![[f64::NAN, 0.0], [0.0, 1.0]]).unwrap_err();
    assert_eq!(e, CholeskyError::NotPositiveDefinite { pivot: 0 });
}

#[test]
fn regularised_cholesky_adds_a_ridge_to_a_singular_covariance_only() {
    // rank 1: [1, 1]ᵀ[1, 1]
    let a = array![[1.0, 1.0], [1.0, 1.0]];
    assert!(cholesky(&a).is_err());
    let l = cholesky_regularised(&a).unwrap();
    let back = l.dot(&l.t());
    // a + 1e-10·(mean diagonal)·I
    assert!(
        worst(&back, &array![[1.0 + 1e-10, 1.0], [1.0, 1.0 + 1e-10]]) < 1e-15,
        "{back}"
    );
    assert_eq!(
        cholesky_regularised(&Array2::zeros((3, 3))),
        Err(CholeskyError::NoVariance)
    );
    // negative definite beyond what the ridge can mend
    let e = cholesky_regularised(&array![[2.0, 0.0], [0.0, -1.0]]).unwrap_err();
    assert_eq!(e, CholeskyError::NotPositiveDefinite { pivot: 1 });
}

#[test]
fn jacobi_matches_numpy_eigh() {
    let r = &reference()["spd"];
    let (w, v) = ascending_eigh(matrix(&r["a"]));
    assert!(worst(&w, &vector(&r["eigenvalues"])) < 1e-12, "{w:?}");
    assert!(
        worst_up_to_sign(&v, &matrix(&r["eigenvectors"])) < 1e-12,
        "{v}"
    );
}

/// [`jacobi_eigh`], sorted ascending.
fn ascending_eigh(a: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let (w, v) = jacobi_eigh(a).unwrap();
    ascending(w, v)
}

#[test]
fn jacobi_diagonalises() {
    let a = array![[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 1.0]];
    let (w, v) = jacobi_eigh(a.clone()).unwrap();
    let back = v.dot(&Array2::from_diag(&Array1::from(w))).dot(&v.t());
    assert!(worst(&back, &a) < 1e-12);
}

#[test]
fn jacobi_reports_that_it_did_not_converge() {
    let a = array![[4.0, f64::NAN], [f64::NAN, 3.0]];
    let e = jacobi_eigh(a).unwrap_err();
    assert_eq!(e.kind, crate::error::ErrorKind::Runtime);
    assert!(e.message.contains("did not converge in 100 sweeps"), "{e}");
    assert!(e.message.contains("off-diagonal norm NaN"), "{e}");
    let a = array![[f64::INFINITY, 1.0], [1.0, 3.0]];
    assert!(jacobi_eigh(a).is_err());
}

#[test]
fn generalized_eigh_matches_scipy() {
    let r = &reference()["generalized"];
    let c = matrix(&r["c"]);
    let s = matrix(&r["s"]);
    let l = cholesky(&s).unwrap();
    let (w, v) = generalized_eigh(&c, &l).unwrap();
    let (w, v) = ascending(w, v);
    assert!(worst(&w, &vector(&r["eigenvalues"])) < 1e-12, "{w:?}");
    // C has rank 2: the eigenvectors of the three zero eigenvalues span its null space in no
    // particular basis, so only the last two (distinct eigenvalues) are compared with scipy
    let theirs = matrix(&r["eigenvectors"]);
    let top = ndarray::s![.., 3..];
    let err = worst_up_to_sign(&v.slice(top).to_owned(), &theirs.slice(top).to_owned());
    assert!(err < 1e-12, "{v}");
    // every column solves C·v = λ·S·v, and Vᵀ·S·V = I
    let residual = c.dot(&v) - s.dot(&v).dot(&Array2::from_diag(&Array1::from(w)));
    assert!(residual.iter().all(|x| x.abs() < 1e-12), "{residual}");
    let gram = v.t().dot(&s).dot(&v);
    assert!(worst(&gram, &Array2::eye(5)) < 1e-12, "{gram}");
}

/// The textbook dot-product Cholesky (`l[i][j] = (a[i][j] − Σ_k l[i][k]·l[j][k]) / l[j][j]`,
/// `k` ascending), as eegi computed it before the column-oriented form.
fn textbook_cholesky(a: &Array2<f64>) -> Array2<f64> {
    let n = a.nrows();
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= l[[j, k]] * l[[j, k]];
        }
        let d = d.sqrt();
        l[[j, j]] = d;
        for i in j + 1..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = s / d;
        }
    }
    l
}

#[test]
fn column_oriented_cholesky_equals_the_textbook_form_bit_for_bit() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for n in [1, 2, 7, 64, 131] {
        let x = Array2::from_shape_fn((2 * n + 5, n), |_| rng.random_range(-1.0..1.0));
        let a = x.t().dot(&x);
        assert!(cholesky(&a).unwrap() == textbook_cholesky(&a), "n = {n}");
    }
}

#[test]
fn blocked_cholesky_is_bit_for_bit_the_textbook_order() {
    // 77 columns: two full blocks of CHOLESKY_BLOCK and a partial one
    let n = 77;
    let b = Array2::from_shape_fn((n, n + 5), |(i, j)| ((i * 31 + j * 17) % 23) as f64 - 11.0);
    let a = b.dot(&b.t()) + Array2::<f64>::eye(n);
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        for i in j..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = if i == j { s.sqrt() } else { s / l[[j, j]] };
        }
    }
    assert_eq!(cholesky(&a).unwrap(), l);
    assert_eq!(cholesky_blocked(&a, 0.0, 0.0).unwrap(), l, "portable build");
}
