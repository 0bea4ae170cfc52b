//! Hard limits on untrusted input, so that an absurd file is refused with a clear error while
//! memory stays bounded. Each limit is far above what any real recording or model needs.

/// Longest line of a recording or events file, bytes (1 MiB). A row of 4096 channels printed
/// with 24 characters each is 98 KiB; a longer line is not a sample row. Reading stops as soon
/// as a line passes this bound, so a 10 GB line costs at most this much memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Most columns in a recording or events header (4096): the largest EEG caps have 256-1024
/// electrodes, plus time and auxiliary columns.
pub const MAX_COLUMNS: usize = 4096;

/// Largest model file, bytes (16 MiB). A binary model of 4096 channels × 5 bands is about
/// 2.5 MiB of JSON, with 10 classes about 8 MiB. Parsing keeps numbers as 8-byte floats, so a
/// file at this bound full of one huge array costs about 10 bytes of memory per byte of file.
pub const MAX_MODEL_BYTES: u64 = 16 << 20;

/// Largest magnitude of a feature value (1e150). Standardisation squares and sums features,
/// and the fit multiplies them by coefficients: below this bound none of that can overflow
/// f64 (about 1.8e308). No EEG feature comes near it (log band power is at most about 620;
/// the absolute power of a 1 V sample is 1e12 µV²): a larger value, or an infinite one, comes
/// from corrupted samples (e.g. one sample of 1e155 µV, whose power is infinite) and is
/// refused, naming the window and the largest sample in it.
pub const MAX_FEATURE_MAGNITUDE: f64 = 1e150;

/// Highest sample rate accepted from a time column, `--sample-rate` or a model, Hz (100 kHz):
/// research amplifiers sample EEG at up to about 20-64 kHz. Above this a typing error (a time
/// column in ms read as s the wrong way round) would ask for enormous windows.
pub const MAX_SAMPLE_RATE_HZ: f64 = 100_000.0;

/// Longest window, samples (2^22 = 4 194 304, e.g. 42 s at 100 kHz or 70 min at 1 kHz): bounds
/// the FFT plans and scratch buffers a model file or the options can ask for.
pub const MAX_WINDOW_SAMPLES: usize = 1 << 22;

/// Latest event onset or longest event duration, s (10^9 s, 31 years): keeps sample indices
/// and window counts far inside integer range at any accepted sample rate.
pub const MAX_EVENT_TIME_S: f64 = 1e9;

/// Most events in one events file or recording (100 000): a P300 speller session has about
/// 15 000 flashes, a day of 30-s sleep stages 2 880. Training on 100 000 event-locked windows
/// (2 channels) peaks at 47-68 MB (without / with 5-fold cross-validation), 10^6 at 0.4-0.5 GB
/// (and about 1 GB as the issue measured them).
pub const MAX_EVENTS: usize = 100_000;

/// Largest EDF/BDF data record, bytes (16 MiB): a record is read whole, and 1 s of 1024
/// channels at 4 kHz in BDF's 24 bits is 12 MiB.
pub const MAX_EDF_RECORD_BYTES: usize = 16 << 20;

/// Largest BrainVision header (`.vhdr`) or marker file (`.vmrk`), bytes (64 MiB): a header of
/// 4096 channels with coordinates and impedances is under 1 MiB, and 100 000 markers
/// ([`MAX_EVENTS`]) of about 40 bytes each are 4 MiB.
pub const MAX_BRAINVISION_TEXT_BYTES: u64 = 64 << 20;
