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

/// Checks the fast parsers against `str::parse` and fast-float2 on `s` followed by `tail`:
/// [`parse_plain_decimal`] takes the same bytes as std does at the start, [`parse_field`] the
/// same whole fields, and the values are bit-identical.
fn check(s: &str, tail: &str) {
    let text = format!("{s}{tail}");
    let b = text.as_bytes();
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
    let plain = parse_plain_decimal(b);
    if let Some((v, used)) = plain {
        let want = std(&text[..used]).unwrap_or_else(|| panic!("{text:?}"));
        assert_eq!(
            v.to_bits(),
            want.to_bits(),
            "{text:?}: std {want:e}, plain {v:e}"
        );
    }
    let whole = parse_field(b, 0, s.len());
    assert_eq!(
        whole.map(f64::to_bits),
        whole_plain_decimal(s.as_bytes()).map(f64::to_bits),
        "{text:?}"
    );
    // the same field at the end of a block (the short load)
    assert_eq!(
        parse_field(s.as_bytes(), 0, s.len()).map(f64::to_bits),
        whole.map(f64::to_bits),
        "{s:?}"
    );
    if let Some(v) = whole {
        let want = std(s).unwrap_or_else(|| panic!("{s:?}"));
        assert_eq!(
            v.to_bits(),
            want.to_bits(),
            "{s:?}: std {want:e}, fast {v:e}"
        );
    }
}

#[test]
fn swar_and_plain_decimals_match_std_and_fast_float2_bit_for_bit() {
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

#[test]
fn a_fast_row_takes_only_complete_rows_of_plain_decimals() {
    let slots = [Some(1), None, Some(0), Some(2)];
    let fast = FastRow { slots: &slots };
    let mut row = [0.0; 2];
    let mut time = 0.0;
    let text = b"1.5,ab c,-2.25,0.001953\r\n3,x,4,5\n\n6,,7,8.5e1\n1,2,3\n1,2,3,4,5\n9,9,9,9";
    let mut seps = Separators::new(text, b',', 0);
    // a CRLF line: values in their slots, the time column apart
    let next = fast.parse(text, 0, &mut seps, &mut row, &mut time).unwrap();
    assert_eq!((row, time), ([-2.25, 1.5], 0.001953));
    assert_eq!(&text[next..next + 2], b"3,");
    let next = fast
        .parse(text, next, &mut seps, &mut row, &mut time)
        .unwrap();
    assert_eq!((row, time), ([4.0, 3.0], 5.0));
    // a blank line, an exponent, too few and too many fields: the general parser's
    assert_eq!(fast.parse(text, next, &mut seps, &mut row, &mut time), None);
    let lines: Vec<usize> = (0..text.len())
        .filter(|&i| i == 0 || text[i - 1] == b'\n')
        .collect();
    for &at in &lines[3..6] {
        seps.seek(at);
        assert_eq!(
            fast.parse(text, at, &mut seps, &mut row, &mut time),
            None,
            "{at}"
        );
    }
    // the last line of a block, without a newline
    seps.seek(lines[6]);
    assert_eq!(
        fast.parse(text, lines[6], &mut seps, &mut row, &mut time),
        Some(text.len() + 1)
    );
    assert_eq!((row, time), ([9.0, 9.0], 9.0));
}

#[test]
fn separators_are_found_across_64_byte_steps_and_after_a_seek() {
    let mut rng = Rng(3);
    let text: Vec<u8> = (0..1000)
        .map(|_| b"0123456789,\n;.-"[rng.below(14) as usize])
        .collect();
    for from in [0, 1, 63, 64, 65, 500, 999, 1000, 1001] {
        let mut seps = Separators::new(&text, b',', from);
        let want: Vec<usize> = (from..text.len())
            .filter(|&i| text[i] == b',' || text[i] == b'\n')
            .chain([text.len(), text.len()])
            .collect();
        let got: Vec<usize> = (0..want.len()).map(|_| seps.next_end()).collect();
        assert_eq!(got, want, "{from}");
    }
}
