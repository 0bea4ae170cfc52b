//! Writes an eegi CSV as EDF (1 s records, 0.01 µV per digital unit, ±327.67 µV) for the
//! format benchmark, streaming: memory stays one block whatever the length.
//!
//! `cargo run --release --example csv_to_edf -- IN.csv OUT.edf`

use eegi::io::csv::CsvStream;
use std::io::{BufWriter, Write};
use std::path::Path;

fn field(out: &mut Vec<u8>, text: &str, width: usize) {
    let mut b = text.as_bytes().to_vec();
    b.resize(width, b' ');
    out.extend_from_slice(&b[..width]);
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (inp, out) = (&args[1], &args[2]);
    let file = std::fs::File::open(inp)?;
    let mut stream =
        CsvStream::new(Box::new(file), Path::new(inp), None).unwrap_or_else(|e| panic!("{e}"));
    let names = stream.channel_names();
    let ns = names.len();
    // the rate needs two rows: read the first block before writing the header
    let mut pending: Vec<f64> = stream
        .next_block()
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|b| b.samples.clone())
        .unwrap_or_default();
    let fs = stream.sample_rate_hz().expect("rate");
    let spr = fs.round() as usize;
    let mut h = Vec::new();
    field(&mut h, "0", 8);
    field(&mut h, "X X X X", 80);
    field(&mut h, "Startdate 01-JAN-2020 X X X", 80);
    field(&mut h, "01.01.20", 8);
    field(&mut h, "12.00.00", 8);
    field(&mut h, &(256 * (ns + 1)).to_string(), 8);
    field(&mut h, "", 44);
    field(&mut h, "-1", 8); // filled in at the end
    field(&mut h, "1", 8);
    field(&mut h, &ns.to_string(), 4);
    let each = |h: &mut Vec<u8>, v: &dyn Fn(usize) -> String, w: usize| {
        for c in 0..ns {
            field(h, &v(c), w);
        }
    };
    each(&mut h, &|c| names[c].clone(), 16);
    each(&mut h, &|_| String::new(), 80);
    each(&mut h, &|_| "uV".into(), 8);
    each(&mut h, &|_| "-327.68".into(), 8);
    each(&mut h, &|_| "327.67".into(), 8);
    each(&mut h, &|_| "-32768".into(), 8);
    each(&mut h, &|_| "32767".into(), 8);
    each(&mut h, &|_| String::new(), 80);
    each(&mut h, &|_| spr.to_string(), 8);
    each(&mut h, &|_| String::new(), 32);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    w.write_all(&h)?;
    let mut records = 0u64;
    let mut rec = vec![0u8; ns * spr * 2];
    loop {
        while pending.len() >= spr * ns {
            for k in 0..spr {
                for c in 0..ns {
                    let d = (pending[k * ns + c] * 100.0)
                        .round()
                        .clamp(-32768.0, 32767.0) as i16;
                    let at = (c * spr + k) * 2;
                    rec[at..at + 2].copy_from_slice(&d.to_le_bytes());
                }
            }
            w.write_all(&rec)?;
            records += 1;
            pending.drain(..spr * ns);
        }
        match stream.next_block().unwrap_or_else(|e| panic!("{e}")) {
            Some(b) => pending.extend_from_slice(&b.samples),
            None => break,
        }
    }
    w.flush()?;
    drop(w);
    // the number of records, now known
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::OpenOptions::new().write(true).open(out)?;
    f.seek(SeekFrom::Start(236))?;
    let mut n = Vec::new();
    field(&mut n, &records.to_string(), 8);
    f.write_all(&n)?;
    println!("{records} records of 1 s, {ns} channels, {spr} Hz");
    Ok(())
}
