//! Working hours bound every schedule. In an environment with working hours
//! an instance group runs its schedule's sizes only while the hours are open
//! (the intersection of the two): [`bound`] turns a group's schedule and the
//! hours into the scheduled actions that do that, and says which schedule
//! entries it moved or dropped, for the checker's warnings.
//!
//! Everything is computed on the week of the hours' time zone, in minutes
//! from Monday 00:00. A schedule in another zone is shifted onto it, which
//! is exact only when the two zones keep one offset all year (Europe/London
//! and Europe/Madrid do; UTC and Europe/Madrid do not): [`zone_shift`].

use chrono::{Duration, Offset, TimeZone, Utc};

use crate::ir::{Schedule, WorkingHours};
use crate::units::{TimeOfDay, Weekday};

const DAY: i64 = 24 * 60;
const WEEK: i64 = 7 * DAY;
const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// A group's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sizes {
    /// Fewest instances.
    pub min: u32,
    /// Most instances.
    pub max: u32,
}

/// What a scheduled action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The hours open: the schedule's sizes of that moment.
    Open,
    /// A schedule entry inside the hours.
    Schedule,
    /// The hours close: no instance.
    Close,
}

/// One scheduled action: on `days` at `at`, in the hours' time zone, the
/// group's bounds become `sizes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// What it does.
    pub kind: Kind,
    /// Days, in the hours' time zone.
    pub days: Vec<Weekday>,
    /// Time of day, in the hours' time zone.
    pub at: TimeOfDay,
    /// The bounds it sets.
    pub sizes: Sizes,
}

/// What the hours did to one schedule entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// Index of the entry in the schedule.
    pub entry: usize,
    /// Days (as the entry names them) on which it falls outside the hours
    /// and its sizes take effect when they next open.
    pub moved: Vec<Weekday>,
    /// Days on which it falls outside the hours and has no effect: the
    /// group is stopped, and another entry sets the sizes before they open.
    pub dropped: Vec<Weekday>,
}

/// A group's schedule bounded by working hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounded {
    /// The scheduled actions, openings first, then the schedule's entries
    /// inside the hours, then the closing.
    pub actions: Vec<Action>,
    /// The entries that do not take effect as written, in schedule order.
    pub adjustments: Vec<Adjustment>,
}

/// The schedule's time zone and the hours' do not keep one offset all year,
/// so no set of cron actions in one zone can express their intersection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneMismatch;

/// The scheduled actions of a group whose own bounds are `base` (used when
/// it has no schedule) in an environment with `hours`.
pub fn bound(
    schedule: Option<&Schedule>,
    base: Sizes,
    hours: &WorkingHours,
) -> Result<Bounded, ZoneMismatch> {
    // Schedule entries as (minute of the hours' week, entry index, day as written, sizes).
    let mut occurrences: Vec<(i64, usize, Weekday, Sizes)> = Vec::new();
    if let Some(schedule) = schedule {
        let shift = zone_shift(schedule.timezone, hours.timezone).ok_or(ZoneMismatch)?;
        for (i, e) in schedule.entries.iter().enumerate() {
            let sizes = Sizes {
                min: e.min,
                max: e.max,
            };
            for &d in &e.days {
                let m = (minute_of_week(d, e.at) + shift).rem_euclid(WEEK);
                occurrences.push((m, i, d, sizes));
            }
        }
    }
    occurrences.sort_by_key(|o| (o.0, o.1));
    let opens: Vec<i64> = hours
        .days
        .iter()
        .map(|&d| minute_of_week(d, hours.start))
        .collect();
    let close_len = minutes(hours.end) - minutes(hours.start);
    let inside = |m: i64| opens.iter().any(|&o| o < m && m < o + close_len);
    let at_opening = |m: i64| opens.contains(&m);
    // The schedule's sizes at minute `m`: its last entry at or before `m`.
    let sizes_at = |m: i64| {
        occurrences
            .iter()
            .rev()
            .find(|o| o.0 <= m)
            .or(occurrences.last())
            .map_or(base, |o| o.3)
    };

    let mut open_groups: Vec<(Sizes, Vec<Weekday>)> = Vec::new();
    for &d in &hours.days {
        let sizes = sizes_at(minute_of_week(d, hours.start));
        match open_groups.iter_mut().find(|(s, _)| *s == sizes) {
            Some((_, days)) => days.push(d),
            None => open_groups.push((sizes, vec![d])),
        }
    }
    let mut actions: Vec<Action> = open_groups
        .into_iter()
        .map(|(sizes, days)| Action {
            kind: Kind::Open,
            days,
            at: hours.start,
            sizes,
        })
        .collect();

    let mut kept: Vec<(i64, Sizes, Vec<Weekday>)> = Vec::new();
    let mut adjustments: Vec<Adjustment> = Vec::new();
    for (k, &(m, entry, day, sizes)) in occurrences.iter().enumerate() {
        if inside(m) {
            let (weekday, time) = (m / DAY, m % DAY);
            match kept
                .iter_mut()
                .find(|(t, s, _)| *t % DAY == time && *s == sizes)
            {
                Some((_, _, days)) => days.push(WEEKDAYS[weekday as usize]),
                None => kept.push((m, sizes, vec![WEEKDAYS[weekday as usize]])),
            }
            continue;
        }
        if at_opening(m) {
            continue;
        }
        let until_open = opens
            .iter()
            .map(|&o| (o - m).rem_euclid(WEEK))
            .min()
            .unwrap_or(WEEK);
        let superseded = occurrences.iter().enumerate().any(|(j, o)| {
            let ahead = (o.0 - m).rem_euclid(WEEK);
            j != k && ((0 < ahead && ahead <= until_open) || (ahead == 0 && j > k))
        });
        let adj = match adjustments.iter_mut().find(|a| a.entry == entry) {
            Some(a) => a,
            None => {
                adjustments.push(Adjustment {
                    entry,
                    moved: Vec::new(),
                    dropped: Vec::new(),
                });
                adjustments.last_mut().expect("just pushed")
            }
        };
        if superseded || opens.is_empty() {
            adj.dropped.push(day);
        } else {
            adj.moved.push(day);
        }
    }
    kept.sort_by_key(|k| k.0);
    actions.extend(kept.into_iter().map(|(m, sizes, days)| Action {
        kind: Kind::Schedule,
        days,
        at: time_of(m % DAY),
        sizes,
    }));
    if !hours.days.is_empty() {
        actions.push(Action {
            kind: Kind::Close,
            days: hours.days.clone(),
            at: hours.end,
            sizes: Sizes { min: 0, max: 0 },
        });
    }
    adjustments.sort_by_key(|a| a.entry);
    for a in &mut adjustments {
        a.moved.sort();
        a.moved.dedup();
        a.dropped.sort();
        a.dropped.dedup();
    }
    Ok(Bounded {
        actions,
        adjustments,
    })
}

fn minutes(t: TimeOfDay) -> i64 {
    i64::from(t.hour) * 60 + i64::from(t.minute)
}

fn minute_of_week(d: Weekday, t: TimeOfDay) -> i64 {
    d as i64 * DAY + minutes(t)
}

fn time_of(m: i64) -> TimeOfDay {
    TimeOfDay {
        hour: (m / 60) as u8,
        minute: (m % 60) as u8,
    }
}

/// Minutes to add to a wall-clock time in zone `from` to get the same
/// instant's wall-clock time in zone `to`, when that is one number all year
/// (checked over 2020–2040 to the quarter hour); `None` when daylight
/// saving (or anything else) makes it vary, or a zone is unknown.
pub fn zone_shift(a: chrono_tz::Tz, b: chrono_tz::Tz) -> Option<i64> {
    if a == b {
        return Some(0);
    }
    let offsets = |t: chrono::NaiveDateTime| {
        let oa = a.offset_from_utc_datetime(&t).fix().local_minus_utc();
        let ob = b.offset_from_utc_datetime(&t).fix().local_minus_utc();
        (oa, ob)
    };
    let start = Utc
        .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .single()?
        .naive_utc();
    let (first_a, first_b) = offsets(start);
    let shift = first_b - first_a;
    let mut previous = (first_a, first_b);
    for day in 1..(21 * 366) {
        let t = start + Duration::days(day);
        let now = offsets(t);
        if now != previous {
            // A zone changed its offset during the last day: look closer.
            for q in 0..96 {
                let (oa, ob) = offsets(t - Duration::days(1) + Duration::minutes(15 * q));
                if ob - oa != shift {
                    return None;
                }
            }
            previous = now;
        }
        if now.1 - now.0 != shift {
            return None;
        }
    }
    Some(i64::from(shift / 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz(name: &str) -> chrono_tz::Tz {
        name.parse().unwrap()
    }
    use crate::ir::ScheduleEntry;
    use crate::units;

    fn hours(text: &str, tz: &str) -> WorkingHours {
        let (days, start, end) = units::working_hours(text).unwrap();
        WorkingHours {
            days,
            start,
            end,
            timezone: tz.parse().unwrap(),
            span: Default::default(),
        }
    }

    fn schedule(tz: &str, entries: &[(&str, u32, u32)]) -> Schedule {
        Schedule {
            timezone: tz.parse().unwrap(),
            entries: entries
                .iter()
                .map(|(at, min, max)| {
                    let (days, at) = units::day_time(at).unwrap();
                    ScheduleEntry {
                        days,
                        at,
                        min: *min,
                        max: *max,
                        span: Default::default(),
                    }
                })
                .collect(),
            span: Default::default(),
        }
    }

    fn text(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .map(|a| {
                format!(
                    "{:?} {} {} {}-{}",
                    a.kind,
                    units::days_text(&a.days),
                    a.at,
                    a.sizes.min,
                    a.sizes.max
                )
            })
            .collect()
    }

    #[test]
    fn an_entry_before_the_opening_takes_effect_when_the_hours_open() {
        // goldcar's test environment: reports from 07:00, hours from 08:00.
        let s = schedule(
            "Europe/Madrid",
            &[("mon-fri 07:00", 1, 3), ("mon-fri 21:00", 0, 0)],
        );
        let h = hours("mon-fri 08:00-20:00", "Europe/Madrid");
        let b = bound(Some(&s), Sizes { min: 0, max: 3 }, &h).unwrap();
        assert_eq!(
            text(&b.actions),
            ["Open mon-fri 08:00 1-3", "Close mon-fri 20:00 0-0"]
        );
        assert_eq!(
            b.adjustments,
            [
                Adjustment {
                    entry: 0,
                    moved: units::days("mon-fri").unwrap(),
                    dropped: vec![],
                },
                Adjustment {
                    entry: 1,
                    moved: vec![],
                    dropped: units::days("mon-fri").unwrap(),
                },
            ]
        );
    }

    #[test]
    fn entries_inside_the_hours_are_kept_and_the_opening_takes_the_sizes_of_that_moment() {
        let s = schedule(
            "Europe/Berlin",
            &[
                ("mon-fri 08:00", 2, 4),
                ("mon 12:00", 3, 5),
                ("wed 12:00", 3, 5),
                ("mon-fri 20:00", 1, 2),
                ("sat,sun 10:00", 1, 3),
            ],
        );
        let h = hours("mon-fri 08:00-19:00", "Europe/Berlin");
        let b = bound(Some(&s), Sizes { min: 1, max: 1 }, &h).unwrap();
        assert_eq!(
            text(&b.actions),
            [
                "Open mon-fri 08:00 2-4",
                "Schedule mon,wed 12:00 3-5",
                "Close mon-fri 19:00 0-0"
            ]
        );
        let dropped: Vec<(usize, String)> = b
            .adjustments
            .iter()
            .map(|a| (a.entry, units::days_text(&a.dropped)))
            .collect();
        assert_eq!(dropped, [(3, "mon-fri".into()), (4, "sat,sun".into())]);
    }

    #[test]
    fn a_weekend_entry_moves_to_monday_when_nothing_comes_between() {
        let s = schedule("UTC", &[("sat 09:00", 2, 2), ("mon-fri 12:00", 1, 1)]);
        let h = hours("mon-fri 08:00-18:00", "UTC");
        let b = bound(Some(&s), Sizes { min: 1, max: 1 }, &h).unwrap();
        // Monday opens with Saturday's sizes; Tuesday-Friday with the 12:00 entry's.
        assert_eq!(
            text(&b.actions),
            [
                "Open mon 08:00 2-2",
                "Open tue-fri 08:00 1-1",
                "Schedule mon-fri 12:00 1-1",
                "Close mon-fri 18:00 0-0"
            ]
        );
        assert_eq!(b.adjustments[0].moved, [Weekday::Sat]);
    }

    #[test]
    fn without_a_schedule_the_hours_open_at_the_groups_own_sizes() {
        let h = hours("mon-fri 08:00-20:00", "Europe/Madrid");
        let b = bound(None, Sizes { min: 1, max: 2 }, &h).unwrap();
        assert_eq!(
            text(&b.actions),
            ["Open mon-fri 08:00 1-2", "Close mon-fri 20:00 0-0"]
        );
        assert!(b.adjustments.is_empty());
    }

    #[test]
    fn zones_with_one_offset_all_year_are_shifted_and_others_refused() {
        assert_eq!(
            zone_shift(tz("Europe/London"), tz("Europe/Madrid")),
            Some(60)
        );
        assert_eq!(zone_shift(tz("Europe/Madrid"), tz("Europe/Paris")), Some(0));
        assert_eq!(zone_shift(tz("UTC"), tz("Asia/Kolkata")), Some(330));
        assert_eq!(zone_shift(tz("UTC"), tz("Europe/Madrid")), None);
        // Both change, on different dates.
        assert_eq!(
            zone_shift(tz("America/New_York"), tz("Europe/London")),
            None
        );
        // Same dates, different local hours: an hour apart each switch.
        assert_eq!(
            zone_shift(tz("America/New_York"), tz("America/Chicago")),
            None
        );

        // London 07:00 is Madrid 08:00: the entry is inside the hours.
        let s = schedule("Europe/London", &[("mon 07:30", 1, 1), ("sun 23:30", 2, 2)]);
        let h = hours("mon-fri 08:00-20:00", "Europe/Madrid");
        let b = bound(Some(&s), Sizes { min: 0, max: 0 }, &h).unwrap();
        // Sunday 23:30 in London is Monday 00:30 in Madrid.
        assert_eq!(
            text(&b.actions),
            [
                "Open mon 08:00 2-2",
                "Open tue-fri 08:00 1-1",
                "Schedule mon 08:30 1-1",
                "Close mon-fri 20:00 0-0"
            ]
        );
        assert_eq!(b.adjustments[0].entry, 1);
        assert_eq!(b.adjustments[0].moved, [Weekday::Sun]);
        let s = schedule("UTC", &[("mon 07:30", 1, 1)]);
        assert_eq!(
            bound(Some(&s), Sizes { min: 0, max: 0 }, &h),
            Err(ZoneMismatch)
        );
    }
}
