//! The codes of a stack that reads well but does not hold together: scaling
//! bounds, production settings, schedules, layers sharing instances, ports,
//! apps and their layers.

/// Hands this family's codes, after those of the families before it
/// (`$before`), to the next family's macro, the last being `codes!`.
macro_rules! stack_codes {
    ($next:ident $(, $rest:ident)*; $($before:tt)*) => {
        $next! { $($rest),*; $($before)*
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
        }
    };
}

pub(super) use stack_codes;
