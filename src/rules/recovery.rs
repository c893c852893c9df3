//! Arithmetic shared by the recovery-time and recovery-point rules (CG104,
//! CG201, CG203) and the JSON report's estimates: backup gaps per source,
//! restore estimates, and the texts that name durations, sizes and instants.

use crate::facts::schedule::{Gap, largest_gap_cached};
use crate::facts::{BackupKind, BackupSource, ServiceFacts};

/// Continuous (transaction-log) backups of RDS/Aurora: every 5 minutes.
pub const CONTINUOUS_GAP_SECONDS: i64 = 300;

/// The largest gap between two runs of one backup source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceGap {
    /// Automated backups with transaction logs: 5 minutes.
    Continuous,
    /// A schedule's largest gap over the year from `--as-of`.
    Every(Gap),
    /// The schedule fires fewer than twice in that year: no bound.
    Unbounded,
    /// The schedule cannot be read (the reason, for a note).
    Unreadable(String),
}

impl SourceGap {
    /// Seconds, when finite and known.
    pub fn seconds(&self) -> Option<i64> {
        match self {
            SourceGap::Continuous => Some(CONTINUOUS_GAP_SECONDS),
            SourceGap::Every(g) => Some(g.seconds),
            SourceGap::Unbounded | SourceGap::Unreadable(_) => None,
        }
    }
}

/// The gap of one backup source, in its own zone (DESIGN §1 "Backup gaps").
pub fn source_gap(b: &BackupSource, as_of: jiff::civil::Date) -> SourceGap {
    let Some(expr) = &b.schedule else {
        return match b.kind {
            BackupKind::Automated => SourceGap::Continuous,
            _ => SourceGap::Unreadable("it has no schedule".into()),
        };
    };
    match largest_gap_cached(expr, &b.zone, b.dialect(), as_of) {
        Ok(Some(g)) => SourceGap::Every(g),
        Ok(None) => SourceGap::Unbounded,
        Err(e) => SourceGap::Unreadable(e.to_string()),
    }
}

/// The largest finite gap over a service's backup sources (the JSON
/// report's `backup_gap_seconds`); `None` when it has none.
pub fn largest_backup_gap_seconds(facts: &ServiceFacts, as_of: jiff::civil::Date) -> Option<i64> {
    facts
        .backups
        .iter()
        .filter_map(|b| source_gap(b, as_of).seconds())
        .max()
}

/// A duration in hours, minutes and seconds (`25h`, `72h`, `42m40s`,
/// `1h30m`): recovery targets are spoken of in hours, never in days.
pub fn duration_text(secs: i64) -> String {
    if secs == 0 {
        return "0".into();
    }
    let mut out = String::new();
    if secs < 0 {
        out.push('-');
    }
    let mut rest = secs.unsigned_abs();
    for (unit, name) in [(3600u64, "h"), (60, "m"), (1, "s")] {
        if rest >= unit {
            out.push_str(&format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    out
}

/// A size in binary units (`500 GiB`, `1.5 TiB`, `300 B`).
pub fn size_text(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    for (unit, name) in UNITS {
        if bytes >= unit {
            if bytes.is_multiple_of(unit) {
                return format!("{} {name}", bytes / unit);
            }
            // One decimal, rounded down, so the text never overstates.
            let tenths = u128::from(bytes) * 10 / u128::from(unit);
            return format!("{}.{} {name}", tenths / 10, tenths % 10);
        }
    }
    format!("{bytes} B")
}

/// The time to restore `bytes` at `throughput` bytes a second, whole
/// seconds rounded up; `None` for a zero throughput.
pub fn transfer_seconds(bytes: u64, throughput: u64) -> Option<i64> {
    if throughput == 0 {
        return None;
    }
    let secs = u128::from(bytes).div_ceil(u128::from(throughput));
    Some(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// An instant in a zone, as `Sat 2026-10-24 05:00`.
pub fn local_text(t: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> String {
    t.to_zoned(zone.clone())
        .strftime("%a %Y-%m-%d %H:%M")
        .to_string()
}

/// The zone of a name (bundled database), UTC when unknown.
pub fn zone(name: &str) -> jiff::tz::TimeZone {
    crate::tzdb::zone_or_utc(name)
}

/// Describes a gap in the schedule's zone: `between Sat 2026-10-24 05:00 and
/// Sun 2026-10-25 05:00 Europe/London (the clocks go back)`.
pub fn gap_text(gap: &Gap, zone_name: &str) -> String {
    let tz = zone(zone_name);
    let name = if zone_name.is_empty() {
        "UTC"
    } else {
        zone_name
    };
    let before = tz.to_offset(gap.after);
    let after = tz.to_offset(gap.before);
    let clocks = if after > before {
        " (the clocks go forward)"
    } else if after < before {
        " (the clocks go back)"
    } else {
        ""
    };
    format!(
        "between {} and {} {name}{clocks}",
        local_text(gap.after, &tz),
        local_text(gap.before, &tz),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_hours() {
        assert_eq!(duration_text(90_000), "25h");
        assert_eq!(duration_text(259_200), "72h");
        assert_eq!(duration_text(2560), "42m40s");
        assert_eq!(duration_text(5400), "1h30m");
        assert_eq!(duration_text(0), "0");
    }

    #[test]
    fn sizes_binary() {
        assert_eq!(size_text(500 << 30), "500 GiB");
        assert_eq!(size_text(3 << 39), "1.5 TiB");
        assert_eq!(size_text(200 << 20), "200 MiB");
        assert_eq!(size_text(12), "12 B");
    }

    #[test]
    fn restore_rounds_up() {
        assert_eq!(transfer_seconds(500 << 30, 200 << 20), Some(2560));
        assert_eq!(transfer_seconds(1, 2), Some(1));
        assert_eq!(transfer_seconds(1, 0), None);
        assert_eq!(transfer_seconds(u64::MAX, 1), Some(i64::MAX));
    }
}
