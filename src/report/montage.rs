//! Scalp positions of the 10-05 electrode system for the scalp map: the table
//! `montage_1005.tsv` (Oostenveld & Praamstra 2001, as MNE's `standard_1005` distributes it,
//! projected to 2-D by `tests/reference/make_montage_1005.py`).

/// The position table: a comment line, a header, then `name<TAB>x<TAB>y` (x to the right ear,
/// y to the nose; the Fpz/T7/Oz/T8 ring has radius 1).
const TABLE: &str = include_str!("montage_1005.tsv");

/// Old 10-20 names and their 10-05 equivalents.
const ALIASES: [(&str, &str); 4] = [("t3", "t7"), ("t4", "t8"), ("t5", "p7"), ("t6", "p8")];

/// A channel name as the table is searched: lower case, without the trailing dots some files
/// pad names with (PhysioNet's `Fc5.`), old 10-20 names mapped to their 10-05 names.
fn key(name: &str) -> String {
    let k = name.trim().trim_end_matches('.').to_ascii_lowercase();
    ALIASES
        .iter()
        .find(|(old, _)| *old == k)
        .map_or(k, |(_, new)| (*new).to_string())
}

/// The 2-D scalp position of a channel (x right, y nose; head circle of radius 1), or `None`
/// when its name is not a 10-05 label.
pub(super) fn position(name: &str) -> Option<(f64, f64)> {
    let k = key(name);
    TABLE.lines().skip(2).find_map(|line| {
        let mut f = line.split('\t');
        let n = f.next()?;
        if n.to_ascii_lowercase() != k {
            return None;
        }
        let x = f.next()?.parse().ok()?;
        let y = f.next()?.parse().ok()?;
        Some((x, y))
    })
}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn positions_are_found_by_any_spelling_and_lie_where_the_system_puts_them() {
        let cz = position("Cz").unwrap();
        assert!(cz.0.abs() < 0.05 && cz.1.abs() < 0.1, "{cz:?}");
        // left is negative x, the nose positive y; PhysioNet's padded, upper-case names match
        assert!(position("C3").unwrap().0 < -0.3);
        assert!(position("Fpz.").unwrap().1 > 0.9);
        assert_eq!(position("FCZ"), position("FCz"));
        assert_eq!(position("T3"), position("T7"));
        assert!(position("EXG1").is_none());
        assert_eq!(super::TABLE.lines().count(), 2 + 343);
    }
}
