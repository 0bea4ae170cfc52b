//! The fast path of the CSV row parser: a row of plain decimals read in one pass over the
//! block's bytes (no separate search for the line end), each short number converted with an
//! 8-byte SWAR scan instead of a loop per digit. Anything it does not take (quotes, spaces,
//! exponents, long numbers, a wrong field count, a blank line) goes back to the general
//! per-line parser, which gives the same values and the errors.

use super::parse::{parse_plain_decimal, EXACT_POWERS_OF_TEN};

/// Bytes 0x80 of every lane.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Parses a plain decimal at `b[0..]` exactly as [`parse_plain_decimal`] does (same value,
/// bit for bit, and same bytes used; `None` for the same inputs): numbers of at most 7 digits
/// and a point that end within the next 8 bytes after the sign are read with one 8-byte load,
/// the others by [`parse_plain_decimal`].
///
/// The digits are at most 10^7 - 1 and the decimals at most 6, so the one division is exact
/// and correctly rounded (Clinger's fast path), as in [`parse_plain_decimal`].
#[inline]
pub(super) fn parse_decimal_swar(b: &[u8]) -> Option<(f64, usize)> {
    if b.len() < 9 {
        return parse_plain_decimal(b);
    }
    let first = b[0];
    let negative = first == b'-';
    let s = usize::from(negative | (first == b'+'));
    let mut word = [0u8; 8];
    word.copy_from_slice(&b[s..s + 8]);
    // each lane: the digit's value (0-9) for an ASCII digit, else a lane with its high bit
    // set in `nondigit` (carry-free: a lane's sum is at most 0x7f + 0x76)
    let y = u64::from_le_bytes(word) ^ 0x3030_3030_3030_3030;
    let nondigit = (((y & 0x7f7f_7f7f_7f7f_7f7f).wrapping_add(0x7676_7676_7676_7676)) | y) & HIGH;
    let i1 = (nondigit.trailing_zeros() / 8) as usize;
    if i1 == 0 || i1 >= 7 {
        // no integer digit (".5", "-", a space) or a number longer than the window
        return parse_plain_decimal(b);
    }
    let (digits, n, decimals, used) = if b[s + i1] == b'.' {
        // the first lane after the point that is not a digit ends the number
        let rest = nondigit & (u64::MAX << (8 * i1 + 8));
        let i2 = (rest.trailing_zeros() / 8) as usize;
        if i2 >= 8 || i2 == i1 + 1 {
            // ends past the window, or "5." (the full parser's)
            return parse_plain_decimal(b);
        }
        // the digits without the point: the integer lanes, then the fraction's moved down one
        let low = y & ((1u64 << (8 * i1)) - 1);
        let high = (y >> (8 * i1 + 8)) << (8 * i1);
        let n = i2 - 1;
        ((low | high) & ((1u64 << (8 * n)) - 1), n, i2 - i1 - 1, s + i2)
    } else {
        (y & ((1u64 << (8 * i1)) - 1), i1, 0, s + i1)
    };
    // the n digits at the top lanes (leading zeros below), then combined 8 digits at once
    // (the first digit in the lowest lane is the most significant)
    let v = digits << (8 * (8 - n));
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let v = ((v & 0x0000_00ff_0000_00ff).wrapping_mul(100 + (1_000_000 << 32)))
        .wrapping_add(((v >> 16) & 0x0000_00ff_0000_00ff).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    let value = v as f64 / EXACT_POWERS_OF_TEN[decimals];
    Some((
        f64::from_bits(value.to_bits() | (u64::from(negative) << 63)),
        used,
    ))
}

/// What the fast path needs of a row's layout.
pub(super) struct FastRow<'a> {
    /// The field delimiter.
    pub(super) delimiter: u8,
    /// For each field, the output slot it is parsed into (the time column's is `n_channels`).
    pub(super) slots: &'a [Option<usize>],
}

impl FastRow<'_> {
    /// Parses the line starting at `bytes[pos]` when every selected field is a plain decimal
    /// and the field count is right: writes the values into `row` (and `time`) and returns
    /// where the next line starts; `None` leaves the line to the general parser (which
    /// rewrites every value it parses).
    #[inline]
    pub(super) fn parse(
        &self,
        bytes: &[u8],
        pos: usize,
        row: &mut [f64],
        time: &mut f64,
    ) -> Option<usize> {
        let n_fields = self.slots.len();
        if n_fields < 2 && self.slots.first().is_none_or(|s| s.is_none()) {
            // a blank line could pass for one skipped field
            return None;
        }
        let mut p = pos;
        for (n, slot) in self.slots.iter().enumerate() {
            let end = match slot {
                Some(slot) => {
                    let (v, used) = parse_decimal_swar(&bytes[p..])?;
                    *row.get_mut(*slot).unwrap_or(&mut *time) = v;
                    p + used
                }
                None => memchr::memchr2(self.delimiter, b'\n', &bytes[p..])
                    .map_or(bytes.len(), |i| p + i),
            };
            let term = bytes.get(end).copied();
            if n + 1 < n_fields {
                if term != Some(self.delimiter) {
                    return None;
                }
                p = end + 1;
            } else {
                return match term {
                    None => Some(end + 1),
                    Some(b'\n') => Some(end + 1),
                    // CRLF, or a last line ending in CR: the general parser strips one CR
                    Some(b'\r') if matches!(bytes.get(end + 1), None | Some(b'\n')) => {
                        Some(end + 2)
                    }
                    _ => None,
                };
            }
        }
        None
    }
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
