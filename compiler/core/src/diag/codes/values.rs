//! The codes of values a stack file writes wrong (names, sizes, durations,
//! schedules, addresses, paths, recipes) and of names that refer to
//! nothing.

/// Hands this family's codes, after those of the families before it
/// (`$before`), to the next family's macro, the last being `codes!`.
macro_rules! values_codes {
    ($next:ident $(, $rest:ident)*; $($before:tt)*) => {
        $next! { $($rest),*; $($before)*
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
        }
    };
}

pub(super) use values_codes;
