//! `train --auto`'s record in words, for `eegi inspect` and `train`'s summary (a leaf: both
//! use it).

use crate::pipeline::Selection;

/// `train --auto`'s choice in lines of text (for `inspect` and the training summary): the
/// chosen pipeline, the nested score, and each candidate's inner score or reason skipped.
pub(super) fn describe_selection(selection: Option<&Selection>) -> String {
    use std::fmt::Write;
    let Some(s) = selection else {
        return String::new();
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "pipeline chosen by --auto: {} (inner {}-fold mean balanced accuracy, the highest of {} candidates)",
        s.chosen,
        s.folds,
        s.candidates.len()
    );
    if let Some(n) = &s.nested {
        let _ = writeln!(
            o,
            "  nested {}-fold balanced accuracy of choosing this way: {:.3} (honest: each outer fold chose on its training windows; chosen per fold: {})",
            n.folds,
            n.balanced_accuracy,
            n.chosen.join(", ")
        );
    }
    for c in &s.candidates {
        let _ = match (&c.balanced_accuracy, &c.skipped) {
            (Some(v), _) => writeln!(o, "  {:<20} {v:.3}  ({})", c.name, c.options),
            (None, Some(why)) => writeln!(o, "  {:<20} skipped: {why}", c.name),
            (None, None) => writeln!(o, "  {:<20} n/a", c.name),
        };
    }
    o
}
