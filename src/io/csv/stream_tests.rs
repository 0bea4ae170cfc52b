//! Tests of the streaming EEG CSV reader (compiled only under test).

use super::*;
use crate::io::csv::parse::parse_plain_decimal;
use crate::io::{read_recording, CsvOptions};
use std::io::Write;

/// A reader that hands out at most `step` bytes per call, like a pipe.
struct Trickle(Vec<u8>, usize, usize);
impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(buf.len()).min(self.0.len() - self.2);
        buf[..n].copy_from_slice(&self.0[self.2..self.2 + n]);
        self.2 += n;
        Ok(n)
    }
}

fn collect(text: &str, step: usize) -> Result<(Vec<f64>, usize, Option<f64>)> {
    let mut s = CsvStream::new(
        Box::new(Trickle(text.as_bytes().to_vec(), step, 0)),
        Path::new("x.csv"),
        None,
    )?;
    let mut all = Vec::new();
    let mut rows = 0;
    while let Some(b) = s.next_block()? {
        all.extend_from_slice(&b.samples);
        rows += b.n_rows;
    }
    Ok((all, rows, s.sample_rate_hz()))
}

#[test]
fn same_samples_whatever_the_read_size() {
    let mut text = String::from("time,Cz,Pz,Oz\n");
    for i in 0..500 {
        text.push_str(&format!(
            "{:.6},{},{}.25,-{}e-1\r\n",
            i as f64 / 250.0,
            i % 17,
            i,
            i % 5
        ));
    }
    text.push('\n');
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    let whole = read_recording(f.path(), &CsvOptions::default()).unwrap();
    for step in [1, 7, 100, 1 << 20] {
        let (samples, rows, rate) = collect(&text, step).unwrap();
        assert_eq!(rows, 500);
        assert_eq!(rate, Some(250.0));
        assert_eq!(
            samples,
            whole.samples.as_slice().unwrap().to_vec(),
            "read size {step}"
        );
    }
}

#[test]
fn errors_name_the_line_and_column_across_blocks() {
    let mut text = String::from("time;Cz;Pz\n");
    for i in 0..300 {
        let bad = if i == 250 { "x1" } else { "1" };
        text.push_str(&format!("{};{};2\n", i as f64 / 10.0, bad));
    }
    for step in [5, 1000] {
        let e = collect(&text, step).unwrap_err();
        assert!(
            e.message.contains("x.csv:252:2: 'x1' in column 'Cz'"),
            "{}",
            e.message
        );
    }
    let e = collect("time,Cz\n0,1\n0.1,1\n0.3,1\n", 3).unwrap_err();
    assert!(
        e.message.contains("x.csv:4:1:") && e.message.contains("regular step"),
        "{}",
        e.message
    );
    let e = collect("time,Cz\n0,1\n0.1,1,3\n", 3).unwrap_err();
    assert!(
        e.message.contains("x.csv:3: 3 fields, expected 2 fields"),
        "{}",
        e.message
    );
    let e = collect("time,Cz\n0,inf\n", 3).unwrap_err();
    assert!(e.message.contains("x.csv:2:2: 'inf'"), "{}", e.message);
}

#[test]
fn selects_channels_in_model_order() {
    let text = "time,A,B,C\n0,1,2,3\n0.5,4,5,6\n";
    let mut s = CsvStream::new(
        Box::new(Trickle(text.as_bytes().to_vec(), 4, 0)),
        Path::new("x.csv"),
        None,
    )
    .unwrap();
    s.select_channels(&["C".into(), "A".into()], "the model needs")
        .unwrap();
    let mut samples = Vec::new();
    while let Some(b) = s.next_block().unwrap() {
        samples.extend_from_slice(&b.samples);
    }
    assert_eq!(samples, vec![3.0, 1.0, 6.0, 4.0]);
    let e = s
        .select_channels(&["D".into()], "the model needs")
        .unwrap_err();
    assert!(e.message.contains("missing channel D that the model needs"));
}

#[test]
fn plain_decimals_parse_bit_for_bit_like_std() {
    // deterministic xorshift: digits, signs, decimal counts and lengths of every kind
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut accepted = 0;
    for _ in 0..200_000 {
        let r = next();
        let int_digits = 1 + (r % 12) as usize;
        let decimals = ((r >> 8) % 12) as usize;
        let mut text = String::new();
        match (r >> 16) % 3 {
            0 => text.push('-'),
            1 => text.push('+'),
            _ => {}
        }
        for k in 0..int_digits + decimals {
            if k == int_digits {
                text.push('.');
            }
            text.push(char::from(b'0' + (next() % 10) as u8));
        }
        let expected: f64 = text.parse().unwrap();
        if let Some((v, used)) = parse_plain_decimal(text.as_bytes()) {
            assert_eq!(used, text.len(), "{text}");
            assert_eq!(v.to_bits(), expected.to_bits(), "{text}");
            accepted += 1;
        }
    }
    // nearly all short decimals take the fast path (the rest fall back to fast-float2)
    assert!(accepted > 150_000, "{accepted}");
    for odd in [
        "",
        "-",
        ".5",
        "5.",
        "1e3",
        "0x10",
        " 1",
        "12345678901234567890",
        "nan",
    ] {
        assert!(
            parse_plain_decimal(odd.as_bytes()).is_none_or(|(_, used)| used < odd.len()),
            "{odd}"
        );
    }
    assert_eq!(
        parse_plain_decimal(b"-0").unwrap().0.to_bits(),
        (-0.0f64).to_bits()
    );
    assert_eq!(parse_plain_decimal(b"12.5,3"), Some((12.5, 4)));
}

#[test]
fn a_line_over_the_limit_is_refused_on_one_thread_too() {
    // one worker: the block target equals the line limit, which once recursed forever
    let text = format!("time,b\n{},2\n3,4\n", "1".repeat(MAX_LINE_BYTES + 10));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for step in [1 << 16, 1 << 20, 1 << 22] {
        let e = pool.install(|| collect(&text, step)).unwrap_err();
        assert!(e.message.contains("longer than"), "{}", e.message);
    }
}
