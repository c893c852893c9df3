use super::*;
use crate::facts::window::Window;
use proptest::prelude::*;

fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp literal in a test")
}

fn date(text: &str) -> Date {
    text.parse().expect("a valid date literal in a test")
}

fn hours(text: &str) -> Hours {
    Hours::parse(text, "Europe/London").expect("valid hours in a test")
}

fn err(text: &str) -> HoursError {
    Hours::parse(text, "Europe/London").expect_err("invalid hours in a test")
}

/// The offending part an error points at.
fn pointed(text: &str) -> (String, String) {
    let e = err(text);
    (text[e.offset..e.offset + e.len].to_string(), e.message)
}

fn stretch(a: &str, b: &str) -> Interval {
    (ts(a), ts(b))
}

// ---------------------------------------------------------------- parsing

#[test]
fn parses_24x7() {
    let h = hours("24x7");
    assert!(h.is_24x7());
    assert_eq!(h.canonical(), "24x7");
    assert_eq!(h.zone_name(), "Europe/London");
}

#[test]
fn parses_days_and_times_in_the_default_zone() {
    let h = hours("Mon-Fri 09:00-16:00");
    assert!(!h.is_24x7());
    assert_eq!(h.zone_name(), "Europe/London");
    assert_eq!(h.canonical(), "Mon-Fri 09:00-16:00 Europe/London");
    assert_eq!(
        h.zone(),
        &crate::tzdb::zone("Europe/London").expect("bundled zone").1
    );
}

#[test]
fn trailing_zone_applies_to_every_group() {
    let h = hours("Mon-Fri 08:00-18:00; Sat 09:00-13:00 America/New_York");
    assert_eq!(h.zone_name(), "America/New_York");
    assert_eq!(
        h.canonical(),
        "Mon-Fri 08:00-18:00; Sat 09:00-13:00 America/New_York"
    );
}

#[test]
fn canonical_forms() {
    let cases = [
        ("Sat,Sun 10:00-12:00", "Sat-Sun 10:00-12:00 Europe/London"),
        (
            "Mon-Wed,Fri 09:00-17:00",
            "Mon-Wed,Fri 09:00-17:00 Europe/London",
        ),
        ("Fri-Mon 22:00-06:00", "Fri-Mon 22:00-06:00 Europe/London"),
        (
            "mon-FRI 9:00-17:00 europe/paris",
            "Mon-Fri 09:00-17:00 Europe/Paris",
        ),
        (
            "Mon 12:00-13:00,08:00-09:00",
            "Mon 08:00-09:00,12:00-13:00 Europe/London",
        ),
        ("Sun-Sat 00:00-24:00 UTC", "Mon-Sun 00:00-24:00 UTC"),
        ("Mon 00:00-00:00", "Mon 00:00-24:00 Europe/London"),
        ("Tue 09:00-09:00", "Tue 09:00-09:00 Europe/London"),
        ("Mon,Wed;Tue 10:00-11:00", ""),
    ];
    for (text, canonical) in cases {
        if canonical.is_empty() {
            assert!(
                Hours::parse(text, "UTC").is_err(),
                "{text} should not parse"
            );
            continue;
        }
        let h = hours(text);
        assert_eq!(h.canonical(), canonical, "{text}");
        assert_eq!(
            hours(&h.canonical()),
            h,
            "canonical of {text} reparses to the same hours"
        );
    }
}

#[test]
fn lenient_about_spaces() {
    assert_eq!(
        hours("  Mon-Fri  09:00-12:00, 13:00-17:00;   Sat, Sun 10:00-11:00   UTC "),
        hours("Mon-Fri 09:00-12:00,13:00-17:00; Sat,Sun 10:00-11:00 UTC")
    );
}

#[test]
fn errors_point_at_the_offending_part() {
    let cases = [
        (
            "Mnn-Fri 09:00-16:00",
            "Mnn",
            "unknown day `Mnn`; expected Mon, Tue, Wed, Thu, Fri, Sat or Sun",
        ),
        (
            "Mon-Fri 25:00-26:00",
            "25:00",
            "time `25:00` is out of range 00:00–24:00",
        ),
        (
            "Mon-Fri 09:00-24:30",
            "24:30",
            "time `24:30` is out of range 00:00–24:00",
        ),
        (
            "Mon-Fri 09:00-16:60",
            "16:60",
            "time `16:60` is out of range 00:00–24:00",
        ),
        (
            "Mon-Fri 09:00-16:00 Europe/Lundon",
            "Europe/Lundon",
            "unknown time zone `Europe/Lundon`",
        ),
        (
            "Monday 09:00-16:00",
            "Monday",
            "unknown day `Monday`; expected Mon, Tue, Wed, Thu, Fri, Sat or Sun",
        ),
        (
            "Mon-Fri 9h30-16:00",
            "9h30",
            "expected a time as HH:MM (00:00–24:00), found `9h30`",
        ),
        (
            "Mon-Fri 09:00",
            "",
            "expected `-` and an end time after `09:00`, found the end of the text",
        ),
        (
            "Mon-Fri",
            "",
            "expected a space and the times after the days, found the end of the text",
        ),
        (
            "Mon-Fri 24:00-02:00",
            "24:00",
            "a time range cannot start at 24:00; start at 00:00 of the next day",
        ),
        (
            "24x7 Europe/London",
            "Europe/London",
            "`24x7` stands alone: remove `Europe/London` (always open needs no days, times or time zone)",
        ),
        (
            "",
            "",
            "hours are empty; write `24x7` or days and times such as `Mon-Fri 09:00-17:00`",
        ),
        (
            "Mon-Fri 09:00-16:00;",
            "",
            "expected another group of days and times after `;`",
        ),
        (
            "Mon-Fri 09:00-16:00 UTC; Sat 10:00-12:00",
            "UTC",
            "the time zone `UTC` must come last: it applies to every group (groups are separated by `;`)",
        ),
        (
            "Mon-Fri 09:00-16:00 Sat 10:00-12:00",
            "10:00-12:00",
            "unexpected `10:00-12:00` after the time zone `Sat`",
        ),
        (
            "Mon-Fri 09:00-16:00 Sat",
            "Sat",
            "unknown time zone `Sat`; separate groups with `;`, e.g. `Mon-Fri 09:00-17:00; Sat 10:00-12:00`",
        ),
        (
            "Mon-Fri 09:00-16:00/",
            "/",
            "expected `,` and another time range, `;` and another group, a time zone, or the end, found `/`",
        ),
        (
            "Mon- 09:00-16:00",
            "",
            "expected a day (Mon, Tue, Wed, Thu, Fri, Sat or Sun), found ` `",
        ),
        (
            "Mon-Fri 09:00-16:00 Europe/Lundon é",
            "é",
            "unexpected `é` after the time zone `Europe/Lundon`",
        ),
    ];
    for (text, part, message) in cases {
        let (found, got) = pointed(text);
        assert_eq!(got, message, "message for {text:?}");
        if part.is_empty() {
            continue;
        }
        assert_eq!(found, part, "part pointed at for {text:?}");
    }
}

#[test]
fn error_offsets_are_byte_offsets() {
    let e = err("Mon-Fri 09:00-16:00 Europe/Lundon");
    assert_eq!((e.offset, e.len), (20, 13));
    let e = err("Mon-Fri 09:00-25:00");
    assert_eq!((e.offset, e.len), (14, 5));
    let e = err("Mon-Fri 09:00");
    assert_eq!((e.offset, e.len), (13, 0));
    let e = err("Mon- 09:00-16:00");
    assert_eq!((e.offset, e.len), (4, 1));
}

#[test]
fn unknown_default_zone_is_an_error() {
    let e = Hours::parse("Mon-Fri 09:00-16:00", "Europe/Lundon").expect_err("bad zone");
    assert_eq!(
        e.message,
        "unknown time zone `Europe/Lundon` (the plan's `timezone`, used because the hours name no zone)"
    );
    // A trailing zone makes the plan's zone irrelevant.
    assert!(Hours::parse("Mon-Fri 09:00-16:00 UTC", "Europe/Lundon").is_ok());
}

// ---------------------------------------------------------------- intervals

#[test]
fn london_is_dst_correct() {
    let h = hours("Mon-Fri 09:00-16:00 Europe/London");
    // Summer: BST, UTC+1.
    let summer = h.intervals(ts("2026-07-06T00:00Z"), ts("2026-07-08T00:00Z"));
    assert_eq!(
        summer,
        vec![
            stretch("2026-07-06T08:00Z", "2026-07-06T15:00Z"),
            stretch("2026-07-07T08:00Z", "2026-07-07T15:00Z"),
        ]
    );
    // Winter: GMT.
    let winter = h.intervals(ts("2026-12-07T00:00Z"), ts("2026-12-08T00:00Z"));
    assert_eq!(
        winter,
        vec![stretch("2026-12-07T09:00Z", "2026-12-07T16:00Z")]
    );
}

#[test]
fn new_york_is_dst_correct() {
    let h = hours("Mon-Fri 09:00-17:00 America/New_York");
    // 2026-03-06 is a Friday (EST), 2026-03-09 a Monday (EDT since the 8th).
    let got = h.intervals(ts("2026-03-06T00:00Z"), ts("2026-03-10T00:00Z"));
    assert_eq!(
        got,
        vec![
            stretch("2026-03-06T14:00Z", "2026-03-06T22:00Z"),
            stretch("2026-03-09T13:00Z", "2026-03-09T21:00Z"),
        ]
    );
}

#[test]
fn dst_nights_are_short_and_long() {
    let h = hours("Sun 00:00-04:00 Europe/London");
    // Spring: 00:00 GMT to 04:00 BST is three hours.
    assert_eq!(
        h.intervals(ts("2026-03-28T00:00Z"), ts("2026-03-30T00:00Z")),
        vec![stretch("2026-03-29T00:00Z", "2026-03-29T03:00Z")]
    );
    // Autumn: 00:00 BST to 04:00 GMT is five hours.
    assert_eq!(
        h.intervals(ts("2026-10-24T00:00Z"), ts("2026-10-26T00:00Z")),
        vec![stretch("2026-10-24T23:00Z", "2026-10-25T04:00Z")]
    );
}

#[test]
fn a_start_inside_the_spring_gap_opens_after_the_gap() {
    // 01:30 does not exist in London on 2026-03-29; the clock reads 02:00 BST at 01:00 UTC.
    let h = hours("Sun 01:30-03:00 Europe/London");
    assert_eq!(
        h.intervals(ts("2026-03-28T00:00Z"), ts("2026-03-30T00:00Z")),
        vec![stretch("2026-03-29T01:00Z", "2026-03-29T02:00Z")]
    );
    // In New York the gap is 02:00-03:00 local on 2026-03-08.
    let h = hours("Sun 02:30-04:00 America/New_York");
    assert_eq!(
        h.intervals(ts("2026-03-07T00:00Z"), ts("2026-03-09T00:00Z")),
        vec![stretch("2026-03-08T07:00Z", "2026-03-08T08:00Z")]
    );
}

#[test]
fn the_autumn_fold_is_open_twice() {
    // 01:00-02:00 happens twice in London on 2026-10-25.
    let h = hours("Sun 01:15-01:45 Europe/London");
    assert_eq!(
        h.intervals(ts("2026-10-24T00:00Z"), ts("2026-10-26T00:00Z")),
        vec![
            stretch("2026-10-25T00:15Z", "2026-10-25T00:45Z"),
            stretch("2026-10-25T01:15Z", "2026-10-25T01:45Z"),
        ]
    );
}

#[test]
fn ranges_past_midnight_and_wrapping_days() {
    // Fri 22:00 to Sat 06:00; Sun 22:00 to Mon 06:00 (the week wraps).
    let h = hours("Fri-Sun 22:00-06:00 UTC");
    let got = h.intervals(ts("2026-12-04T00:00Z"), ts("2026-12-08T00:00Z"));
    assert_eq!(
        got,
        vec![
            stretch("2026-12-04T22:00Z", "2026-12-05T06:00Z"),
            stretch("2026-12-05T22:00Z", "2026-12-06T06:00Z"),
            stretch("2026-12-06T22:00Z", "2026-12-07T06:00Z"),
        ]
    );
    // Fri-Mon is Fri, Sat, Sun and Mon; whole days merge.
    let h = hours("Fri-Mon 00:00-24:00 UTC");
    assert_eq!(
        h.intervals(ts("2026-12-01T00:00Z"), ts("2026-12-15T00:00Z")),
        vec![
            stretch("2026-12-04T00:00Z", "2026-12-08T00:00Z"),
            stretch("2026-12-11T00:00Z", "2026-12-15T00:00Z"),
        ]
    );
}

#[test]
fn intervals_are_clipped_to_the_range() {
    let h = hours("Mon-Fri 09:00-16:00 UTC");
    assert_eq!(
        h.intervals(ts("2026-12-07T10:00Z"), ts("2026-12-07T11:30Z")),
        vec![stretch("2026-12-07T10:00Z", "2026-12-07T11:30Z")]
    );
    assert!(
        h.intervals(ts("2026-12-07T11:00Z"), ts("2026-12-07T11:00Z"))
            .is_empty()
    );
}

#[test]
fn twenty_four_seven_is_always_open() {
    let h = hours("24x7");
    let (from, to) = year_from(date("2026-11-30"));
    assert_eq!(h.intervals(from, to), vec![(from, to)]);
    assert!(
        hours("Mon-Fri 09:00-16:00")
            .first_uncovered(&h, from, to)
            .is_some()
    );
    assert!(
        h.first_uncovered(&hours("Mon-Sun 00:00-24:00"), from, to)
            .is_none()
    );
}

#[test]
fn a_year_of_weekdays_is_about_260_intervals() {
    let h = hours("Mon-Fri 08:00-18:00; Sat 09:00-13:00 America/New_York");
    let (from, to) = year_from(date("2026-01-01"));
    // 366 days from Thursday 2026-01-01: 262 weekdays and 52 Saturdays.
    assert_eq!(h.intervals(from, to).len(), 262 + 52);
}

#[test]
fn year_from_starts_at_midnight_utc() {
    assert_eq!(
        year_from(date("2026-11-30")),
        stretch("2026-11-30T00:00Z", "2027-12-01T00:00Z")
    );
}

// ---------------------------------------------------------------- windows against hours

fn window_overlap(window: &str, hours_text: &str, as_of: &str) -> Option<String> {
    let h = hours(hours_text);
    let (from, to) = year_from(date(as_of));
    let occurrences = Window::parse(window)
        .expect("valid window")
        .occurrences(from, to);
    h.first_overlap(&occurrences).map(|s| h.describe_local(s))
}

#[test]
fn maintenance_in_business_hours_overlaps() {
    assert_eq!(
        window_overlap(
            "tue:11:00-tue:11:30",
            "Mon-Fri 08:00-18:00 Europe/London",
            "2026-11-30"
        )
        .as_deref(),
        Some("Tue 2026-12-01 11:00–11:30 Europe/London")
    );
}

#[test]
fn a_window_ending_when_hours_start_does_not_overlap() {
    // 08:00 UTC is 09:00 BST and 08:00 GMT: the window ends as the hours open, all year.
    assert_eq!(
        window_overlap(
            "mon:07:00-mon:08:00",
            "Mon-Fri 09:00-16:00 Europe/London",
            "2026-11-30"
        ),
        None
    );
    assert_eq!(
        window_overlap(
            "mon:07:00-mon:08:00",
            "Mon-Fri 08:00-16:00 UTC",
            "2026-11-30"
        ),
        None
    );
}

#[test]
fn a_summer_only_overlap_is_found() {
    // 07:30-08:30 UTC is 08:30-09:30 BST: it overlaps 09:00-16:00 London in summer only.
    assert_eq!(
        window_overlap(
            "mon:07:30-mon:08:30",
            "Mon-Fri 09:00-16:00 Europe/London",
            "2026-11-30"
        )
        .as_deref(),
        Some("Mon 2027-03-29 09:00–09:30 Europe/London")
    );
    // Over winter weeks alone there is none.
    let h = hours("Mon-Fri 09:00-16:00 Europe/London");
    let w = Window::parse("mon:07:30-mon:08:30").expect("valid window");
    let winter = w.occurrences(ts("2026-11-30T00:00Z"), ts("2027-03-20T00:00Z"));
    assert_eq!(h.first_overlap(&winter), None);
}

#[test]
fn a_wrapping_window_overlaps_monday_hours() {
    assert_eq!(
        window_overlap("sun:23:00-mon:01:00", "Mon 00:00-02:00 UTC", "2026-11-30").as_deref(),
        Some("Mon 2026-11-30 00:00–01:00 UTC")
    );
}

#[test]
fn a_daily_backup_window_overlapping_saturday_hours() {
    // 13:00-13:30 UTC is 09:00-09:30 EDT: summer only (US DST starts 2027-03-14).
    assert_eq!(
        window_overlap(
            "12:30-13:30",
            "Sat 09:00-13:00 America/New_York",
            "2026-11-30"
        )
        .as_deref(),
        Some("Sat 2027-03-20 09:00–09:30 America/New_York")
    );
    assert_eq!(
        window_overlap(
            "12:00-13:00",
            "Sat 09:00-13:00 America/New_York",
            "2026-11-30"
        )
        .as_deref(),
        None
    );
    assert_eq!(
        window_overlap(
            "15:30-16:30",
            "Sat 09:00-13:00 America/New_York",
            "2026-11-30"
        )
        .as_deref(),
        Some("Sat 2026-12-05 10:30–11:30 America/New_York")
    );
}

// ---------------------------------------------------------------- coverage

#[test]
fn a_dependency_covering_the_hours() {
    let (from, to) = year_from(date("2026-01-05"));
    let service = hours("Mon-Fri 09:00-16:00");
    assert_eq!(
        hours("Mon-Fri 08:00-18:00").first_uncovered(&service, from, to),
        None
    );
    let narrow = hours("Mon-Fri 10:00-12:00");
    let gap = narrow
        .first_uncovered(&service, from, to)
        .expect("not covered");
    assert_eq!(
        narrow.describe_local(gap),
        "Mon 2026-01-05 09:00–10:00 Europe/London"
    );
}

#[test]
fn coverage_across_zones_breaks_only_between_the_dst_changes() {
    // New York moves to summer time three weeks before London.
    let (from, to) = year_from(date("2026-01-05"));
    let dependency = hours("Mon-Fri 09:00-16:00 Europe/London");
    let service = hours("Mon-Fri 04:30-10:00 America/New_York");
    let gap = dependency
        .first_uncovered(&service, from, to)
        .expect("not covered");
    assert_eq!(gap, stretch("2026-03-09T08:30Z", "2026-03-09T09:00Z"));
    assert_eq!(
        service.describe_local(gap),
        "Mon 2026-03-09 04:30–05:00 America/New_York"
    );
}

#[test]
fn extended_hours_are_uncovered_by_the_old_ones() {
    let (from, to) = year_from(date("2026-11-30"));
    let old = hours("Mon-Fri 09:00-16:00");
    let new = hours("Mon-Sat 09:00-16:00");
    let extra = old.first_uncovered(&new, from, to).expect("hours extended");
    assert_eq!(
        old.describe_local(extra),
        "Sat 2026-12-05 09:00–16:00 Europe/London"
    );
    assert_eq!(new.first_uncovered(&old, from, to), None);
}

#[test]
fn describe_local_across_midnight() {
    let h = hours("Fri 22:00-06:00 UTC");
    assert_eq!(
        h.describe_local(stretch("2026-12-04T22:00Z", "2026-12-05T06:00Z")),
        "Fri 2026-12-04 22:00 – Sat 2026-12-05 06:00 UTC"
    );
    assert_eq!(
        h.describe_local(stretch("2026-12-04T22:00Z", "2026-12-05T00:00Z")),
        "Fri 2026-12-04 22:00–24:00 UTC"
    );
}

#[test]
fn describe_local_in_the_autumn_fold_names_the_offset() {
    let h = hours("Sun 01:15-01:45 Europe/London");
    let (from, to) = (ts("2026-10-24T00:00Z"), ts("2026-10-26T00:00Z"));
    let described: Vec<String> = h
        .intervals(from, to)
        .into_iter()
        .map(|s| h.describe_local(s))
        .collect();
    assert_eq!(
        described,
        vec![
            "Sun 2026-10-25 01:15–01:45 Europe/London (UTC+01:00)",
            "Sun 2026-10-25 01:15–01:45 Europe/London (UTC+00:00)",
        ]
    );
    // 00:30-01:30 is open for its first pass and again for 01:00-01:30 GMT.
    let h = hours("Sun 00:30-01:30 Europe/London");
    let described: Vec<String> = h
        .intervals(from, to)
        .into_iter()
        .map(|s| h.describe_local(s))
        .collect();
    assert_eq!(
        described,
        vec![
            "Sun 2026-10-25 00:30–01:30 Europe/London (UTC+01:00)",
            "Sun 2026-10-25 01:00–01:30 Europe/London (UTC+00:00)",
        ]
    );
    assert_eq!(
        h.describe_local(stretch("2026-10-25T00:30Z", "2026-10-25T01:15Z")),
        "Sun 2026-10-25 01:30–01:15 Europe/London (UTC+01:00, then UTC+00:00)"
    );
    assert_eq!(
        hours("Mon 09:00-10:00 Asia/Kathmandu")
            .describe_local(stretch("2026-12-07T03:15Z", "2026-12-07T04:15Z")),
        "Mon 2026-12-07 09:00–10:00 Asia/Kathmandu"
    );
}

#[test]
fn extreme_dates_do_not_panic() {
    for as_of in [Date::MIN, Date::MAX, date("1970-01-01")] {
        let (from, to) = year_from(as_of);
        assert!(from <= to);
        let h = hours("Mon-Fri 09:00-16:00; Sun 22:00-06:00 Pacific/Kiritimati");
        let open = h.intervals(from, to);
        for s in open.iter().take(2) {
            let _ = h.describe_local(*s);
        }
        let w = Window::parse("sun:23:00-mon:01:00").expect("valid window");
        let _ = h.first_overlap(&w.occurrences(from, to));
        let _ = h.first_uncovered(&hours("24x7"), from, to);
    }
    let h = hours("Mon 09:00-10:00 Pacific/Kiritimati");
    let _ = h.describe_local((Timestamp::MIN, Timestamp::MAX));
    assert!(
        !h.intervals(
            Timestamp::MAX - jiff::SignedDuration::from_hours(24 * 8),
            Timestamp::MAX
        )
        .is_empty()
    );
}

#[test]
fn interval_set_operations() {
    let a = vec![
        stretch("2026-01-01T00:00Z", "2026-01-01T10:00Z"),
        stretch("2026-01-01T12:00Z", "2026-01-01T14:00Z"),
    ];
    let b = vec![
        stretch("2026-01-01T02:00Z", "2026-01-01T03:00Z"),
        stretch("2026-01-01T09:00Z", "2026-01-01T13:00Z"),
    ];
    assert_eq!(
        intersect_intervals(&a, &b),
        vec![
            stretch("2026-01-01T02:00Z", "2026-01-01T03:00Z"),
            stretch("2026-01-01T09:00Z", "2026-01-01T10:00Z"),
            stretch("2026-01-01T12:00Z", "2026-01-01T13:00Z"),
        ]
    );
    assert_eq!(
        subtract_intervals(&a, &b),
        vec![
            stretch("2026-01-01T00:00Z", "2026-01-01T02:00Z"),
            stretch("2026-01-01T03:00Z", "2026-01-01T09:00Z"),
            stretch("2026-01-01T13:00Z", "2026-01-01T14:00Z"),
        ]
    );
    assert_eq!(
        merge_intervals(vec![b[1], a[1], a[0]]),
        vec![stretch("2026-01-01T00:00Z", "2026-01-01T14:00Z")]
    );
}

// ---------------------------------------------------------------- properties against brute force

const ZONES: [&str; 8] = [
    "Europe/London",
    "America/New_York",
    "UTC",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
    "Pacific/Chatham",
    "America/Havana",
];

/// Starts of ranges near DST changes of the zones above (2026).
const AROUND: [&str; 9] = [
    "2026-09-22T00:00Z",
    "2026-03-04T00:00Z",
    "2026-03-25T00:00Z",
    "2026-10-21T00:00Z",
    "2026-10-28T00:00Z",
    "2026-03-31T00:00Z",
    "2026-09-02T00:00Z",
    "2026-09-30T00:00Z",
    "2026-06-15T00:00Z",
];

/// Whether the wall clock of the zone shows an open time at `t`, evaluated the obvious way.
fn open_at(h: &Hours, t: Timestamp) -> bool {
    if h.is_24x7 {
        return true;
    }
    let local = h.zone.to_datetime(t);
    let minute = u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute()))
        .expect("minute of day");
    let bit = |d: Date| 1u8 << d.weekday().to_monday_zero_offset();
    let today = bit(local.date());
    let yesterday = bit(local.date().yesterday().expect("in range"));
    h.groups.iter().any(|g| {
        g.ranges.iter().any(|&(s, e)| {
            (g.days & today != 0 && s <= minute && minute < e)
                || (g.days & yesterday != 0 && e > 1440 && minute < e - 1440)
        })
    })
}

/// Runs of consecutive minutes in `[from, from + minutes)` where `pred` holds.
fn brute_runs(from: Timestamp, minutes: i64, pred: impl Fn(Timestamp) -> bool) -> Vec<Interval> {
    let mut runs: Vec<Interval> = Vec::new();
    for m in 0..minutes {
        let t = timestamp(from.as_second() + m * 60);
        if pred(t) {
            let end = timestamp(t.as_second() + 60);
            match runs.last_mut() {
                Some(last) if last.1 == t => last.1 = end,
                _ => runs.push((t, end)),
            }
        }
    }
    runs
}

fn days_list(days: u8) -> String {
    (0..7)
        .filter(|d| days & (1 << d) != 0)
        .map(|d| DAY_NAMES[d])
        .collect::<Vec<_>>()
        .join(",")
}

fn time_strategy() -> impl Strategy<Value = u16> {
    // Half hours hit DST boundaries often; any minute tests the rest.
    prop_oneof![(0u16..=48).prop_map(|h| h * 30), 0u16..=1440]
}

fn hours_strategy() -> impl Strategy<Value = Hours> {
    let range = (time_strategy(), time_strategy()).prop_map(|(s, e)| (s % 1440, e));
    let group = (1u8..128, prop::collection::vec(range, 1..3)).prop_map(|(days, ranges)| {
        let ranges: Vec<String> = ranges
            .iter()
            .map(|&(s, e)| format!("{}-{}", clock(s), clock(e)))
            .collect();
        format!("{} {}", days_list(days), ranges.join(","))
    });
    let text = (
        prop::collection::vec(group, 1..3),
        prop::sample::select(&ZONES[..]),
    )
        .prop_map(|(groups, zone)| format!("{} {zone}", groups.join("; ")));
    prop_oneof![
        1 => Just("24x7".to_string()),
        12 => text,
    ]
    .prop_map(|text| Hours::parse(&text, "UTC").expect("generated hours are valid"))
}

/// `[from, from + minutes)` with `from` on a minute, 8 to 10 days around a DST change.
fn range_strategy() -> impl Strategy<Value = (Timestamp, i64)> {
    (
        prop::sample::select(&AROUND[..]),
        0i64..3 * 1440,
        8 * 1440i64..10 * 1440,
    )
        .prop_map(|(around, shift, minutes)| {
            (timestamp(ts(around).as_second() + shift * 60), minutes)
        })
}

fn end_of(from: Timestamp, minutes: i64) -> Timestamp {
    timestamp(from.as_second() + minutes * 60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn intervals_match_the_wall_clock(h in hours_strategy(), (from, minutes) in range_strategy()) {
        let to = end_of(from, minutes);
        let expected = brute_runs(from, minutes, |t| open_at(&h, t));
        prop_assert_eq!(h.intervals(from, to), expected);
    }

    #[test]
    fn parse_never_panics_and_points_inside_the_text(
        text in prop_oneof![
            "[MTWFSuoneadhri0-9:;, /x\\-é]{0,40}",
            "(Mon|Sat|Fri|mon)([-,](Sun|Tue))? [0-9]{1,2}:[0-9]{2}-[0-9]{1,2}:[0-9]{2}( Europe/London| UTC| Nowhere)?",
            any::<String>(),
        ]
    ) {
        match Hours::parse(&text, "Europe/London") {
            Ok(h) => {
                let again = Hours::parse(&h.canonical(), "Europe/London").expect("canonical parses");
                prop_assert_eq!(again, h);
            }
            Err(e) => {
                prop_assert!(e.offset + e.len <= text.len());
                prop_assert!(text.get(e.offset..e.offset + e.len).is_some(), "offsets on char boundaries");
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn canonical_text_round_trips(h in hours_strategy()) {
        // The canonical text names its zone, so the plan's zone no longer matters (24x7 has none).
        let default_zone = if h.is_24x7() { "UTC" } else { "Asia/Tokyo" };
        let again = Hours::parse(&h.canonical(), default_zone).expect("canonical text parses");
        prop_assert_eq!(again, h);
    }

    #[test]
    fn first_overlap_matches_brute_force(
        h in hours_strategy(),
        (from, minutes) in range_strategy(),
        raw in prop::collection::vec((0i64..10 * 1440, 1i64..600), 1..6),
    ) {
        let mut windows: Vec<Interval> = raw
            .iter()
            .map(|&(start, len)| {
                let start = start % minutes;
                (end_of(from, start), end_of(from, (start + len).min(minutes)))
            })
            .collect();
        windows.sort();
        let merged = merge_intervals(windows.clone());
        let span_start = merged[0].0;
        let span_minutes = (merged[merged.len() - 1].1.as_second() - span_start.as_second()) / 60;
        let in_window = |t: Timestamp| merged.iter().any(|&(a, b)| a <= t && t < b);
        let expected = brute_runs(span_start, span_minutes, |t| open_at(&h, t) && in_window(t))
            .into_iter()
            .next();
        prop_assert_eq!(h.first_overlap(&windows), expected);
        // Over the generating range (wider than the windows' span): the same stretch.
        prop_assert_eq!(
            h.first_overlap_within(&windows, from, end_of(from, minutes)),
            expected
        );
    }

    #[test]
    fn first_uncovered_matches_brute_force(
        a in hours_strategy(),
        b in hours_strategy(),
        (from, minutes) in range_strategy(),
    ) {
        let to = end_of(from, minutes);
        let expected = brute_runs(from, minutes, |t| open_at(&b, t) && !open_at(&a, t))
            .into_iter()
            .next();
        prop_assert_eq!(a.first_uncovered(&b, from, to), expected);
        prop_assert_eq!(a.first_uncovered(&a, from, to), None);
    }
}
