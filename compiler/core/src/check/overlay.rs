//! Environments: a copy of the stack's nodes with the environment's nodes
//! merged over them by name (and by first argument for named nodes).

use std::borrow::Cow;
use std::collections::HashMap;

use crate::syntax::Node;

/// Nodes identified by name plus their first argument.
const KEYED: &[&str] = &[
    "layer", "app", "volume", "alarm", "site", "env", "secret", "logs", "at", "listener",
];

fn key<'n>(node: &'n Node<'_>) -> (&'n str, Option<&'n str>) {
    let arg = if KEYED.contains(&node.name.as_str()) {
        node.args.first().and_then(|v| v.as_str())
    } else {
        None
    };
    (node.name.as_str(), arg)
}

/// `base` with every node of `over` merged in: a node with the same key is
/// merged (properties and children merged, arguments replaced when given),
/// a new one is appended. Nodes left alone are borrowed, not copied.
pub fn overlay_refs<'a, 's>(
    base: &[&'a Node<'s>],
    over: &[&'a Node<'s>],
) -> Vec<Cow<'a, Node<'s>>> {
    let mut out: Vec<Cow<'a, Node>> = base.iter().map(|n| Cow::Borrowed(*n)).collect();
    // Where the first node of each key is (a map: a block may hold thousands).
    let mut index: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    for (i, b) in base.iter().enumerate() {
        index.entry(key(b)).or_insert(i);
    }
    for o in over {
        match index.get(&key(o)) {
            Some(&i) => out[i] = Cow::Owned(merge(&out[i], o)),
            None => {
                index.insert(key(o), out.len());
                out.push(Cow::Borrowed(*o));
            }
        }
    }
    out
}

/// [`overlay_refs`] of owned nodes (the children of a merged node).
fn overlay<'s>(base: &[Node<'s>], over: &[Node<'s>]) -> Vec<Node<'s>> {
    let base: Vec<&Node> = base.iter().collect();
    let over: Vec<&Node> = over.iter().collect();
    overlay_refs(&base, &over)
        .into_iter()
        .map(Cow::into_owned)
        .collect()
}

fn merge<'s>(base: &Node<'s>, over: &Node<'s>) -> Node<'s> {
    let mut node = base.clone();
    let keyed = KEYED.contains(&base.name.as_str());
    if over.args.len() > usize::from(keyed) {
        node.args = over.args.clone();
    }
    for p in &over.props {
        match node.props.iter_mut().find(|b| b.key == p.key) {
            Some(b) => *b = p.clone(),
            None => node.props.push(p.clone()),
        }
    }
    node.children = match (&base.children, &over.children) {
        (Some(b), Some(o)) => Some(overlay(b, o)),
        (None, Some(o)) => Some(o.clone()),
        (b, None) => b.clone(),
    };
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn merged(base: &str, over: &str) -> String {
        let b = parse(base).unwrap().nodes;
        let o = parse(over).unwrap().nodes;
        format!("{:?}", overlay(&b, &o).iter().map(show).collect::<Vec<_>>())
    }

    fn show(n: &Node) -> String {
        let args: Vec<String> = n.args.iter().map(|a| format!("{:?}", a.kind)).collect();
        let props: Vec<String> = n
            .props
            .iter()
            .map(|p| format!("{}={:?}", p.key, p.value.kind))
            .collect();
        let kids: Vec<String> = n.kids().iter().map(show).collect();
        format!("{} {:?} {:?} {:?}", n.name, args, props, kids)
    }

    #[test]
    fn layers_merge_by_name_and_keep_what_is_not_overridden() {
        let out = merged(
            "layer web type=php-app { instance-type t3.small; scaling { instances min=2 max=10; load { up cpu-above=70 } } }\nlayer cache type=memcached",
            "layer web { instance-type t3.micro; scaling { instances min=1 max=2 } }",
        );
        assert!(out.contains("t3.micro"));
        assert!(!out.contains("t3.small"));
        assert!(out.contains("cpu-above"), "load rules survive: {out}");
        assert!(out.contains("cache"));
        assert!(out.contains("min=Integer(1)"));
    }
}
