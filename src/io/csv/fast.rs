//! The fast path of the CSV row parser: a row of plain decimals read in one pass over the
//! block's bytes (no separate search for the line end), each short number converted with an
//! 8-byte SWAR scan instead of a loop per digit. Anything it does not take (quotes, spaces,
//! exponents, long numbers, a wrong field count, a blank line) goes back to the general
//! per-line parser, which gives the same values and the errors.

use super::parse::{parse_plain_decimal, EXACT_POWERS_OF_TEN};

/// Bytes 0x80 of every lane.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Parses the field `b[start..end]` when it is a plain decimal as [`parse_plain_decimal`]
/// takes it whole (same value, bit for bit; `None` for the same fields): numbers of at most
/// 8 digits and point after the sign are read with one 8-byte load and no loop per digit,
/// the others by [`parse_plain_decimal`]. The field's end is known, so nothing that comes
/// after depends on this number: the core works on several fields at once.
///
/// The digits are at most 10^8 - 1, so the one division by at most 10^7 is exact and
/// correctly rounded (Clinger's fast path), as in [`parse_plain_decimal`].
#[inline]
pub(super) fn parse_field(b: &[u8], start: usize, end: usize) -> Option<f64> {
    let field = &b[start..end];
    let first = field.first().copied().unwrap_or(0);
    let negative = first == b'-';
    let s = usize::from(negative | (first == b'+'));
    let n_chars = field.len() - s.min(field.len());
    if n_chars == 0 || n_chars > 8 {
        return whole_plain_decimal(field);
    }
    let mut word = [0u8; 8];
    match b.get(start + s..start + s + 8) {
        Some(w) => word.copy_from_slice(w),
        // the last bytes of the block: the lanes past the field are masked off below
        None => word[..n_chars].copy_from_slice(&field[s..]),
    }
    // each lane: the digit's value (0-9) for an ASCII digit, else a lane with its high bit
    // set in `nondigit` (carry-free: a lane's sum is at most 0x7f + 0x76)
    let y = u64::from_le_bytes(word) ^ 0x3030_3030_3030_3030;
    let nondigit = (((y & 0x7f7f_7f7f_7f7f_7f7f).wrapping_add(0x7676_7676_7676_7676)) | y) & HIGH;
    let lanes = u64::MAX >> (64 - 8 * n_chars);
    let nondigit = nondigit & lanes;
    let (digits, n, decimals) = if nondigit == 0 {
        (y & lanes, n_chars, 0)
    } else {
        let i1 = (nondigit.trailing_zeros() / 8) as usize;
        // one point (0x2e ^ 0x30), with digits on both sides; "5.", ".5", "1.2.3" and the
        // rest go to the full parser (which refuses them too or reads them the same)
        let point = (y >> (8 * i1)) & 0xff == 0x1e;
        if !point || nondigit & (nondigit - 1) != 0 || i1 == 0 || i1 + 1 == n_chars {
            return whole_plain_decimal(field);
        }
        // the digits without the point: the integer lanes, then the fraction's moved down one
        let below = (1u64 << (8 * i1)) - 1;
        let n = n_chars - 1;
        let d = (y & below) | ((y >> 8) & !below);
        (d & (u64::MAX >> (64 - 8 * n)), n, n - i1)
    };
    // the n digits at the top lanes (leading zeros below), then combined 8 digits at once
    // (the first digit, in the lowest lane, is the most significant)
    let v = digits << (8 * (8 - n));
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let v = ((v & 0x0000_00ff_0000_00ff).wrapping_mul(100 + (1_000_000 << 32)))
        .wrapping_add(((v >> 16) & 0x0000_00ff_0000_00ff).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    let value = exact_f64(v) / EXACT_POWERS_OF_TEN[decimals];
    Some(f64::from_bits(
        value.to_bits() | (u64::from(negative) << 63),
    ))
}

/// [`parse_plain_decimal`] of a whole field (`None` when it leaves bytes over).
fn whole_plain_decimal(field: &[u8]) -> Option<f64> {
    parse_plain_decimal(field)
        .filter(|&(_, used)| used == field.len())
        .map(|(v, _)| v)
}

/// The positions of delimiters and newlines in a block, found 64 bytes at a time (SSE2 on
/// x86_64, a plain loop elsewhere) and handed out in order.
pub(super) struct Separators<'a> {
    bytes: &'a [u8],
    delimiter: u8,
    /// Where the bits of `mask` start.
    base: usize,
    /// Bit k: `bytes[base + k]` is a separator not yet handed out.
    mask: u64,
}

impl<'a> Separators<'a> {
    /// The separators of `bytes` from `from` on.
    pub(super) fn new(bytes: &'a [u8], delimiter: u8, from: usize) -> Self {
        let mut s = Separators {
            bytes,
            delimiter,
            base: from,
            mask: 0,
        };
        s.mask = s.mask_at(from);
        s
    }

    /// Starts again at `from` (after a line the general parser read).
    pub(super) fn seek(&mut self, from: usize) {
        self.base = from;
        self.mask = self.mask_at(from);
    }

    /// The next separator's position, or the block's length at its end.
    #[inline]
    pub(super) fn next_end(&mut self) -> usize {
        while self.mask == 0 {
            if self.base + 64 >= self.bytes.len() {
                self.base = self.bytes.len();
                return self.bytes.len();
            }
            self.base += 64;
            self.mask = self.mask_at(self.base);
        }
        let at = self.base + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        at
    }

    /// Bit k set when `bytes[at + k]` is the delimiter or a newline (k < 64).
    #[inline]
    fn mask_at(&self, at: usize) -> u64 {
        let Some(chunk) = self.bytes.get(at..at + 64) else {
            let tail = self.bytes.get(at..).unwrap_or(&[]);
            return tail
                .iter()
                .enumerate()
                .filter(|&(_, &c)| c == self.delimiter || c == b'\n')
                .fold(0, |m, (k, _)| m | 1 << k);
        };
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::*;
            let mut m = 0u64;
            // SAFETY: SSE2 is part of x86_64; each load reads 16 of the 64 bytes of `chunk`
            unsafe {
                let d = _mm_set1_epi8(self.delimiter as i8);
                let nl = _mm_set1_epi8(b'\n' as i8);
                for k in 0..4 {
                    let v = _mm_loadu_si128(chunk.as_ptr().add(16 * k).cast::<__m128i>());
                    let e = _mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, nl));
                    m |= u64::from(_mm_movemask_epi8(e) as u32 as u16) << (16 * k);
                }
            }
            m
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            chunk.iter().enumerate().fold(0, |m, (k, &c)| {
                m | u64::from(c == self.delimiter || c == b'\n') << k
            })
        }
    }
}

/// `m` (below 2^52) as an f64, exactly: 2^52 + m by its bits, less 2^52. Unlike `m as f64`
/// (`cvtsi2sd`, which writes only the low half of its register and so waits for the last
/// value computed there: the previous field's division), this starts a fresh dependency
/// chain per number; the parse ran about twice as fast.
#[inline]
pub(super) fn exact_f64(m: u64) -> f64 {
    debug_assert!(m < 1 << 52);
    const TWO_52: u64 = 0x4330_0000_0000_0000;
    f64::from_bits(TWO_52 | m) - f64::from_bits(TWO_52)
}

/// What the fast path needs of a row's layout.
pub(super) struct FastRow<'a> {
    /// For each field, the output slot it is parsed into (the time column's is `n_channels`).
    pub(super) slots: &'a [Option<usize>],
}

impl FastRow<'_> {
    /// Parses the line starting at `bytes[pos]` (`seps` at the same place) when every
    /// selected field is a plain decimal and the field count is right: writes the values into
    /// `row` (and `time`) and returns where the next line starts; `None` leaves the line to
    /// the general parser (which rewrites every value it parses) and `seps` to be moved.
    #[inline]
    pub(super) fn parse(
        &self,
        bytes: &[u8],
        pos: usize,
        seps: &mut Separators,
        row: &mut [f64],
        time: &mut f64,
    ) -> Option<usize> {
        let n_fields = self.slots.len();
        if n_fields < 2 && self.slots.first().is_none_or(|s| s.is_none()) {
            // a blank line could pass for one skipped field
            return None;
        }
        let last = n_fields - 1;
        let mut from = pos;
        for (n, slot) in self.slots.iter().enumerate() {
            let end = seps.next_end();
            let newline = end == bytes.len() || bytes[end] == b'\n';
            if newline != (n == last) {
                return None;
            }
            if let Some(slot) = slot {
                // a CRLF line: the general parser strips one CR from the line too
                let to = if n == last && end > from && bytes[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                *row.get_mut(*slot).unwrap_or(&mut *time) = parse_field(bytes, from, to)?;
            }
            from = end + 1;
        }
        Some(from)
    }
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
