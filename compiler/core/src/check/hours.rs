//! Working hours against schedules: a warning for every schedule entry the
//! hours move or drop, an error when the two time zones drift apart (see
//! [`crate::hours`]).

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::hours::{self, Sizes};
use crate::ir::{Layer, WorkingHours};
use crate::units::days_text;

impl Checker<'_> {
    /// Checks every schedule of an environment's layers against its hours.
    pub(super) fn bounded_schedules(&mut self, env: &str, wh: &WorkingHours, layers: &[Layer]) {
        for layer in layers.iter().filter(|l| l.has_instances()) {
            let Some(scaling) = &layer.scaling else {
                continue;
            };
            let Some(schedule) = &scaling.schedule else {
                continue;
            };
            let base = Sizes {
                min: scaling.min,
                max: scaling.max,
            };
            let bounded = match hours::bound(Some(schedule), base, wh) {
                Ok(b) => b,
                Err(hours::ZoneMismatch) => {
                    self.push(
                        Diagnostic::error(
                            Code::ScheduleTimezone,
                            schedule.span,
                            format!(
                                "the schedule of layer `{}` is in {} but the working hours of environment `{env}` are in {}, and the offset between the two changes during the year",
                                layer.name, schedule.timezone, wh.timezone
                            ),
                        )
                        .label("not the working hours' time zone")
                        .related(wh.span, "working hours")
                        .help(format!(
                            "write the schedule in the working hours' time zone: `schedule timezone=\"{}\"`",
                            wh.timezone
                        )),
                    );
                    continue;
                }
            };
            for adj in bounded.adjustments {
                let entry = &schedule.entries[adj.entry];
                let written = format!("{} {}", days_text(&entry.days), entry.at);
                let opens = format!(
                    "its sizes (min={} max={}) take effect when they open, at {}",
                    entry.min, entry.max, wh.start
                );
                let dropped = "it has no effect there (the layer is stopped, and another entry sets its sizes before they open)";
                let what = match (adj.moved.is_empty(), adj.dropped.is_empty()) {
                    (false, true) => opens,
                    (true, _) => dropped.to_string(),
                    (false, false) => format!(
                        "on {} {opens}; on {} {dropped}",
                        days_text(&adj.moved),
                        days_text(&adj.dropped)
                    ),
                };
                self.push(
                    Diagnostic::warning(
                        Code::ScheduleOutsideHours,
                        entry.span,
                        format!(
                            "in environment `{env}`, the schedule entry `{written}` of layer `{}` falls outside the working hours {wh}: {what}",
                            layer.name
                        ),
                    )
                    .label(format!("outside the working hours of `{env}`"))
                    .related(wh.span, "working hours")
                    .help(if adj.moved.is_empty() {
                        format!(
                            "working hours bound every schedule, so layer `{}` stays stopped outside them in `{env}`; widen them if it should run then",
                            layer.name
                        )
                    } else {
                        format!(
                            "working hours bound every schedule; for layer `{}` to start at {} in `{env}` too, open its working hours at {}",
                            layer.name, entry.at, entry.at
                        )
                    }),
                );
            }
        }
    }
}
