//! The table: every node of the stack language, from the file down.

mod app;
mod layer;
mod scaling;
mod stack;
mod targets;

pub(crate) use app::*;
pub(crate) use layer::*;
pub(crate) use scaling::*;
pub(crate) use stack::*;
pub(crate) use targets::*;

use super::{Args, Block, Kids, NodeDef, PropDef, Value};

const fn prop(name: &'static str, value: Value, doc: &'static str) -> PropDef {
    PropDef { name, value, doc }
}

/// The file: one `stack`.
pub static FILE: Kids = Kids::of(&[STACK]);

pub(crate) const STACK: NodeDef = NodeDef {
    name: "stack",
    syntax: "stack NAME { ... }",
    args: Args::one(Value::Name),
    props: &[],
    block: Block::Required(Kids::of(STACK_KIDS)),
    once: true,
    doc: "The stack: its region, network and defaults, its layers and apps, and the environments \
          cloned from it. A file holds one stack.",
    default: None,
};

pub(crate) const STACK_KIDS: &[NodeDef] = &[
    REGION,
    DESCRIPTION,
    OS,
    COOKBOOKS,
    NOTIFY,
    NETWORK,
    CUSTOM_JSON,
    WORKING_HOURS,
    CHEF,
    LAYER,
    APP,
    ENVIRONMENT,
];

/// An environment holds what a stack holds, but environments, and its
/// targets, which are one environment's.
pub(crate) const ENVIRONMENT_KIDS: &[NodeDef] = &[
    TARGETS,
    REGION,
    DESCRIPTION,
    OS,
    COOKBOOKS,
    NOTIFY,
    NETWORK,
    CUSTOM_JSON,
    WORKING_HOURS,
    CHEF,
    LAYER,
    APP,
];

pub(crate) const ENVIRONMENT: NodeDef = NodeDef {
    name: "environment",
    syntax: "environment NAME { ... }",
    args: Args::one(Value::Name),
    props: &[],
    block: Block::Required(Kids::of(ENVIRONMENT_KIDS)),
    once: false,
    doc: "Another environment: the stack's nodes, with the block's merged over them by name (a \
          `layer` or `app` of the stack named again overrides it; one with `type=` is new). \
          Without environment blocks a stack has one environment, `production`; with them, \
          production plus each block.",
    default: None,
};
