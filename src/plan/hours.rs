//! Hours of operation (DESIGN.md §2): parsing, canonical text, and the open
//! intervals as UTC timestamps.
//!
//! Hours are read on the wall clock of their zone: the service is open at an
//! instant when the local clock then shows a time inside one of the ranges of
//! the matching day (a range running past midnight belongs to the day it
//! starts on). So daylight saving time is handled without special cases:
//! "Mon-Fri 09:00-16:00 Europe/London" is 08:00–15:00 UTC in summer; a range
//! that starts inside a spring-forward gap opens at the first instant after
//! the gap; a range that covers an autumn fold is open during both passes of
//! the repeated hour.
//!
//! Nothing here loops minute by minute: intervals are built per local day on
//! each stretch of constant UTC offset (a handful of stretches a year).

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Three-letter day names, Monday first (the index is the weekday, Mon = 0).
pub const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const SECONDS_PER_MINUTE: i64 = 60;
const SECONDS_PER_DAY: i64 = 86_400;
const MINUTES_PER_DAY: u16 = 1440;

/// A UTC interval `[start, end)`.
pub type Interval = (Timestamp, Timestamp);

/// Parsed hours of operation, e.g. "24x7", "Mon-Fri 09:00-16:00", "Mon-Fri 08:00-18:00; Sat 09:00-13:00 America/New_York".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hours {
    groups: Vec<DayGroup>,
    zone_name: String,
    zone: TimeZone,
    is_24x7: bool,
}

/// One `days time-time,...` group.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct DayGroup {
    /// Bit `d` set when weekday `d` (Mon = 0) is in the group.
    days: u8,
    /// `(start, end)` in minutes from the start day's 00:00; `start < end <= start + 1440`,
    /// so an end past 1440 runs into the next day. Sorted and deduplicated.
    ranges: Vec<(u16, u16)>,
}

/// A syntax or zone error in an hours string, pointing at the offending part.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HoursError {
    /// Byte offset of the offending part in the input string.
    pub offset: usize,
    /// Byte length of the offending part (0 when something is missing).
    pub len: usize,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl HoursError {
    fn new(offset: usize, len: usize, message: impl Into<String>) -> HoursError {
        HoursError {
            offset,
            len,
            message: message.into(),
        }
    }
}

/// Hours are equal when their groups and zone name are (the zone follows from its name).
impl std::hash::Hash for Hours {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.groups.hash(state);
        self.zone_name.hash(state);
        self.is_24x7.hash(state);
    }
}

impl Hours {
    /// `default_zone` is the plan's `timezone` (IANA name), used when the string has no trailing zone; unknown zone names are errors.
    pub fn parse(text: &str, default_zone: &str) -> Result<Hours, HoursError> {
        Parser { text, pos: 0 }.hours(default_zone)
    }

    /// Whether the hours are the literal `24x7` (always open).
    ///
    /// `Mon-Sun 00:00-24:00` is open all the time too, but keeps its text and zone.
    pub fn is_24x7(&self) -> bool {
        self.is_24x7
    }

    /// The IANA name of the zone the hours are read in.
    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// The zone the hours are read in.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Canonical text with the zone always written, e.g. "Mon-Fri 09:00-16:00 Europe/London" ("24x7" stays "24x7").
    pub fn canonical(&self) -> String {
        if self.is_24x7 {
            return "24x7".to_string();
        }
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|group| {
                let ranges: Vec<String> = group
                    .ranges
                    .iter()
                    .map(|&(start, end)| {
                        // An end past midnight is written as the next day's clock time.
                        let end = if end > MINUTES_PER_DAY {
                            end - MINUTES_PER_DAY
                        } else {
                            end
                        };
                        format!("{}-{}", clock(start), clock(end))
                    })
                    .collect();
                format!("{} {}", days_text(group.days), ranges.join(","))
            })
            .collect();
        format!("{} {}", groups.join("; "), self.zone_name)
    }

    /// The open intervals [start, end) as UTC timestamps intersecting [from, to), merged and sorted, DST-correct.
    ///
    /// The intervals are clipped to `[from, to)`.
    ///
    /// Memoised per thread: rules ask the same hours for the same year once
    /// per workload, window and dependency.
    pub fn intervals(&self, from: Timestamp, to: Timestamp) -> Vec<Interval> {
        if from >= to {
            return Vec::new();
        }
        if self.is_24x7 {
            return vec![(from, to)];
        }
        type Key = (Vec<DayGroup>, String, Timestamp, Timestamp);
        thread_local! {
            static MEMO: std::cell::RefCell<std::collections::HashMap<Key, std::rc::Rc<[Interval]>>> =
                Default::default();
        }
        let key: Key = (self.groups.clone(), self.zone_name.clone(), from, to);
        if let Some(hit) = MEMO.with_borrow(|memo| memo.get(&key).cloned()) {
            return hit.to_vec();
        }
        let computed = self.compute_intervals(from, to);
        MEMO.with_borrow_mut(|memo| {
            if memo.len() >= 1024 {
                memo.clear();
            }
            memo.insert(key, computed.as_slice().into());
        });
        computed
    }

    fn compute_intervals(&self, from: Timestamp, to: Timestamp) -> Vec<Interval> {
        if from >= to {
            return Vec::new();
        }
        if self.is_24x7 {
            return vec![(from, to)];
        }
        let lo = from.as_second() - 1;
        let hi = to.as_second() + 1;
        let mut open: Vec<(i64, i64)> = Vec::new();
        for (seg_start, seg_end, offset) in offset_segments(&self.zone, from, lo, hi) {
            // The civil (wall-clock) time at UTC second `t` is `t + offset` on this segment.
            let civil_start = seg_start + offset;
            let civil_end = seg_end + offset;
            // A range may start on the day before and run past midnight.
            let first_day = civil_start.div_euclid(SECONDS_PER_DAY) - 1;
            let last_day = (civil_end - 1).div_euclid(SECONDS_PER_DAY);
            for day in first_day..=last_day {
                let bit = 1u8 << weekday_of_day(day);
                let day_start = day * SECONDS_PER_DAY;
                for group in self.groups.iter().filter(|g| g.days & bit != 0) {
                    for &(start, end) in &group.ranges {
                        let a =
                            (day_start + i64::from(start) * SECONDS_PER_MINUTE).max(civil_start);
                        let b = (day_start + i64::from(end) * SECONDS_PER_MINUTE).min(civil_end);
                        if a < b {
                            open.push((a - offset, b - offset));
                        }
                    }
                }
            }
        }
        let clipped = open
            .into_iter()
            .map(|(a, b)| (timestamp(a).max(from), timestamp(b).min(to)))
            .filter(|(a, b)| a < b)
            .collect();
        merge_intervals(clipped)
    }

    /// The first stretch in [from, to) where both `self` is open and one of `windows` (sorted UTC intervals) is active.
    ///
    /// `[from, to)` is the span of `windows`; they are merged first, so the
    /// stretch returned is the whole contiguous overlap.
    pub fn first_overlap(&self, windows: &[Interval]) -> Option<Interval> {
        let from = windows.iter().map(|w| w.0).min()?;
        let to = windows.iter().map(|w| w.1).max()?;
        self.first_overlap_within(windows, from, to)
    }

    /// [`Hours::first_overlap`] for windows that were generated over
    /// `[from, to)` (they may start before or end after it): the hours are
    /// computed over the whole span, so the same year is computed once.
    pub fn first_overlap_within(
        &self,
        windows: &[Interval],
        from: Timestamp,
        to: Timestamp,
    ) -> Option<Interval> {
        let windows = merge_intervals(windows.to_vec());
        let lo = windows.first()?.0.min(from);
        let hi = windows.last()?.1.max(to);
        first_common(&self.intervals(lo, hi), &windows)
    }

    /// The first stretch in [from, to) where `other` is open and `self` is not (self does not cover other). Used for CG304 (dependency must cover the service's hours) and CG401 (hours extended = new hours open where old were not).
    pub fn first_uncovered(
        &self,
        other: &Hours,
        from: Timestamp,
        to: Timestamp,
    ) -> Option<Interval> {
        subtract_intervals(&other.intervals(from, to), &self.intervals(from, to))
            .into_iter()
            .next()
    }

    /// Formats a UTC stretch in this zone, e.g. "Tue 2026-12-01 11:00–11:30 Europe/London".
    ///
    /// A stretch that ends on a later local day names both days
    /// ("Fri 2026-12-04 22:00 – Sat 2026-12-05 06:00 Europe/London"); one that
    /// ends at the next midnight ends at "24:00".
    pub fn describe_local(&self, stretch: Interval) -> String {
        describe_in_zone(stretch, &self.zone, &self.zone_name)
    }
}

/// Formats a UTC stretch on the wall clock of `zone`, named `zone_name` in the text.
///
/// When an end falls in a repeated (autumn) hour, the UTC offsets are added
/// so the text names one instant: "Sun 2026-10-25 01:15–01:45 Europe/London (UTC+00:00)".
pub fn describe_in_zone(stretch: Interval, zone: &TimeZone, zone_name: &str) -> String {
    let start = zone.to_datetime(stretch.0);
    let end = zone.to_datetime(stretch.1);
    let start_text = format!(
        "{} {} {}",
        weekday_name(start.date()),
        start.date(),
        clock_time(start.time())
    );
    let ends_at_midnight = end.time() == jiff::civil::Time::midnight()
        && start.date().tomorrow().ok() == Some(end.date())
        && stretch.0 < stretch.1;
    let text = if end.date() == start.date() {
        format!("{start_text}–{} {zone_name}", clock_time(end.time()))
    } else if ends_at_midnight {
        format!("{start_text}–24:00 {zone_name}")
    } else {
        format!(
            "{start_text} – {} {} {} {zone_name}",
            weekday_name(end.date()),
            end.date(),
            clock_time(end.time())
        )
    };
    let in_fold = |dt| {
        matches!(
            zone.to_ambiguous_timestamp(dt).offset(),
            jiff::tz::AmbiguousOffset::Fold { .. }
        )
    };
    if !in_fold(start) && !in_fold(end) {
        return text;
    }
    let start_offset = utc_offset(zone.to_offset(stretch.0));
    let end_offset = utc_offset(zone.to_offset(stretch.1));
    if start_offset == end_offset {
        format!("{text} ({start_offset})")
    } else {
        format!("{text} ({start_offset}, then {end_offset})")
    }
}

/// "UTC+01:00", "UTC-05:00", "UTC+05:45".
fn utc_offset(offset: jiff::tz::Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The year of weeks compared: [as_of 00:00 UTC, +366 days).
pub fn year_from(as_of: Date) -> Interval {
    let start = jiff::tz::Offset::UTC
        .to_timestamp(as_of.to_datetime(jiff::civil::Time::midnight()))
        .unwrap_or(Timestamp::MIN);
    let end = timestamp(start.as_second().saturating_add(366 * SECONDS_PER_DAY));
    (start, end)
}

/// Sorts intervals and merges those that overlap or touch; empty ones are dropped.
pub fn merge_intervals(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|(a, b)| a < b);
    intervals.sort();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The intersection of two merged, sorted interval lists.
pub fn intersect_intervals(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        if start < end {
            out.push((start, end));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The parts of `a` not covered by `b` (both merged and sorted).
pub fn subtract_intervals(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(start, end) in a {
        let mut cursor = start;
        while j < b.len() && b[j].1 <= cursor {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].0 < end {
            if b[k].0 > cursor {
                out.push((cursor, b[k].0));
            }
            cursor = cursor.max(b[k].1);
            k += 1;
        }
        if cursor < end {
            out.push((cursor, end));
        }
    }
    out
}

/// The first stretch of the intersection of two merged, sorted lists, without building all of it.
fn first_common(a: &[Interval], b: &[Interval]) -> Option<Interval> {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        if start < end {
            return Some((start, end));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    None
}

/// Stretches `(start, end, offset)` of constant UTC offset covering `[lo, hi)`, in seconds.
///
/// `lo` is at or just before `at` (whole seconds around a sub-second
/// timestamp); the bit before `at` gets the offset at `at`, which is harmless
/// because callers clip their result to `[at, ..)`.
fn offset_segments(zone: &TimeZone, at: Timestamp, lo: i64, hi: i64) -> Vec<(i64, i64, i64)> {
    let mut segments = Vec::new();
    let mut cursor = lo;
    let mut offset = i64::from(zone.to_offset(at).seconds());
    for transition in zone.following(at) {
        let t = transition.timestamp().as_second();
        if t >= hi {
            break;
        }
        if t > cursor {
            segments.push((cursor, t, offset));
            cursor = t;
        }
        offset = i64::from(transition.offset().seconds());
    }
    if cursor < hi {
        segments.push((cursor, hi, offset));
    }
    segments
}

/// Weekday (Mon = 0) of civil day number `day` counted from 1970-01-01, a Thursday.
fn weekday_of_day(day: i64) -> u32 {
    // The remainder is in 0..7, so the conversion cannot truncate.
    (day + 3).rem_euclid(7) as u32
}

/// A timestamp from Unix seconds, saturating at jiff's range.
fn timestamp(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(if second < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

fn weekday_name(date: Date) -> &'static str {
    DAY_NAMES[usize::from(date.weekday().to_monday_zero_offset().unsigned_abs())]
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn clock_time(time: jiff::civil::Time) -> String {
    if time.second() == 0 {
        format!("{:02}:{:02}", time.hour(), time.minute())
    } else {
        format!(
            "{:02}:{:02}:{:02}",
            time.hour(),
            time.minute(),
            time.second()
        )
    }
}

/// Day set as text: runs of consecutive days as ranges, in week order
/// ("Mon-Fri", "Sat,Sun" → "Sat-Sun", wrapping "Fri-Mon").
fn days_text(days: u8) -> String {
    if days & 0x7f == 0x7f {
        return "Mon-Sun".to_string();
    }
    let has = |d: u32| days & (1 << (d % 7)) != 0;
    let mut runs = Vec::new();
    for first in 0..7u32 {
        // A run starts at a day whose previous day is not in the set.
        if has(first) && !has(first + 6) {
            let mut last = first;
            while has(last + 1) {
                last += 1;
            }
            let name = |d: u32| DAY_NAMES[(d % 7) as usize];
            runs.push(if last == first {
                name(first).to_string()
            } else {
                format!("{}-{}", name(first), name(last))
            });
        }
    }
    runs.join(",")
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn skip_spaces(&mut self) -> usize {
        let start = self.pos;
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
        self.pos - start
    }

    /// End of the run of bytes from `from` that satisfy `pred` (ASCII only, so always a char boundary).
    fn run_end(&self, from: usize, pred: impl Fn(u8) -> bool) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = from;
        while end < bytes.len() && pred(bytes[end]) {
            end += 1;
        }
        end
    }

    /// The token at `pos` for an error message: up to the next separator, or one character.
    fn found(&self, pos: usize) -> (usize, String) {
        if pos >= self.text.len() {
            return (0, "the end of the text".to_string());
        }
        let end = self.run_end(pos, |b| !matches!(b, b' ' | b';' | b',' | b'-'));
        let end = if end == pos {
            pos + self.text[pos..].chars().next().map_or(1, char::len_utf8)
        } else {
            end
        };
        (end - pos, format!("`{}`", &self.text[pos..end]))
    }

    fn hours(mut self, default_zone: &str) -> Result<Hours, HoursError> {
        self.skip_spaces();
        if self.at_end() {
            return Err(HoursError::new(
                0,
                self.text.len(),
                "hours are empty; write `24x7` or days and times such as `Mon-Fri 09:00-17:00`",
            ));
        }
        let word_end = self.run_end(self.pos, |b| b != b' ');
        if self.text[self.pos..word_end].eq_ignore_ascii_case("24x7") {
            self.pos = word_end;
            self.skip_spaces();
            if !self.at_end() {
                let rest = self.text[self.pos..].trim_end();
                return Err(HoursError::new(
                    self.pos,
                    rest.len(),
                    format!(
                        "`24x7` stands alone: remove `{rest}` (always open needs no days, times or time zone)"
                    ),
                ));
            }
            let (zone_name, zone) = default_zone_of(default_zone, self.text.len())?;
            return Ok(Hours {
                groups: Vec::new(),
                zone_name,
                zone,
                is_24x7: true,
            });
        }

        let mut groups = Vec::new();
        let mut zone_token: Option<(usize, &str)> = None;
        loop {
            let days = self.days()?;
            if self.skip_spaces() == 0 {
                let (len, found) = self.found(self.pos);
                return Err(HoursError::new(
                    self.pos,
                    len,
                    format!("expected a space and the times after the days, found {found}"),
                ));
            }
            let mut ranges = self.ranges()?;
            ranges.sort_unstable();
            ranges.dedup();
            groups.push(DayGroup { days, ranges });
            let spaces = self.skip_spaces();
            match self.peek() {
                None => break,
                Some(b';') => {
                    self.pos += 1;
                    self.skip_spaces();
                    if self.at_end() {
                        return Err(HoursError::new(
                            self.pos,
                            0,
                            "expected another group of days and times after `;`",
                        ));
                    }
                }
                Some(_) if spaces > 0 => {
                    let start = self.pos;
                    let end = self.run_end(start, |b| b != b' ' && b != b';');
                    let name = &self.text[start..end];
                    self.pos = end;
                    self.skip_spaces();
                    match self.peek() {
                        None => {}
                        Some(b';') => {
                            return Err(HoursError::new(
                                start,
                                name.len(),
                                format!(
                                    "the time zone `{name}` must come last: it applies to every group \
                                     (groups are separated by `;`)"
                                ),
                            ));
                        }
                        Some(_) => {
                            let rest = self.text[self.pos..].trim_end();
                            return Err(HoursError::new(
                                self.pos,
                                rest.len(),
                                format!("unexpected `{rest}` after the time zone `{name}`"),
                            ));
                        }
                    }
                    zone_token = Some((start, name));
                    break;
                }
                Some(_) => {
                    let (len, found) = self.found(self.pos);
                    return Err(HoursError::new(
                        self.pos,
                        len,
                        format!(
                            "expected `,` and another time range, `;` and another group, \
                             a time zone, or the end, found {found}"
                        ),
                    ));
                }
            }
        }

        let (zone_name, zone) = match zone_token {
            Some((start, name)) => named_zone(name).ok_or_else(|| {
                let hint = if day_index(name.get(..3).unwrap_or(name)).is_some() {
                    "; separate groups with `;`, e.g. `Mon-Fri 09:00-17:00; Sat 10:00-12:00`"
                } else {
                    ""
                };
                HoursError::new(
                    start,
                    name.len(),
                    format!("unknown time zone `{name}`{hint}"),
                )
            })?,
            None => default_zone_of(default_zone, self.text.len())?,
        };
        Ok(Hours {
            groups,
            zone_name,
            zone,
            is_24x7: false,
        })
    }

    /// `days = item ("," item)*`, `item = day ["-" day]`.
    fn days(&mut self) -> Result<u8, HoursError> {
        let mut set = 0u8;
        loop {
            let first = self.day()?;
            if self.peek() == Some(b'-') {
                self.pos += 1;
                let last = self.day()?;
                let mut d = first;
                loop {
                    set |= 1 << d;
                    if d == last {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            } else {
                set |= 1 << first;
            }
            if self.peek() == Some(b',') {
                self.pos += 1;
                self.skip_spaces();
            } else {
                return Ok(set);
            }
        }
    }

    fn day(&mut self) -> Result<u8, HoursError> {
        let start = self.pos;
        let end = self.run_end(start, |b| b.is_ascii_alphabetic());
        if end == start {
            let (len, found) = self.found(start);
            return Err(HoursError::new(
                start,
                len,
                format!("expected a day (Mon, Tue, Wed, Thu, Fri, Sat or Sun), found {found}"),
            ));
        }
        let name = &self.text[start..end];
        let day = day_index(name).ok_or_else(|| {
            HoursError::new(
                start,
                end - start,
                format!("unknown day `{name}`; expected Mon, Tue, Wed, Thu, Fri, Sat or Sun"),
            )
        })?;
        self.pos = end;
        Ok(day)
    }

    /// `time "-" time ("," time "-" time)*`, as `(start, end)` minutes with the end past the start.
    fn ranges(&mut self) -> Result<Vec<(u16, u16)>, HoursError> {
        let mut ranges = Vec::new();
        loop {
            let start_pos = self.pos;
            let start = self.time()?;
            if start == MINUTES_PER_DAY {
                return Err(HoursError::new(
                    start_pos,
                    self.pos - start_pos,
                    "a time range cannot start at 24:00; start at 00:00 of the next day",
                ));
            }
            if self.peek() != Some(b'-') {
                let (len, found) = self.found(self.pos);
                return Err(HoursError::new(
                    self.pos,
                    len,
                    format!(
                        "expected `-` and an end time after `{}`, found {found}",
                        &self.text[start_pos..self.pos]
                    ),
                ));
            }
            self.pos += 1;
            let end = self.time()?;
            // An end at or before the start runs past midnight into the next day.
            let end = if end <= start {
                end + MINUTES_PER_DAY
            } else {
                end
            };
            ranges.push((start, end));
            if self.peek() == Some(b',') {
                self.pos += 1;
                self.skip_spaces();
            } else {
                return Ok(ranges);
            }
        }
    }

    /// `HH:MM` from 00:00 to 24:00, as minutes.
    fn time(&mut self) -> Result<u16, HoursError> {
        let start = self.pos;
        let end = self.run_end(start, |b| b.is_ascii_digit() || b == b':');
        let raw = &self.text[start..end];
        let shape_ok = raw.split_once(':').is_some_and(|(h, m)| {
            (1..=2).contains(&h.len()) && m.len() == 2 && !m.contains(':') && !h.is_empty()
        });
        if !shape_ok {
            // Show the whole malformed token, letters included ("9h30", "9.30").
            let token_end = self.run_end(start, |b| {
                b.is_ascii_alphanumeric() || b == b':' || b == b'.'
            });
            let (len, found) = if token_end > start {
                (
                    token_end - start,
                    format!("`{}`", &self.text[start..token_end]),
                )
            } else {
                self.found(start)
            };
            return Err(HoursError::new(
                start,
                len,
                format!("expected a time as HH:MM (00:00–24:00), found {found}"),
            ));
        }
        let (h, m) = raw.split_once(':').unwrap_or((raw, ""));
        let hour: u16 = h.parse().unwrap_or(u16::MAX);
        let minute: u16 = m.parse().unwrap_or(u16::MAX);
        if hour > 24 || minute > 59 || (hour == 24 && minute > 0) {
            return Err(HoursError::new(
                start,
                raw.len(),
                format!("time `{raw}` is out of range 00:00–24:00"),
            ));
        }
        self.pos = end;
        Ok(hour * 60 + minute)
    }
}

/// Weekday index (Mon = 0) of a three-letter day name, case-insensitively.
fn day_index(name: &str) -> Option<u8> {
    DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(name))
        .and_then(|i| u8::try_from(i).ok())
}

/// Looks up an IANA zone; the name returned is the database's spelling.
fn named_zone(name: &str) -> Option<(String, TimeZone)> {
    crate::tzdb::zone(name)
}

fn default_zone_of(default_zone: &str, text_len: usize) -> Result<(String, TimeZone), HoursError> {
    named_zone(default_zone).ok_or_else(|| {
        HoursError::new(
            text_len,
            0,
            format!("unknown time zone `{default_zone}` (the plan's `timezone`, used because the hours name no zone)"),
        )
    })
}

#[cfg(test)]
mod tests;

/// The whole minutes in a list of disjoint intervals (a rule's measure).
pub fn minutes_of(intervals: &[Interval]) -> u64 {
    intervals
        .iter()
        .map(|(a, b)| (b.as_second() - a.as_second()).unsigned_abs() / 60)
        .sum()
}
