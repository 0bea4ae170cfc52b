use super::*;

/// SplitMix64: deterministic test inputs without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: u64, out: &mut String) {
        for _ in 0..n {
            out.push(char::from(b'0' + self.below(10) as u8));
        }
    }
}

/// A number as a CSV might hold it: signs, leading zeros, '.5', '5.', exponents, 1-24 digits.
fn random_number(rng: &mut Rng) -> String {
    let mut s = String::new();
    match rng.below(4) {
        0 => s.push('-'),
        1 => s.push('+'),
        _ => {}
    }
    let zeros = if rng.below(4) == 0 { rng.below(4) } else { 0 };
    s.extend(std::iter::repeat_n('0', zeros as usize));
    // mostly short numbers like EEG samples, some up to 24 digits
    let long = rng.below(5) == 0;
    let int_digits = if long { rng.below(22) } else { rng.below(5) };
    rng.digits(int_digits, &mut s);
    if rng.below(4) != 0 {
        s.push('.');
        let frac = if long { rng.below(24) } else { rng.below(8) };
        rng.digits(frac, &mut s);
    }
    if rng.below(8) == 0 {
        s.push(if rng.below(2) == 0 { 'e' } else { 'E' });
        match rng.below(3) {
            0 => s.push('-'),
            1 => s.push('+'),
            _ => {}
        }
        let e = match rng.below(4) {
            0 => rng.below(400),
            _ => rng.below(30),
        };
        s.push_str(&e.to_string());
    }
    s
}

/// Numbers at the edges: zeros, a point at either end, 19-20 digit mantissas (2^53 and 2^64
/// nearby), subnormals, huge exponents, and strings that are not numbers.
const EDGES: [&str; 40] = [
    "0",
    "-0",
    "+0",
    "-0.0",
    "0.0000000",
    ".5",
    "-.5",
    "5.",
    "-5.",
    "00000001",
    "0000000.1",
    "9999999",
    "9999999.",
    "99999999",
    "9999.999",
    "999999.9",
    "1234567.8",
    "9007199254740992",
    "9007199254740993",
    "900719925474099.3",
    "1844674407370955161",
    "18446744073709551616",
    "9999999999999999999",
    "0.9999999999999999999",
    "1.00000000000000000001",
    "4.9e-324",
    "2.4e-324",
    "1e-400",
    "1.7976931348623157e308",
    "1e309",
    "1e22",
    "1e23",
    "-",
    "+",
    ".",
    "",
    "-.",
    "1..2",
    "1.2.3",
    "12a",
];

/// What may follow a number in a CSV block.
const TAILS: [&str; 8] = [
    ",1.5,2.5",
    "\n-3.25,4",
    "\r\n7,8",
    "",
    " ,1",
    "x",
    "\"",
    ",",
];

/// Checks [`parse_plain_decimal`] against `str::parse` and fast-float2 on `s` followed by
/// `tail`: when it takes a number, std takes the same bytes to the same value, bit for bit;
/// when it takes the whole of `s`, so does std.
fn check(s: &str, tail: &str) {
    let text = format!("{s}{tail}");
    let std = |field: &str| -> Option<f64> {
        let v: f64 = field.parse().ok()?;
        let ff = fast_float2::parse::<f64, _>(field).unwrap();
        assert_eq!(
            v.to_bits(),
            ff.to_bits(),
            "{field:?}: std {v:e}, fast-float2 {ff:e}"
        );
        Some(v)
    };
    if let Some((v, used)) = parse_plain_decimal(text.as_bytes()) {
        let want = std(&text[..used]).unwrap_or_else(|| panic!("{text:?}"));
        assert_eq!(
            v.to_bits(),
            want.to_bits(),
            "{text:?}: std {want:e}, plain {v:e}"
        );
        if used == s.len() {
            assert!(std(s).is_some(), "{s:?}");
        }
    }
}

#[test]
fn plain_decimals_match_std_and_fast_float2_bit_for_bit() {
    for s in EDGES {
        for tail in TAILS {
            check(s, tail);
        }
    }
    let mut rng = Rng(18);
    for i in 0..300_000 {
        let s = random_number(&mut rng);
        check(&s, TAILS[i % TAILS.len()]);
    }
}

#[test]
fn every_short_decimal_layout_is_exact() {
    // every place of the point in 1-8 digits, signs, and tails, with random digits
    let mut rng = Rng(7);
    for digits in 1..=9u64 {
        for point in 0..=digits {
            for _ in 0..400 {
                let mut s = String::new();
                match rng.below(3) {
                    0 => s.push('-'),
                    1 => s.push('+'),
                    _ => {}
                }
                let mut d = String::new();
                rng.digits(digits, &mut d);
                s.push_str(&d[..point as usize]);
                s.push('.');
                s.push_str(&d[point as usize..]);
                for tail in TAILS {
                    check(&s, tail);
                    check(&d, tail);
                }
            }
        }
    }
}
