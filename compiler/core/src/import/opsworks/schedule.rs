//! OpsWorks' time-based instances as stackc schedule entries.
//!
//! OpsWorks gives each time-based instance a weekly grid of UTC hours, on or
//! off. Summed over a layer's instances that is, for every hour of the week,
//! how many of them run. stackc's `schedule` sets the group's bounds at given
//! times, so the import emits an entry at every hour where that number
//! changes, and merges entries that fall at the same hour with the same
//! number on several days (`mon-fri 09:00`).

use std::collections::BTreeMap;

use crate::units::Weekday;

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("Monday", Weekday::Mon),
    ("Tuesday", Weekday::Tue),
    ("Wednesday", Weekday::Wed),
    ("Thursday", Weekday::Thu),
    ("Friday", Weekday::Fri),
    ("Saturday", Weekday::Sat),
    ("Sunday", Weekday::Sun),
];

/// How many instances run in each hour of the week (Monday 00:00 UTC first).
pub type Week = [u32; 168];

/// Adds one instance's OpsWorks schedule (`{"Monday": {"9": "on"}}`) to the
/// week; returns the entries it could not read.
pub fn add(week: &mut Week, schedule: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<String> {
    let mut unread = Vec::new();
    for (day, hours) in schedule {
        let Some(d) = WEEKDAYS
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(day))
        else {
            unread.push(format!("day `{day}`"));
            continue;
        };
        for (hour, state) in hours {
            let h = match hour.parse::<usize>() {
                Ok(h) if h < 24 => h,
                _ => {
                    unread.push(format!("{day} hour `{hour}`"));
                    continue;
                }
            };
            match state.to_ascii_lowercase().as_str() {
                "on" => week[d * 24 + h] += 1,
                "off" => {}
                _ => unread.push(format!("{day} {hour}:00 state `{state}`")),
            }
        }
    }
    unread
}

/// A change of the running count: on these days, at this hour, `count` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The days (sorted).
    pub days: Vec<Weekday>,
    /// Hour of the day, UTC.
    pub hour: u8,
    /// Instances running from then on.
    pub count: u32,
}

/// The hours where the count changes from the hour before (the week wraps
/// around), merged across days; sorted by first day, then hour. Empty when
/// the count is the same all week.
pub fn changes(week: &Week) -> Vec<Change> {
    let mut merged: BTreeMap<(u8, u32), Vec<Weekday>> = BTreeMap::new();
    for h in 0..168 {
        let before = week[(h + 167) % 168];
        if week[h] != before {
            merged
                .entry(((h % 24) as u8, week[h]))
                .or_default()
                .push(WEEKDAYS[h / 24].1);
        }
    }
    let mut out: Vec<Change> = merged
        .into_iter()
        .map(|((hour, count), days)| Change { days, hour, count })
        .collect();
    out.sort_by_key(|c| (c.days[0], c.hour, c.count));
    out
}
