//! What `stackc status` shows: the stack, its working hours, and the
//! instances per layer.

use std::fmt::Write as _;

use super::Instance;
use crate::cloud::StackStatus;

/// Where an environment's working hours stand at `now`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HoursNow {
    /// The hours as the stack file writes them, with the time zone.
    pub hours: String,
    /// Inside the hours (layers at their minimum).
    pub open: bool,
    /// When the stack next stops (if open) or starts, in the hours' time
    /// zone (RFC 3339 in JSON).
    #[serde(serialize_with = "rfc3339")]
    pub next_change: chrono::DateTime<chrono::FixedOffset>,
}

fn rfc3339<S: serde::Serializer>(
    t: &chrono::DateTime<chrono::FixedOffset>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339())
}

impl HoursNow {
    /// The state of `hours` at `now`; `None` for a time of day out of range
    /// (only a hand-made IR has one).
    pub fn at(
        hours: &stackc_core::ir::WorkingHours,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<HoursNow> {
        let state = hours.state_at(now)?;
        Some(HoursNow {
            hours: hours.to_string(),
            open: state.open,
            next_change: state.next_change.fixed_offset(),
        })
    }

    /// `open, stops Tue 2026-11-24 20:00 +01:00` or `closed (layers at 0),
    /// starts ...`.
    pub(super) fn describe(&self) -> String {
        let when = self.next_change.format("%a %Y-%m-%d %H:%M %:z");
        if self.open {
            format!("open, stops {when}")
        } else {
            format!("closed (layers at 0), starts {when}")
        }
    }
}

/// What `stackc status` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport<'a> {
    /// `<stack>-<env>`.
    pub stack: &'a str,
    /// CloudFormation stack status.
    pub status: &'a StackStatus,
    /// Stack outputs.
    pub outputs: &'a [(String, String)],
    /// Working hours of the environment, if it has any.
    pub hours: Option<HoursNow>,
    /// Instances per layer.
    pub layers: &'a [(String, Vec<Instance>)],
    /// The layers whose group launches no instance (its Launch process is
    /// suspended after a repeated failed setup).
    pub launches_suspended: &'a [String],
}

/// What `stackc status` says of a layer whose launches are suspended.
pub const LAUNCHES_SUSPENDED: &str = "launches suspended after repeated failed setups: fix the cause, then `stackc deploy` resumes them";

/// Renders `stackc status` for people.
pub fn render_status(report: &StatusReport<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", report.stack, report.status);
    for (k, v) in report.outputs {
        let _ = writeln!(s, "  {k} = {v}");
    }
    if let Some(h) = &report.hours {
        let _ = writeln!(s, "working hours {}: {}", h.hours, h.describe());
    }
    for (layer, instances) in report.layers {
        let _ = writeln!(s, "layer {layer}: {} instance(s)", instances.len());
        if report.launches_suspended.contains(layer) {
            let _ = writeln!(s, "  {LAUNCHES_SUSPENDED}");
        }
        for i in instances {
            let line = format!(
                "  {:<20} {:<14} {:<12} {:<15} {}",
                i.id,
                i.state(),
                i.zone,
                i.private_ip.as_deref().unwrap_or("-"),
                i.last_run
                    .as_deref()
                    .map(|r| format!("last run: {r}"))
                    .unwrap_or_else(|| "no lifecycle run yet".to_string())
            );
            let _ = writeln!(s, "{}", line.trim_end());
        }
    }
    s
}
