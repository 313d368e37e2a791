//! The stable diagnostic codes, each with a title and the long text `stackc explain` prints.

macro_rules! codes {
    ($($variant:ident $slug:literal $title:literal $text:literal;)*) => {
        /// A stable diagnostic code, rendered as `stackc::<slug>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $(#[doc = $title] $variant,)* }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The part after `stackc::`.
            pub fn slug(self) -> &'static str {
                match self { $(Code::$variant => $slug,)* }
            }

            /// One line saying what the code is about.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            /// The long explanation, with an example and the fix.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }
        }
    };
}

impl Code {
    /// `stackc::<slug>`.
    pub fn name(self) -> String {
        format!("stackc::{}", self.slug())
    }

    /// Finds a code by `stackc::slug` or `slug`.
    pub fn lookup(name: &str) -> Option<Code> {
        let slug = name.strip_prefix("stackc::").unwrap_or(name);
        Code::ALL.iter().copied().find(|c| c.slug() == slug)
    }
}

codes! {
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

    BadName "bad_name" "a name is not a valid stackc name"
"Names of stacks, layers, apps, environments and alarms become parts of AWS
resource names and logical ids. They start with a lowercase letter and hold
only lowercase letters, digits and single dashes, at most 32 characters:

    layer web-front type=php-app { }";

    BadSize "bad_size" "a size is not well-formed"
"Sizes are a whole number followed by a unit: `512MiB`, `20GiB`, `1TiB`
(binary) or `500MB`, `20GB` (decimal). Quote them: `size=\"20GiB\"`.";

    BadDuration "bad_duration" "a duration is not well-formed"
"Durations are whole numbers with a unit, optionally combined: `30s`, `5m`,
`1h`, `1h30m`, `30d`. Quote them: `for=\"5m\"`.";

    BadSchedule "bad_schedule" "a schedule entry is not well-formed"
"A schedule entry names days and a time of day (24-hour clock):

    at \"mon-fri 07:00\" min=1 max=3
    at \"sat,sun 10:30\" min=0 max=1
    at \"daily 00:00\" min=1 max=1

Days are mon tue wed thu fri sat sun, as a list (`mon,wed`), a range
(`mon-fri`) or `daily`.";

    BadWorkingHours "bad_working_hours" "working hours are not well-formed"
"Working hours name days and an opening and closing time, opening first:

    working-hours \"mon-fri 08:00-20:00\" timezone=\"Europe/Madrid\"

Outside these hours every layer with instances of its own scales to zero.";

    BadTimezone "bad_timezone" "a time zone is not an IANA time zone"
"Time zones are IANA names such as `Europe/Madrid`, `America/New_York` or `UTC`
(the names CloudFormation scheduled actions accept). The help line proposes
the closest known name.";

    BadCidr "bad_cidr" "a CIDR block is not well-formed"
"VPC ranges are IPv4 CIDR blocks with a prefix from /16 to /24, written with the
network address: `cidr=\"10.40.0.0/16\"`.";

    BadArn "bad_arn" "an ARN is not well-formed"
"Certificates are ACM certificate ARNs:
`arn:aws:acm:REGION:ACCOUNT:certificate/ID`, where ACCOUNT is 12 digits. The
certificate must be in the stack's region.";

    BadEmail "bad_email" "an e-mail address is not well-formed"
"`notify` takes e-mail addresses that receive the stack's alarms and failed
lifecycle runs (through an SNS topic): `notify \"ops@example.com\"`.";

    BadUrl "bad_url" "a source location is not well-formed"
"App sources are `git=\"https://...\"` (or `git@host:org/repo.git`),
`s3=\"s3://bucket/key.tar.gz\"` or `http=\"https://host/app.tar.gz\"`.";

    BadDomain "bad_domain" "a site domain is not a valid host name"
"Sites are DNS names such as `www.example.com`: labels of letters, digits and
dashes separated by dots. A leading `*.` wildcard is allowed.";

    BadPath "bad_path" "a path is not well-formed"
"Volume mount points and log files are absolute paths (`\"/srv\"`,
`\"/var/log/httpd/*_log\"`); document roots are relative to the app's release
(`root=public`). Paths may not contain `..`.";

    BadSsmPath "bad_ssm_path" "an SSM parameter name is not well-formed"
"Secrets are read from SSM Parameter Store on the instance. Parameter names
start with `/` and hold letters, digits and `_.-/`:

    secret DB_PASSWORD ssm=\"/goldcar/prod/db-password\"";

    BadRetention "bad_retention" "a log retention is not one CloudWatch Logs accepts"
"CloudWatch Logs keeps events for one of these periods (days): 1 3 5 7 14 30 60
90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653. Write it as a
duration: `retention=\"30d\"`. The help line proposes the closest one.";

    BadRecipe "bad_recipe" "a recipe name is not well-formed"
"Recipes are written `cookbook::recipe` (or `cookbook` alone for its default
recipe), with names of letters, digits and underscores: `goldcar::vhosts`.";

    UnknownRecipe "unknown_recipe" "a recipe does not exist"
"A recipe `cookbook::recipe` must exist as `cookbooks/<cookbook>/recipes/<recipe>.rb`
in the stack's cookbooks directory (`cookbooks \"./cookbooks\"`, relative to the
stack file) or among stackc's built-in cookbooks. A user cookbook with the name
of a built-in one replaces it, as in OpsWorks.";

    MissingCookbooksDir "missing_cookbooks_dir" "the cookbooks directory does not exist"
"`cookbooks PATH` names a directory, relative to the stack file, that holds your
cookbooks (`cookbooks/<name>/recipes/*.rb`). Create it or fix the path.";

    UnknownRegion "unknown_region" "a region is not an AWS region"
"`region` takes an AWS region code such as `eu-west-1` or `us-east-1`.";

    UnknownOs "unknown_os" "an operating system is not supported"
"`os` takes one of: amazon-linux-2023, ubuntu-22.04, ubuntu-24.04.";

    UnknownInstanceType "unknown_instance_type" "an instance type is not known"
"`instance-type` takes an EC2 instance type from stackc's stdlib
(stdlib/instance-types.kdl): t2, t3, t3a, t4g, m4-m7, c4-c7, r4-r7 families.";

    UnknownLayerType "unknown_layer_type" "a layer type is not known"
"`type=` on a layer names a layer type of the stdlib: php-app, nodejs-app,
java-app, static-web, memcached, haproxy or custom.";

    UnknownMetric "unknown_metric" "a metric name is not known"
"Alarms and load-based scaling use the metrics of stdlib/metrics.kdl: cpu,
memory, load, target-5xx, target-latency, unhealthy-hosts, request-count.";

    UnknownLayer "unknown_layer" "a reference names no layer"
"`layer=` on an app, `on` in a layer, and layer blocks in an environment must
name a layer of the stack. (A new layer in an environment needs `type=`.)";

    UnknownApp "unknown_app" "an environment overrides an app that does not exist"
"An `app` block inside an `environment` changes an app of the stack with the
same name; a new app needs `type=` and `layer=`.";

    UnknownSecret "unknown_secret" "a reference names no secret"
"`database password-secret=NAME` must name a `secret NAME ssm=...` of the same app.";

    DuplicateName "duplicate_name" "two things of the same kind have one name"
"Layers, apps, environments, alarms, sites, variables and secrets are named,
and each name is used once per kind. Rename one of them.";

    ScalingRange "scaling_range" "instance bounds are inconsistent"
"Scaling bounds must satisfy 0 <= min <= max <= 1000, in `instances` and in every
schedule entry.";

    PackagesNeedInternet "packages_need_internet" "instances without internet cannot install the bootstrap's packages (warning)"
"With `nat=none` the private subnets have no route to the internet: instances
reach AWS's APIs through the VPC's interface endpoints and S3 (the artifact
bucket, with the bundle and the Cinc package) through its gateway endpoint.
Amazon Linux installs packages from its repositories, which are S3 buckets in
each region, so it boots as usual. Ubuntu's package mirrors and the AWS CLI's
snap are on the internet: the image must already have what the bootstrap
would install (jq, curl, the AWS CLI, and for volumes nvme-cli and xfsprogs),
or the network needs a NAT gateway (`nat=single`).";

    LoadRulesInert "load_rules_inert" "load rules can never act: min equals max (warning)"
"A layer whose `instances` has min equal to max cannot grow or shrink, so its
`load` rules can never act. stackc emits no scaling policy or alarm for them
and says so in this warning. It is common in an environment that pins a layer
to one size (`environment test { layer web { scaling { instances min=1 max=1 } } }`);
raise max above min to let the rules scale, or remove `load`.";

    PlainHttpInProduction "plain_http_in_production" "production's load balancer serves plain HTTP (warning)"
"A load balancer with only `listener http` sends what production's users type
(passwords, session cookies) across the internet in the clear, and browsers
mark the site as not secure. With `listener https certificate=\"arn:aws:acm:...\"`
the load balancer terminates TLS with the ACM certificate and redirects HTTP to
HTTPS. Plain HTTP is fine in another environment (`environment test { layer
web { load-balancer { listener http } } }`): this warning is about
production only.";

    SingleInstanceInProduction "single_instance_in_production" "production serves from one instance that nothing scales (warning)"
"A layer with a load balancer or an app that runs one instance in production,
with no `load` rules or schedule to add more, is down whenever that instance
is (a failed health check, a problem in its availability zone) until Auto
Scaling has replaced it, minutes later: the boot and the setup recipes of a
new instance. (A deploy that replaces instances launches the new one first.)
Run at least two (`scaling { instances
min=2 max=4 }`: one per zone), or let `load` rules add instances. A single
instance is fine in another environment, and for a layer that serves nothing
(a worker, a batch job): this warning is about production's serving layers.";

    ScheduleOutsideHours "schedule_outside_hours" "a schedule entry falls outside the environment's working hours (warning)"
"Working hours bound every schedule: in an environment with `working-hours` a
layer runs its schedule's sizes only while the hours are open, and none
outside them. An entry that falls outside the hours cannot take effect as
written, and stackc adjusts it in the scheduled actions it emits:

- an entry before the opening takes effect when the hours open (with
  `working-hours \"mon-fri 08:00-20:00\"`, `at \"mon-fri 07:00\" min=1 max=3`
  gives the layer 1-3 instances from 08:00);
- an entry whose sizes another entry replaces before the hours open again has
  no effect and is dropped (`at \"mon-fri 21:00\" min=0 max=0`, after the
  20:00 closing).

This is a warning: the build goes on with the adjusted actions, which do what
the warning says. To run at the entry's time in that environment, widen its
working hours.";

    ScheduleTimezone "schedule_timezone" "a schedule and the working hours are in time zones that drift apart"
"stackc bounds a schedule by the environment's working hours with scheduled
actions in the hours' time zone. A schedule in another zone can be moved onto
it only when the two zones keep one offset all year (Europe/London and
Europe/Madrid do, both change on the same dates); UTC and Europe/Madrid do not
(one hour in winter, two in summer), so no cron expression in one zone can say
when the other's entries fall.

Fix: write the schedule in the working hours' zone:

    schedule timezone=\"Europe/Madrid\" { ... }";

    ScalingThresholds "scaling_thresholds" "load-based thresholds would make the layer oscillate"
"With `up` and `down` rules on the same metric, the down threshold must be below
the up threshold; otherwise the layer could scale out and in at once.";

    ColocatedLayerConfig "colocated_layer_config" "a layer that is `on` another has its own placement"
"A layer placed `on` another layer runs on that layer's instances: it cannot
have its own scaling, instance type, volumes or load balancer. Move them to the
host layer.";

    ColocatedChain "colocated_chain" "a layer is `on` a layer that is itself `on` another"
"`on` must name a layer with instances of its own (and not the layer itself).";

    IncompatibleLayers "incompatible_layers" "two layer types cannot share an instance"
"Layer types declare which types they may share an instance with (OpsWorks'
rules): memcached can share with an app server, two app servers cannot, and
java-app shares with custom only. Both types must list each other.";

    PortConflict "port_conflict" "two layers on one instance listen on the same port"
"Layers that share an instance must listen on different ports.";

    NoHttpPort "no_http_port" "a load balancer on a layer that serves no HTTP"
"Only layer types that serve HTTP can take a `load-balancer`: php-app,
nodejs-app, java-app, static-web and haproxy, on their own port, and custom
layers, on the port the stack file names, since only their recipes know it:

    layer api type=custom {
        load-balancer port=8000 { listener http }
    }";

    FixedHttpPort "fixed_http_port" "a load balancer port on a layer type that fixes its own"
"`load-balancer port=N` names the port a custom layer's recipes serve HTTP
on. The other app server types listen where their built-in recipes put them
(php-app and static-web on 80, nodejs-app on 3000, java-app on 8080,
haproxy on 80), and the load balancer forwards there.

Fix: remove `port=`, or make the layer `type=custom` with your own recipes:

    layer api type=custom {
        recipes { setup api::server }
        load-balancer port=8000 { listener http }
    }";

    MetricNeedsLoadBalancer "metric_needs_load_balancer" "a load balancer metric on a layer without one"
"Metrics such as target-5xx, target-latency, unhealthy-hosts and request-count
come from the layer's load balancer. Add a `load-balancer` block, or use an
instance metric (cpu, memory, load).";

    AppLayerMismatch "app_layer_mismatch" "an app's type cannot run on its layer"
"Each layer type runs some app types: php on php-app, nodejs on nodejs-app,
java on java-app, static on static-web or php-app, and anything on custom.";

    AppWithoutInstances "app_without_instances" "an app is on a layer that runs no apps"
"Apps are deployed to app server layers; memcached and haproxy layers run no apps.";

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

    NetworkConflict "network_conflict" "a VPC is both created and given"
"`vpc` either creates a VPC (`cidr=`, `zones=`) or uses an existing one (`id=`,
`public-subnets=`, `private-subnets=`), not both.";

    CertificateRegion "certificate_region" "a certificate is in another region"
"An ALB can only use an ACM certificate of its own region. Request or import
the certificate in the stack's region.";

    UserDataTooLarge "user_data_too_large" "the rendered user data is over 16 KB"
"EC2 limits user data to 16 KB. stackc keeps user data small by fetching the
cookbook bundle at boot; this error means the bootstrap itself grew too large.";

    BadCookbook "bad_cookbook" "a cookbook's metadata.rb is missing or wrong"
"Every cookbook in the bundle needs a metadata.rb with `name` (equal to its
directory name) and `version` (x.y.z).";

    CookbookNotRegularFile "cookbook_not_regular_file" "an entry of the cookbooks directory is a link, FIFO, socket or device"
"Only regular files and directories inside the stack's cookbooks directory
enter the bundle that `stackc deploy` uploads and every instance downloads. A
symbolic link (even one pointing inside the directory), a FIFO, a socket or a
device is refused rather than followed or read: a link to /proc/self/environ
or ~/.aws/credentials would put this machine's secrets into the bundle, and a
link makes the bundle depend on the machine that built it. The cookbooks
directory named in the stack file must itself be a directory, not a link.

    $ ls -l cookbooks/goldcar/files/default
    env -> /proc/self/environ

Fix: copy the file into the cookbooks directory in place of the link
(`cp --remove-destination \"$(readlink -f env)\" env`), or remove the entry; for
a linked cookbooks directory, name its target in the stack file
(`cookbooks \"../shared/cookbooks\"`). Hidden entries (`.git`, `.kitchen`)
are skipped and never read.";

    TooManyVolumes "too_many_volumes" "a layer has more volumes than device names"
"A layer's extra EBS volumes are attached as /dev/sdf, /dev/sdg, ... /dev/sdp,
the range AWS recommends for EBS volumes on Linux: at most 11 volumes, besides
the root volume. Most instance types share about 28 attachments between
volumes and network interfaces, so more would not attach everywhere anyway.

    layer db type=custom {
        volume \"/data1\" size=\"100GiB\"
        // ... eleven more
    }

Fix: put several directories on one volume (mount it once and use
subdirectories, or a larger volume), or move some of the storage to another
layer.";

    BadLockFile "bad_lock_file" "the lock file is not well-formed"
"The lock file (`stack.lock` beside `stack.kdl`) pins the machine image of
every region, operating system and architecture the stack's environments use,
one line each:

    image region=\"eu-west-1\" os=\"amazon-linux-2023\" arch=\"x86_64\" id=\"ami-0123456789abcdef0\"

`stackc lock` writes it. A line with a property missing or unknown, a region,
OS or architecture stackc does not know, an id that is not an AMI id, or a
triple pinned twice is this error (a merge conflict is the usual cause).

Fix: correct the line, or delete it and run `stackc lock` to pin that image
again.";

    ImageNotLocked "image_not_locked" "the lock file has no image for an environment's region, OS and architecture"
"`stackc deploy` and `stackc diff` boot instances only from images pinned in
the lock file, so that a new image published by AWS or Canonical never
replaces a fleet unasked. This error says which region, operating system and
architecture the environment needs and the lock file lacks (or that there is
no lock file yet).

Fix: run `stackc lock` (it resolves the operating systems' public SSM
parameters once and writes the ids), review and commit the lock file, and
deploy again. `stackc lock --update` later moves to newer images.";

    CincNotLocked "cinc_not_locked" "the lock file has no Chef client package for an environment's client, version, OS and architecture"
"The instances install their Chef client (Cinc, or Chef Infra Client when a
`chef` node chooses it) from the package `stackc deploy` puts in the artifact
bucket, checked against the sha256 the lock file pins, so that no instance
downloads anything from the internet and every one runs exactly the package
that was reviewed. This error says which client, version, operating system and
architecture the environment needs and the lock file lacks (or that there is
no lock file yet). A lock file written for another stackc version, or before
the stack file chose another client or version, pins another package, which is
not used.

Fix: run `stackc lock` (it asks the client's metadata endpoint, Omnitruck, for
the package's URL and sha256 and writes them), review and commit the lock
file, and deploy again. Where the endpoint has no package for the OS (old
Chef Infra Client versions were built for older distributions), write the
line yourself with the URL and sha256 of the package to install:

    chef os=\"ubuntu-24.04\" arch=\"x86_64\" version=\"12.22.5\" sha256=\"...\" url=\"https://...\"";

    BadChefClient "bad_chef_client" "a `chef` node names a client or version stackc does not install"
"`chef` chooses the Chef client of the stack's instances (on the stack, an
environment or a layer with instances of its own):

    chef client=\"cinc\" version=\"18.6.2\"      // the default
    chef client=\"chef\" version=\"12.22.5\"     // OpsWorks' Chef 11.10 and 12 cookbooks

`client` is `cinc` (Cinc Client 15 to 18) or `chef` (Chef Infra Client 12 to
14, the versions without a license to accept); `version` is an exact version,
three numbers (the lock file pins exactly that package). Without `version`,
Cinc is 18.6.2 and Chef Infra Client 12.22.5.";

    ChefVersionConflict "chef_version_conflict" "two layers of an environment install different versions of one Chef client"
"An environment installs at most one version of each client (the template
takes one package per client and architecture): two layers may run Cinc and
Chef Infra Client side by side, but not Chef Infra Client 12.22.5 and 12.19.36.

Fix: give both layers the same version.";

    BuiltinCookbooksNeedChef1222 "builtin_cookbooks_need_chef_12_22" "a layer runs a Chef client older than the built-in cookbooks need"
"Every layer runs stackc's built-in recipes (stackc_base, and its type's
cookbook, such as php_app). They run on Chef Infra Client 12.22 and later
(Chef 13 and 14, Cinc 15 to 18): their metadata declares `chef_version
'>= 12.22'`, their Ruby parses as Ruby 2.3 (the Ruby Chef 12.22 embeds), and
they use no resource or method newer than Chef 12.22 (`systemd_unit`, Chef
12.11, is the newest). Older Chef 12 releases were not checked against them:
a layer on one (`chef client=\"chef\" version=\"12.19.36\"`) installs and
runs that client, but its setup fails in them: Chef 12.6 and later refuse
them for their `chef_version`, older ones lack `systemd_unit`.

Fix: choose `version=\"12.22.5\"` (the default of `client=\"chef\"`, the last
Chef 12 and OpsWorks' Chef 12 client), or Cinc. A warning: the stack still
builds.";

    ChefRemoved "chef_removed" "a cookbook calls what the Chef client its instances run removed"
"`stackc check` reads the stack's own cookbooks (recipes, libraries,
providers, resources, definitions, attribute files) for calls that the Chef
client the stack's layers run no longer has, so that they are found before an
instance fails its setup:

    node.set / node.set_unless              removed in Chef 14 (use node.normal, node.default)
    deploy, deploy_revision, deploy_branch  removed in Chef 14 (the deploy_resource cookbook)
    Chef::Platform.set, provider mappings   removed in Chef 13 (provides on the class)
    Chef::ShellOut                          removed in Chef 13 (Mixlib::ShellOut)
    node[...] = value                       removed in Chef 11 (node.default[...] = value)

Cinc's versions are Chef's. The help line says what replaces the call. Where a
cookbook cannot change yet, `chef client=\"chef\" version=\"12.22.5\"` runs it on
the Chef Infra Client OpsWorks ran (node.set, deploy and Chef::ShellOut are
deprecated there, not removed). A warning: the exit code stays 0.";

    ChefDeprecated "chef_deprecated" "a cookbook calls what the Chef client its instances run deprecated"
"The chosen Chef client still runs the call but logs a deprecation warning on
every run, and its next major version removes it (see `chef_removed` for the
list). A warning: the exit code stays 0.";

    ChefUnavailable "chef_unavailable" "a cookbook uses a resource or method the Chef client its instances run does not have yet"
"`stackc check` reads the stack's own cookbooks for the resources and recipe
methods Chef added after 12.0, and warns where a layer's client is older than
the release that added them, so that an OpsWorks-era layer on
`chef client=\"chef\" version=\"12.22.5\"` does not find out in its first
setup. Among them:

    apt_update 12.7, apt_repository 12.9, edit_resource/find_resource 12.10,
    systemd_unit 12.11, yum_repository 12.14, dnf_package 12.18,
    hostname/sysctl/build_essential/swap_file/sudo 14.0, timezone 14.6,
    archive_file 15.0, unified_mode 15.3, user_ulimit/alternatives 16.0

(README.md, Chef clients, has the whole table; Cinc's versions are Chef's.)
The help says how to do the same with resources the client has (`execute`,
`file`, `template`, `link`), as stackc's built-in cookbooks do, or run the
layer on a newer client. A resource that a cookbook of the stack defines
for older clients (as the community `hostname`, `swap` or `sysctl`
cookbooks did for Chef 12) is not reported: the check reads the whole
cookbooks directory first, and takes as defined the name Chef gives each
`<cookbook>/resources/<file>.rb` (`<cookbook>_<file>`, or `<cookbook>` for
`default.rb`), every `provides :name` there or in a resource class of
`libraries/`, and `resource_name :name` on Chef 12.5 to 15. A warning: the
exit code stays 0.";

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
