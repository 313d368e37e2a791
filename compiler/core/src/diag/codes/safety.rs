//! The codes of secrets, credentials and values that would be unsafe where
//! they go (shell commands, system directories, revisions, hosts, keys).

/// Hands this family's codes, after those of the families before it
/// (`$before`), to the next family's macro, the last being `codes!`.
macro_rules! safety_codes {
    ($next:ident $(, $rest:ident)*; $($before:tt)*) => {
        $next! { $($rest),*; $($before)*
    SecretLiteral "secret_literal" "a secret is written as a literal value"
"An `env` variable whose name looks secret (contains PASSWORD, SECRET, TOKEN or
KEY) has a literal value. Literal values end up in templates, node JSON and
Git. Store the value in SSM Parameter Store and reference it:

    secret DB_PASSWORD ssm=\"/goldcar/prod/db-password\"

The instance reads it at run time into a 0600 file; it is never written into a
template, user data, the bundle or a log.";

    BadCustomJson "bad_custom_json" "custom-json cannot be turned into JSON"
"custom-json takes any KDL and turns it into JSON: a node with one argument is a
value, with several an array, with properties or children an object, and
`-` children are array items:

    custom-json {
        goldcar { currency EUR; cache-ttl 300 }
        servers { - a; - b }
    }

A node cannot have both arguments and children, and a key may appear once.";

    CredentialValue "credential_value" "a value looks like a credential"
"A value in the stack file has the shape of a credential: an AWS access key
id (AKIA/ASIA and 16 characters), a PEM private key (`-----BEGIN ... PRIVATE
KEY-----`), a token with a well-known prefix (GitHub ghp_/gho_/ghu_/ghs_/ghr_/
github_pat_, GitLab glpat-, Slack xoxa-/xoxb-/xoxp-/xoxr-/xoxs-, Stripe
sk_live_/rk_live_/sk_test_/rk_test_, Google AIza, npm npm_), a URL with a
password (`https://user:password@host/...`), or, under a key named like a
secret (password, secret, token, apikey, api_key, access_key, private_key,
credentials, ...), a random-looking word: at least 8 characters without
spaces, two kinds of character and 3 bits of entropy per character. URLs
without a password, paths, versions and placeholders such as `${DB_PASSWORD}`
are not flagged; a key naming where a secret is (`password_file`,
`token_url`, `secret_name`, `key_sha256`) is not a secret key. `env` values
and every value and key of `custom-json` (environments' too) are checked.

    app shop type=php layer=web {
        env STRIPE sk_live_4eC39HqLyjWDarjtT1zdp7dc     // refused
    }

The stack file is kept in Git and compiled into templates, node JSON and the
bundle that every instance downloads. Store the value in SSM Parameter Store
(SecureString) and declare it as a secret of the app; the instance reads it
at run time into a 0600 file, and no artifact holds it:

    app shop type=php layer=web {
        secret STRIPE ssm=\"/shop/stripe\"
    }

Recipes read the app's secrets from /etc/stackc/secrets/<app>.json (and the
app's .env).";

    UnsafeValue "unsafe_value" "a value holds characters that would break the file it is written to"
"Values that end up in configuration files on the instance (`.env` files,
Apache and nginx virtual hosts, systemd units, /etc/fstab, the bootstrap) may
not hold control characters: a newline in a document root would start a new
Apache directive, in an `env` value a new variable. Mount points and document
roots take letters, digits and `/._-+@~,=` only (no space, quote, `$`, `;`,
`#`, `%`, `<`, `{` or `\\`), so that every file reads them as one path:

    site shop.example root=\"public\\n</Directory>\"     // refused
    site shop.example root=public                          // right

Write the value on one line; a multi-line value such as a key or a
certificate belongs in a `secret NAME ssm=\"/path\"`. The built-in recipes
also escape every value for the file they write, so a value that reaches
them another way cannot add a line or a directive.";

    SystemDirectory "system_directory" "a mount point is a system directory"
"A volume is formatted when it is new and mounted on its mount point, hiding
what was there. stackc refuses mount points that are system directories: /,
/var, /var/lib, /var/log and /home themselves, and /bin, /boot, /dev, /etc,
/lib, /lib32, /lib64, /libx32, /lost+found, /proc, /root, /run, /sbin, /snap,
/sys and /usr with everything beneath them.

    volume \"/etc\" size=\"20GiB\"             // refused
    volume \"/srv\" size=\"20GiB\"             // right
    volume \"/var/lib/mysql\" size=\"100GiB\"  // right: a directory of its own";

    BadRevision "bad_revision" "a git revision is not a ref or commit id"
"`revision=` names a branch, a tag or a commit id, by the rules of `git
check-ref-format`: not empty, not starting with `-` (git would read it as an
option such as `--upload-pack=...`), no space, control character, `~ ^ : ?
* [ \\`, `..`, `@{` or `//`, not `@`, no part starting with `.` or ending with
`.lock`, not ending with `/` or `.`.

    source git=\"https://github.com/org/app.git\" revision=\"--upload-pack=touch /tmp/x\"  // refused
    source git=\"https://github.com/org/app.git\" revision=v1.4.2                       // right";

    BadHost "bad_host" "a database host is not a host name or IP address"
"`database host=` is a host name (letters, digits and `-` in dot-separated
labels) or an IPv4 or IPv6 address; anything else (spaces, quotes, newlines)
would reach the app's configuration as something other than a host.

    database host=\"db.internal; rm -rf /\" name=shop user=shop   // refused
    database host=db.internal name=shop user=shop                 // right";

    BadIdentifier "bad_identifier" "a database name or user is not an identifier"
"`database name=` and `user=` start with a letter or `_` and hold letters,
digits, `_`, `-` and `.`, at most 63 characters (PostgreSQL's limit; MySQL's
is 64), so that no configuration file or client command line needs to quote
them.

    database host=db.internal name=\"shop'; DROP\" user=shop   // refused
    database host=db.internal name=shop user=shop_app         // right";

    ComputedKey "computed_key" "custom-json sets a key stackc computes"
"custom-json is merged last into the node JSON, so a key there would replace
what stackc computed from the stack file and checked: `deploy.<app>` entries
(`deploy_to`, `user`, `scm.repository`, `environment_variables`, `database`,
...), `opsworks.stack`, `opsworks.layers`, `opsworks.instance`,
`opsworks.applications`, stackc's own `stackc.*` keys, `run_list`, and the
layer types' attributes (`php_app.max_children`, `nodejs_app.start_command`,
...). Such keys are refused, naming the stack-file node that sets them; so is
`deploy.<name>` for a name that is not an app of the stack.

    custom-json {
        deploy { shop { scm { repository \"file:///etc\" } } }   // refused
    }

Set the value with the node the message names
(`app shop { source git=\"https://...\" }`). Keys of your own stay allowed,
at the top level and inside these objects:

    custom-json {
        deploy { shop { feature_flags { beta #true } } }   // allowed
        shop { currency EUR }                             // allowed
    }";
        }
    };
}

pub(super) use safety_codes;
