//! A layer's scaling: its instance bounds, the load rules that add and
//! remove instances, and the schedules.

use super::*;

pub(crate) const SCALING: NodeDef = NodeDef {
    name: "scaling",
    syntax: "scaling { instances min=2 max=10; load { ... }; schedule { ... } }",
    args: Args::NONE,
    props: &[],
    block: Block::Required(Kids::of(&[INSTANCES, LOAD, SCHEDULE])),
    once: true,
    doc: "How many instances: 24/7 bounds, load-based rules, time-based bounds.",
    default: Some("one instance"),
};

pub(crate) const INSTANCES: NodeDef = NodeDef {
    name: "instances",
    syntax: "instances min=2 max=10",
    args: Args::NONE,
    props: &[
        prop("min", Value::Int(0, 1000), "required"),
        prop("max", Value::Int(0, 1000), "required, at least `min`"),
    ],
    block: Block::None,
    once: true,
    doc: "The Auto Scaling group's bounds, 24/7.",
    default: Some("`min=1 max=1`"),
};

pub(crate) const LOAD: NodeDef = NodeDef {
    name: "load",
    syntax: "load { up cpu-above=70 for=\"5m\" add=2; down cpu-below=25 for=\"15m\" remove=1 }",
    args: Args::NONE,
    props: &[],
    block: Block::Required(Kids::of(&[UP, DOWN])),
    once: true,
    doc: "Load-based rules (OpsWorks' load-based instances), within `instances`' bounds.",
    default: None,
};

pub(crate) const UP: NodeDef = NodeDef {
    name: "up",
    syntax: "up cpu-above=70 for=\"5m\" add=2",
    args: Args::NONE,
    props: &[
        prop("cpu-above", Value::Number(0, 100), "CPU, per cent"),
        prop("memory-above", Value::Number(0, 100), "memory, per cent"),
        prop("load-above", Value::Number(0, 1000), "load average"),
        prop(
            "for",
            Value::Duration,
            "whole minutes, 1m to 1d; default 5m",
        ),
        prop("add", Value::Int(1, 100), "instances; default 1"),
    ],
    block: Block::None,
    once: true,
    doc: "Scale out when one metric stays above its threshold (one of `cpu-above`, \
          `memory-above`, `load-above`).",
    default: None,
};

pub(crate) const DOWN: NodeDef = NodeDef {
    name: "down",
    syntax: "down cpu-below=25 for=\"15m\" remove=1",
    args: Args::NONE,
    props: &[
        prop("cpu-below", Value::Number(0, 100), "CPU, per cent"),
        prop("memory-below", Value::Number(0, 100), "memory, per cent"),
        prop("load-below", Value::Number(0, 1000), "load average"),
        prop(
            "for",
            Value::Duration,
            "whole minutes, 1m to 1d; default 5m",
        ),
        prop("remove", Value::Int(1, 100), "instances; default 1"),
    ],
    block: Block::None,
    once: true,
    doc: "Scale in when one metric stays below its threshold, which is below `up`'s.",
    default: None,
};

pub(crate) const SCHEDULE: NodeDef = NodeDef {
    name: "schedule",
    syntax: "schedule timezone=\"Europe/Madrid\" { at \"mon-fri 07:00\" min=1 max=3 }",
    args: Args::NONE,
    props: &[prop("timezone", Value::TimeZone, "default `UTC`")],
    block: Block::Required(Kids::of(&[AT])),
    once: true,
    doc: "Time-based bounds (OpsWorks' time-based instances): a layer with a `schedule` stops \
          instances into a warm pool and starts them again.",
    default: None,
};

pub(crate) const AT: NodeDef = NodeDef {
    name: "at",
    syntax: "at \"mon-fri 07:00\" min=1 max=3",
    args: Args::one(Value::Schedule),
    props: &[
        prop("min", Value::Int(0, 1000), "required"),
        prop("max", Value::Int(0, 1000), "required"),
    ],
    block: Block::None,
    once: false,
    doc: "From then on, these bounds.",
    default: None,
};
