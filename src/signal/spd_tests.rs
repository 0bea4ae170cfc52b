use super::*;
use ndarray::arr2;

fn spd() -> Array2<f64> {
    arr2(&[[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
}

fn close(a: &Array2<f64>, b: &Array2<f64>) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
}

#[test]
fn eigendecomposition_reconstructs_the_matrix() {
    let a = spd();
    let (d, v) = eigh(&a).unwrap();
    let back = v
        .dot(&Array2::from_diag(&ndarray::Array1::from(d)))
        .dot(&v.t());
    assert!(close(&back, &a));
    assert!(close(&v.t().dot(&v), &Array2::eye(3)));
}

#[test]
fn matrix_functions_invert_each_other() {
    let a = spd();
    let s = sqrtm(&a).unwrap();
    assert!(close(&s.dot(&s), &a));
    assert!(close(&invsqrtm(&a).unwrap().dot(&s), &Array2::eye(3)));
    assert!(close(&expm(&logm(&a).unwrap()).unwrap(), &a));
}

#[test]
fn the_mean_of_one_matrix_is_itself_and_distance_zero() {
    let a = spd();
    let m = mean_riemann(&[a.clone(), a.clone()]).unwrap();
    assert!(close(&m, &a));
    assert!(distance_riemann_squared(&a, &m).unwrap() < 1e-20);
}

#[test]
fn not_positive_definite_and_not_finite_are_errors() {
    let bad = arr2(&[[1.0, 2.0], [2.0, 1.0]]);
    assert!(matches!(
        logm(&bad),
        Err(SpdError::NotPositiveDefinite { .. })
    ));
    let nan = arr2(&[[f64::NAN, 0.0], [0.0, 1.0]]);
    assert!(matches!(sqrtm(&nan), Err(SpdError::Eigen(_))));
    assert!(matches!(mean_riemann(&[bad]), Err(MeanError::Spd(_, _))));
    assert_eq!(mean_riemann(&[]), Err(MeanError::Empty));
}
