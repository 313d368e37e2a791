//! Tests of the IR's own logic: events, working hours.

use chrono::{TimeZone, Utc};

use super::*;

fn madrid() -> WorkingHours {
    let (days, start, end) = crate::units::working_hours("mon-fri 08:00-20:00").unwrap();
    WorkingHours {
        days,
        start,
        end,
        timezone: chrono_tz::Europe::Madrid,
        span: Span::default(),
    }
}

fn state(h: &WorkingHours, utc: (i32, u32, u32, u32, u32)) -> (bool, String) {
    let now = Utc
        .with_ymd_and_hms(utc.0, utc.1, utc.2, utc.3, utc.4, 0)
        .unwrap();
    let s = h.state_at(now).expect("known zone");
    (
        s.open,
        s.next_change.format("%a %Y-%m-%d %H:%M %Z").to_string(),
    )
}

#[test]
fn open_during_working_hours_until_closing_time() {
    // Tuesday 11:00 in Madrid (CET, UTC+1).
    assert_eq!(
        state(&madrid(), (2026, 11, 24, 10, 0)),
        (true, "Tue 2026-11-24 20:00 CET".into())
    );
    // Exactly at opening time it is open; at closing time it is closed.
    assert!(state(&madrid(), (2026, 11, 24, 7, 0)).0);
    assert_eq!(
        state(&madrid(), (2026, 11, 24, 19, 0)),
        (false, "Wed 2026-11-25 08:00 CET".into())
    );
}

#[test]
fn closed_at_night_and_over_the_weekend() {
    // Monday 07:00 local: opens the same morning.
    assert_eq!(
        state(&madrid(), (2026, 11, 30, 6, 0)),
        (false, "Mon 2026-11-30 08:00 CET".into())
    );
    // Friday 20:30 local: next opening is Monday.
    assert_eq!(
        state(&madrid(), (2026, 11, 27, 19, 30)),
        (false, "Mon 2026-11-30 08:00 CET".into())
    );
    // Sunday noon.
    assert_eq!(
        state(&madrid(), (2026, 11, 29, 11, 0)),
        (false, "Mon 2026-11-30 08:00 CET".into())
    );
}

#[test]
fn local_time_follows_daylight_saving() {
    // Friday 2026-03-27 is CET (UTC+1); Monday 2026-03-30 is CEST (UTC+2).
    let s = madrid()
        .state_at(Utc.with_ymd_and_hms(2026, 3, 27, 20, 0, 0).unwrap())
        .unwrap();
    assert!(!s.open);
    assert_eq!(
        s.next_change.with_timezone(&Utc),
        Utc.with_ymd_and_hms(2026, 3, 30, 6, 0, 0).unwrap()
    );
    // An opening time inside the spring-forward gap (02:30 on 2026-03-29)
    // still opens that day, an hour later by the wall clock.
    let (days, start, end) = crate::units::working_hours("sun 02:30-05:00").unwrap();
    let gap = WorkingHours {
        days,
        start,
        end,
        timezone: chrono_tz::Europe::Madrid,
        span: Span::default(),
    };
    assert_eq!(
        state(&gap, (2026, 3, 28, 23, 0)),
        (false, "Sun 2026-03-29 03:30 CEST".into())
    );
}
