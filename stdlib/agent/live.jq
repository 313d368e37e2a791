# live.jq: merges what the agent learns on the instance into the build-time
# node JSON. One program, two evaluators: the agent runs it on the instance
# (jq 1.6 or later) and `stackc node-json` runs the very same file with jaq,
# so both hand Chef the same tree for the same inputs. Keep it to what jq
# 1.6 and jaq agree on (tests run both on the same inputs).
#
# Input: an array of four or five values (the agent runs `jq -s -f live.jq
#   nodes/stack.json nodes/<host>/<event>.json nodes/custom.json live.json
#   [nodes/apps.json]`):
#   [0] nodes/stack.json, [1] nodes/<host>/<event>.json, [2] nodes/custom.json
#       of the bundle, and [4] nodes/apps.json on a deploy, undeploy or
#       rollback (every app of the stack): the build-time tree is the deep
#       merge (`*`: objects merged, arrays replaced, later wins) of
#       [0], [4], [1] and [2], with the group's run list kept
#       (docs/node-json.md);
#   [3] the live data, bound to $live below (the agent saves it as
#       /var/lib/stackc/live.json; `stackc node-json --instances FILE` reads
#       the same format):
# Output: the tree Chef receives, before secrets (secrets.jq).

def hostname($layer; $id): $layer + "-" + ($id | ltrimstr("i-"));
def online: .lifecycle_state == "InService";
# EC2 says "" for an instance without a public name.
def nonempty: if . == "" then null else . end;
# OpsWorks' HAProxy lists: app server layer type -> the lists' prefix.
def haproxy_kinds: [["php-app", "php"], ["nodejs-app", "nodejs"], ["static-web", "static"], ["java-app", "java"]];

.[3] as $live
| (.[0] * (.[4] // {}) * .[1] * .[2])
  + { run_list: .[1].run_list, opsworks_custom_cookbooks: .[1].opsworks_custom_cookbooks }
| .stackc.region as $region
| ($live.self // {}) as $self
# {host layer: {hostname: entry}}: the online instances and this one.
| ([ ($live.instances // [])[]
     | select(online or .id == $self.id)
     | { layer: .layer,
         hostname: hostname(.layer; .id),
         value: { aws_instance_id: .id,
                  private_ip: .private_ip,
                  private_dns_name: .private_dns_name,
                  availability_zone: .availability_zone,
                  instance_type: .instance_type,
                  region: $region,
                  ip: (.public_ip // null),
                  public_dns_name: (.public_dns_name // null | nonempty),
                  backends: (.vcpus // 1),
                  status: (if online then "online" else "running_setup" end) } } ]
   | group_by(.layer)
   | map({ key: .[0].layer, value: (map({ key: .hostname, value: .value }) | from_entries) })
   | from_entries) as $fleet
| .opsworks.activity = $live.event
| if $live.log_groups != null then .stackc.log_groups = $live.log_groups else . end
| .opsworks.sent_at = $live.sent_at
| .opsworks.deployment = $live.deployment
| (first(($live.instances // [])[] | select(.id == $self.id)) // {}) as $me
| if $self.id != null then
    (hostname(.stackc.host_layer; $self.id)) as $hostname
    | .opsworks.instance += { id: $self.id, aws_instance_id: $self.id,
      hostname: $hostname,
      private_ip: $self.private_ip,
      private_dns_name: ($me.private_dns_name // null),
      ip: ($me.public_ip // null),
      public_dns_name: ($me.public_dns_name // null | nonempty),
      availability_zone: $self.availability_zone,
      instance_type: $self.instance_type,
      architecture: ($self.architecture // .opsworks.instance.architecture),
      backends: ($me.vcpus // .opsworks.instance.backends),
      status: ($fleet[.stackc.host_layer][$hostname].status // "running_setup") }
  else . end
| .opsworks.stack.vpc_id = (.opsworks.stack.vpc_id // $me.vpc_id // null)
# The stack's load balancers the agent found (by their stackc tags).
| (($live.load_balancers // []) | map({ key: .layer, value: { name, dns_name } }) | from_entries) as $lbs
| .opsworks.stack["elb-load-balancers"] |= (if . == null then . else map(. + ($lbs[.layer] // {})) end)
| .opsworks.layers |= with_entries(.value.instances = ($fleet[.value.host] // {}))
# On HAProxy's instances: the online instances of each app server layer.
| if (.haproxy | type) == "object" and (.haproxy | has("php_backends")) then
    .opsworks.layers as $layers
    | reduce haproxy_kinds[] as $k (.;
        .haproxy[$k[1] + "_backends"] =
          ([ $layers[] | select(.type == $k[0]) | .instances | to_entries[]
             | { name: .key, ip: .value.private_ip, backends: .value.backends } ]
           | unique_by(.name)))
  else . end
# A memcached layer elsewhere: its first online instance.
| (first(.opsworks.layers[] | select(.type == "memcached") | .instances[] | .private_ip) // null) as $cache
| .deploy |= map_values(if .memcached.host == null then .memcached.host = $cache else . end)
| if $live.app != null then .deploy |= with_entries(select(.key == $live.app)) else . end
| if $live.recipes != null then
    .run_list = ($live.recipes | map("recipe[" + . + "]"))
    | .opsworks_custom_cookbooks.recipes = $live.recipes
  else . end
