//! The codes of `stackc import opsworks`: the describe files it reads.

/// Hands this family's codes, after those of the families before it
/// (`$before`), to the next family's macro, the last being `codes!`.
macro_rules! import_codes {
    ($next:ident $(, $rest:ident)*; $($before:tt)*) => {
        $next! { $($rest),*; $($before)*
    ImportMissingFile "import_missing_file" "an OpsWorks describe file the import needs is missing"
"`stackc import opsworks DIR` reads the AWS CLI's output saved in DIR, one file
per command. describe-stacks.json and describe-layers.json are required; the
others (describe-apps, describe-instances, describe-load-based-auto-scaling,
describe-time-based-auto-scaling, describe-elastic-load-balancers) add apps,
instance counts, scaling and load balancers when present:

    aws opsworks describe-stacks --stack-ids STACK_ID > DIR/describe-stacks.json
    aws opsworks describe-layers --stack-id STACK_ID > DIR/describe-layers.json

README.md (Coming from OpsWorks) lists every command.";

    ImportBadJson "import_bad_json" "an OpsWorks describe file is not valid JSON"
"The file is not JSON: it was cut short, edited by hand, or saved with another
output format (`--output text` or `--output yaml`). The label points at the
first character the JSON parser could not accept.

Fix: save the command's output again with the AWS CLI's default JSON output.
(PowerShell's `>` writes UTF-16; use `| Out-File -Encoding utf8`.)";

    ImportWrongShape "import_wrong_shape" "an OpsWorks describe file does not hold what its name says"
"Each file must be the unchanged output of its command: describe-layers.json is
an object `{\"Layers\": [...]}` with the fields of the OpsWorks API (LayerId,
Type, Shortname, ...). The message says what was found instead: another
command's output (the files were swapped), the result of a `--query`, or a
field with a value of the wrong type.

Fix: save the command's output again, without --query.";

    ImportStackCount "import_stack_count" "describe-stacks.json does not say which stack to import"
"An import makes one stack file from one OpsWorks stack. describe-stacks.json
may list several stacks (`aws opsworks describe-stacks` without arguments lists
every stack of the region) when the layers in describe-layers.json belong to
one of them; otherwise save just the one:

    aws opsworks describe-stacks --stack-ids STACK_ID > describe-stacks.json";
        }
    };
}

pub(super) use import_codes;
