//! Usage errors from the argument parser as one `eegi: usage: …` line that keeps all of clap's
//! information (the missing arguments, the valid values, "did you mean"), pointing at the help
//! of the subcommand concerned.

use clap::error::ErrorKind;

/// The one line printed for a usage error `e` of the command line `args` (without the program
/// name), given the subcommand names: `usage: <clap's message> (see eegi <command> --help)`.
pub fn usage_line(e: &clap::Error, args: &[String], subcommands: &[String]) -> String {
    let command = args.iter().find(|a| subcommands.contains(a));
    let see = match command {
        Some(c) => format!("see eegi {c} --help"),
        None => "see eegi --help".to_string(),
    };
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // clap prints the whole help here; eegi names what is missing
        return match command {
            Some(c) => format!("usage: eegi {c} needs arguments ({see})"),
            None => format!(
                "usage: a command is required, one of: {} ({see})",
                subcommands.join(", ")
            ),
        };
    }
    format!("usage: {} ({see})", one_line(&e.to_string()))
}

/// clap's multi-line message on one line: its lines joined, the usage synopsis and the
/// "For more information" pointer left out (the caller names the help to read).
fn one_line(text: &str) -> String {
    let mut out = String::new();
    let mut listing = false; // after a line ending in ':' (a list of missing arguments)
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            continue;
        }
        let line = line.strip_prefix("error: ").unwrap_or(line);
        if out.is_empty() {
            out.push_str(line);
        } else if line.starts_with('[') {
            out.push(' ');
            out.push_str(line);
        } else if line.starts_with("tip:") || line.starts_with("note:") {
            out.push_str("; ");
            out.push_str(line);
            listing = false;
        } else if listing {
            if !out.ends_with(':') {
                out.push(',');
            }
            out.push(' ');
            out.push_str(line);
        } else {
            out.push_str("; ");
            out.push_str(line);
        }
        if line.ends_with(':') {
            listing = true;
        }
    }
    if out.is_empty() {
        "bad usage".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_messages_become_one_line() {
        let text = "error: the following required arguments were not provided:\n  --output <MODEL.json>\n  <RECORDING>...\n\nUsage: eegi train --output <MODEL.json> <RECORDING>...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(text),
            "the following required arguments were not provided: --output <MODEL.json>, <RECORDING>..."
        );
        let text = "error: invalid value 'LDA' for '--classifier <CLASSIFIER>'\n  [possible values: logistic, lda]\n\n  tip: a similar value exists: 'lda'\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(text),
            "invalid value 'LDA' for '--classifier <CLASSIFIER>' [possible values: logistic, lda]; tip: a similar value exists: 'lda'"
        );
        assert_eq!(one_line(""), "bad usage");
    }
}
