//! The codes of reading a stack file, parsing its KDL and the shape of its
//! nodes (names, arguments, properties, children, types).

/// Hands this family's codes, after those of the families before it
/// (`$before`), to the next family's macro, the last being `codes!`.
macro_rules! input_codes {
    ($next:ident $(, $rest:ident)*; $($before:tt)*) => {
        $next! { $($rest),*; $($before)*
    ReadFailed "read_failed" "the stack file cannot be read"
"The file named on the command line (or ./stack.kdl when none is named) does not
exist or cannot be read.

Fix: run the command in the directory that holds stack.kdl, or name the file:

    stackc check examples/goldcar/stack.kdl";

    InvalidUtf8 "invalid_utf8" "the file is not UTF-8 text"
"A stack file is KDL text and must be valid UTF-8. The diagnostic points at the
first byte that is not. This usually means a binary file was passed, or the
file was saved in another encoding (Latin-1, UTF-16).

Fix: re-save the file as UTF-8.";

    FileTooLarge "file_too_large" "the file is larger than stackc accepts"
"stackc refuses stack files above 16 MiB: a real stack is a few kilobytes, and a
file this large is almost certainly not a stack file.";

    TooDeeplyNested "too_deeply_nested" "blocks are nested too deeply"
"Blocks (`{ ... }`) may be nested at most 64 levels deep. The stack language
itself needs about six; deeper nesting is refused before parsing so that a
pathological file cannot exhaust the parser's stack.

Fix: flatten the structure (custom-json can usually be flatter).";

    TooManyEntries "too_many_entries" "a node has more arguments and properties than stackc accepts"
"A node may have at most 1,000 arguments and properties together. The stack
language needs a handful per node; a node with thousands is a generated or
corrupted file, and refusing it keeps checking fast.

    layer web type=php-app p1=1 p2=2 ... p1001=1001

Fix: remove the extra entries; data belongs in `custom-json` blocks, one
node per key.";

    TooManyLayers "too_many_layers" "a stack has more layers than stackc accepts"
"A stack (with the layers its environments add) may have at most 1,000 layers.
Real stacks have a few dozen; every layer with instances becomes an Auto
Scaling group, a launch template and their alarms, and a stack of thousands
would exceed what CloudFormation deploys.

Fix: split the system into several stacks.";

    KdlSyntax "kdl_syntax" "the file is not valid KDL v2"
"The file could not be parsed as KDL v2. Common causes:

- a value that starts with a digit or contains `/` must be quoted:
  `for=\"5m\"`, `volume \"/srv\"`;
- keywords are written `#true`, `#false`, `#null` (KDL v1's `true` is a string
  error in v2);
- an unclosed `{` or `\"`.

The label points at the first character the parser could not accept.";

    MissingStack "missing_stack" "the file has no `stack` node"
"A stack file holds exactly one top-level `stack NAME { ... }` node.

    stack goldcar {
        region eu-west-1
        layer web type=php-app { }
    }";

    UnknownNode "unknown_node" "a node is not known in this place"
"Every node must be one that its parent accepts. The help line lists the
accepted nodes, or proposes the closest one when the name looks like a typo:

    layer web type=php-app {
        instance-typ t3.small   // did you mean `instance-type`?
    }

Type-specific nodes (such as memcached's `memory`) come from the layer type in
the stdlib; `stackc explain unknown_layer_type` lists the types.";

    UnknownProperty "unknown_property" "a property is not known for this node"
"The node does not accept a property of this name. The help line proposes the
closest accepted one, or lists them:

    scaling { instances min=1 maximum=4 }   // did you mean `max`?";

    UnexpectedArgument "unexpected_argument" "a node has more arguments than it takes"
"The node takes fewer positional arguments than were given. Arguments that
are options are written as properties (`key=value`):

    layer web php-app { }         // wrong
    layer web type=php-app { }    // right";

    MissingArgument "missing_argument" "a node lacks a required argument"
"The node needs a positional argument that was not given, for example the
name of a layer (`layer web ...`) or the value of `region` (`region eu-west-1`).";

    MissingProperty "missing_property" "a node lacks a required property"
"The node needs a property that was not given, for example the type of a
layer (`layer web type=php-app`) or the bounds of `instances min=1 max=4`.";

    DuplicateProperty "duplicate_property" "a property is given twice on one node"
"KDL lets the last of several equal keys win silently; stackc refuses it, since
it is almost always an editing mistake. Keep one of them.";

    DuplicateNode "duplicate_node" "a node that may appear once appears twice"
"Nodes such as `region`, `os`, `network`, `instance-type` or `scaling` may appear
once in their block. Merge the two into one.";

    UnexpectedChildren "unexpected_children" "a node has a block it does not take"
"The node takes no `{ ... }` block. Remove the block, or move what it holds to
the parent.";

    MissingChildren "missing_children" "a node needs a block"
"The node is a container (`network`, `recipes`, `load-balancer`, `scaling`,
`schedule`, `load`, `custom-json`, ...) and needs a `{ ... }` block.";

    MissingNode "missing_node" "a required node is missing"
"Some nodes are required: a stack needs `region`, a `network` block needs a
`vpc`, a `load` block needs `up` or `down`, a `schedule` needs `at` entries.
The help line names what to add.";

    TypeAnnotation "type_annotation" "KDL type annotations are not used by stackc"
"KDL's `(type)value` annotations have no meaning in a stack file. Remove the
annotation; units are written in the value (`\"512MiB\"`, `\"5m\"`).";

    WrongType "wrong_type" "a value has the wrong type"
"The value is of another type than the node or property expects, for example a
number where a string is expected or `#true` where a number is expected.
Integers are written without quotes (`min=2`), sizes and durations as quoted
strings with a unit (`size=\"20GiB\"`, `for=\"5m\"`).";

    OutOfRange "out_of_range" "a number is outside its allowed range"
"Numbers have ranges: percentages are 0 to 100, instance counts 0 to 1000,
health-check counts 2 to 10, zones 1 to 6, ports 1 to 65535. The message says
which range applies.";
        }
    };
}

pub(super) use input_codes;
