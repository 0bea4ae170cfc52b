//! How recordings are read ([`ReadOptions`]: CSV options, `--board`, `--channels`,
//! `--rename`) and the one place the channel options are applied to a recording read whole
//! ([`choose_channels`]: a BIDS `_channels.tsv` sidecar, then `--rename`, then `--channels`).

use super::bids;
use super::csv::CsvOptions;
use super::errors::truncate;
use super::sanity::{Warning, WarningKind};
use crate::{Error, Recording, Result};
use std::path::{Path, PathBuf};

/// How recordings are read: CSV options, the BrainFlow board, channel choice and renaming.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Options of the plain CSV reader (`--sample-rate` overrides every dialect's rate).
    pub csv: CsvOptions,
    /// `--board NAME`: the BrainFlow layout of a headerless tab-separated file.
    pub board: Option<String>,
    /// `--channels`: keep only these channels (names after renaming), in this order; may
    /// select channels that are not EEG (auxiliary, or non-EEG in `_channels.tsv`).
    pub channels: Option<Vec<String>>,
    /// `--rename old=new`: renames applied to the file's channel names.
    pub rename: Vec<(String, String)>,
}

/// Applies a `_channels.tsv` sidecar (bad channels dropped with a warning, non-EEG types
/// excluded by default), then `--rename`, then `--channels` (or the EEG channels).
pub fn choose_channels(
    rec: Recording,
    mut is_eeg: Vec<bool>,
    sidecar: Option<(Vec<bids::ChannelInfo>, PathBuf)>,
    options: &ReadOptions,
) -> Result<(Recording, Vec<Warning>)> {
    let mut keep: Vec<bool> = vec![true; rec.n_channels()];
    let mut warnings = Vec::new();
    if let Some((infos, tsv)) = sidecar {
        warnings.extend(apply_sidecar(&rec, &mut keep, &mut is_eeg, &infos, &tsv)?);
    }
    let (names, columns) =
        rename_and_pick(&rec.source, &rec.channel_names, &keep, &is_eeg, options)?;
    if columns.is_empty() {
        return Err(Error::file(
            &rec.source,
            "no EEG channel left (all bad or not EEG), expected at least one; select channels with --channels",
        ));
    }
    let samples = rec.samples.select(ndarray::Axis(1), &columns);
    Ok((
        Recording {
            samples,
            sample_rate_hz: rec.sample_rate_hz,
            channel_names: columns.iter().map(|&c| names[c].clone()).collect(),
            source: rec.source,
        },
        warnings,
    ))
}

/// `--rename`, then `--channels` (else the channels both kept and EEG), applied to the channel
/// names of `source`: the names after renaming and the columns chosen, in order. Shared by
/// recordings read whole and by streams (`classify --lsl`).
pub fn rename_and_pick(
    source: &Path,
    channel_names: &[String],
    keep: &[bool],
    is_eeg: &[bool],
    options: &ReadOptions,
) -> Result<(Vec<String>, Vec<usize>)> {
    let mut names = channel_names.to_vec();
    for (old, new) in &options.rename {
        let Some(c) = names.iter().position(|n| n == old) else {
            return Err(Error::input(format!(
                "--rename {old}={new}: {} has no channel '{old}'{} (channels: {})",
                source.display(),
                crate::recording::case_hint(&[old.as_str()], &names),
                truncate(&names.join(", "))
            )));
        };
        if names.iter().any(|n| n == new) && names[c] != *new {
            return Err(Error::input(format!(
                "--rename {old}={new}: {} already has a channel '{new}', expected unique names",
                source.display()
            )));
        }
        names[c] = new.clone();
    }
    let columns: Vec<usize> = match &options.channels {
        Some(wanted) => wanted
            .iter()
            .map(|w| match names.iter().position(|n| n == w) {
                Some(c) if keep[c] => Ok(c),
                Some(_) => Err(Error::input(format!(
                    "--channels {w}: {} marks it bad in its _channels.tsv",
                    source.display()
                ))),
                None => Err(Error::input(format!(
                    "--channels {w}: {} has no such channel{} (channels: {})",
                    source.display(),
                    crate::recording::case_hint(&[w.as_str()], &names),
                    truncate(&names.join(", "))
                ))),
            })
            .collect::<Result<_>>()?,
        None => (0..names.len()).filter(|&c| keep[c] && is_eeg[c]).collect(),
    };
    if let Some(d) = (1..columns.len()).find(|&i| columns[..i].contains(&columns[i])) {
        return Err(Error::input(format!(
            "--channels: '{}' given twice",
            names[columns[d]]
        )));
    }
    Ok((names, columns))
}

/// Applies a `_channels.tsv` sidecar (`infos`, read from `tsv`) to a recording's channels:
/// bad ones are not kept (the warning naming them is returned), the type decides which are
/// EEG. A channel the recording lacks is an error at its line of the sidecar.
fn apply_sidecar(
    rec: &Recording,
    keep: &mut [bool],
    is_eeg: &mut [bool],
    infos: &[bids::ChannelInfo],
    tsv: &Path,
) -> Result<Option<Warning>> {
    let mut bad = Vec::new();
    for info in infos {
        let Some(c) = rec.channel_index(&info.name) else {
            return Err(Error::at(
                tsv,
                info.line,
                Some(1),
                format!(
                    "channel '{}' that {} does not have",
                    info.name,
                    rec.source.display()
                ),
                format!(
                    "the recording's channels ({})",
                    truncate(&rec.channel_names.join(", "))
                ),
            ));
        };
        if info.bad {
            keep[c] = false;
            bad.push(info.name.clone());
        }
        is_eeg[c] = info.kind.eq_ignore_ascii_case("EEG");
    }
    if bad.is_empty() {
        return Ok(None);
    }
    Ok(Some(Warning {
        file: rec.source.display().to_string(),
        kind: WarningKind::BadChannel,
        channels: bad,
        message: format!(
            "marked bad in {}, dropped",
            tsv.file_name().map_or(tsv.display().to_string(), |n| n
                .to_string_lossy()
                .into_owned())
        ),
    }))
}

/// Parses `old=new` pairs of `--rename`.
pub fn parse_renames(items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_string(), b.trim().to_string()))
            }
            _ => Err(Error::input(format!(
                "--rename '{item}': expected OLD=NEW, e.g. 'EXG Channel 0=Fz'"
            ))),
        })
        .collect()
}
