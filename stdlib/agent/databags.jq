# databags.jq: the Chef 12 data bags OpsWorks gave (its "Data Bag
# Reference"), made from the node JSON. Like live.jq, run by the agent with
# jq (it writes <run dir>/data_bags/<bag>/<item>.json and runs Chef with
# data_bag_path, so search(:aws_opsworks_app) and data_bag_item work) and by
# `stackc node-json --data-bags DIR` with jaq.
#
# Input: an array of two values:
#   [0] the tree live.jq made with `app` null (every app of the tree, not
#       only the deployed one), secrets put in by secrets.jq;
#   [1] the live data ($live, see live.jq).
# Output: {bag: {item id: item}} for the eight bags, every bag present (an
# empty bag searches as []); each item carries its `id`.

# ISO 8601 ("2026-12-02T16:46:38+00:00", OpsWorks' form) of epoch seconds;
# arithmetic only, so jq and jaq agree.
def iso8601:
  def two: if . < 10 then "0" + tostring else tostring end;
  floor as $t
  | ($t / 86400 | floor) as $days
  | ($t - $days * 86400) as $secs
  | ($days + 719468) as $z
  | (($z - (if $z >= 0 then $z else $z - 146096 end) % 146097) / 146097 | floor) as $era
  | ($z - $era * 146097) as $doe
  | (($doe - ($doe / 1460 | floor) + ($doe / 36524 | floor) - ($doe / 146096 | floor)) / 365 | floor) as $yoe
  | ($doe - (365 * $yoe + ($yoe / 4 | floor) - ($yoe / 100 | floor))) as $doy
  | ((5 * $doy + 2) / 153 | floor) as $mp
  | ($doy - ((153 * $mp + 2) / 5 | floor) + 1) as $d
  | (if $mp < 10 then $mp + 3 else $mp - 9 end) as $m
  | ($yoe + $era * 400 + (if $m <= 2 then 1 else 0 end)) as $y
  | "\($y)-\($m | two)-\($d | two)T\($secs / 3600 | floor | two):\(($secs % 3600) / 60 | floor | two):\($secs % 60 | two)+00:00";

def by_id: map({ key: .id, value: . }) | from_entries;

.[1] as $live
| .[0]
| . as $tree
| .opsworks.activity as $event
| .opsworks.stack as $stack
| (.opsworks.instance.hostname // null) as $me
# Each stackc database of an app as an RDS item (stackc's own arn).
| [ (.deploy // {}) | to_entries[]
    | select((.value.database | type) == "object" and .value.database.host != null)
    | { id: (.key + "-database"),
        rds_db_instance_arn: ("arn:stackc:database:" + $stack.id + ":" + .key),
        db_instance_identifier: (.key + "-database"),
        address: .value.database.host,
        port: .value.database.port,
        engine: .value.database.adapter,
        db_user: .value.database.username,
        db_password: .value.database.password,
        region: $stack.region,
        app: .key } ] as $app_dbs
| {
    aws_opsworks_app: ([ (.deploy // {}) | to_entries[] | .key as $name | .value
      | { id: $name, app_id: $name, name: $name, shortname: $name, type: "other",
          app_source: { type: .scm.scm_type, url: .scm.repository, revision: .scm.revision,
                        user: .scm.user, password: .scm.password, ssh_key: .scm.ssh_key },
          attributes: { document_root: .document_root },
          data_sources: [ $app_dbs[] | select(.app == $name)
                          | { type: "RdsDbInstance", arn: .rds_db_instance_arn,
                              database_name: $tree.deploy[$name].database.database } ],
          deploy: ($event == "setup"
                   or ($event == "deploy" and ($live.app == null or $live.app == $name))),
          domains: (.domains // []),
          enable_ssl: (.ssl_support // false),
          environment: (.environment_variables // {}),
          ssl_configuration: { certificate: .ssl_certificate, private_key: .ssl_certificate_key,
                               chain: .ssl_certificate_ca } } ] | by_id),
    aws_opsworks_instance: ([ .opsworks.layers | to_entries[] | .key as $layer
        | .value.instances // {} | to_entries[] | { hostname: .key, layer: $layer, value: .value } ]
      | group_by(.hostname)
      | map(.[0].value as $i | .[0].hostname as $h | (map(.layer)) as $layers
        | { id: $h, instance_id: $i.aws_instance_id, ec2_instance_id: $i.aws_instance_id,
            hostname: $h, layer_ids: $layers,
            private_ip: $i.private_ip, public_ip: ($i.ip // null),
            private_dns: $i.private_dns_name, public_dns: ($i.public_dns_name // null),
            elastic_ip: ($i.elastic_ip // null), status: $i.status, self: ($h == $me),
            os: ($i.os // $tree.opsworks.instance.os // $tree.stackc.os),
            instance_type: $i.instance_type, availability_zone: $i.availability_zone,
            architecture: (if $h == $me then $tree.opsworks.instance.architecture
                           else ($i.architecture // null) end),
            subnet_id: ($i.subnet_id // null), ami_id: ($i.ami_id // null),
            auto_scaling_type: ($i.auto_scaling_type // null),
            created_at: ($i.created_at // null), ebs_optimized: ($i.ebs_optimized // null),
            root_device_type: "ebs", root_device_volume_id: null,
            virtualization_type: "hvm",
            # Host keys are not handed around.
            ssh_host_dsa_key_fingerprint: null, ssh_host_dsa_key_private: null,
            ssh_host_dsa_key_public: null, ssh_host_rsa_key_fingerprint: null,
            ssh_host_rsa_key_private: null, ssh_host_rsa_key_public: null })
      | by_id),
    aws_opsworks_layer: ([ .opsworks.layers | to_entries[]
      | { id: .key, layer_id: (.value.id // .key), name: (.value.name // .key), shortname: .key,
          type: "custom", packages: [], volume_configurations: [], ecs_cluster_arn: null } ]
      | by_id),
    aws_opsworks_stack: ([ { id: $stack.id, stack_id: $stack.id, name: $stack.name,
        arn: ($stack.arn // null), region: $stack.region, vpc_id: $stack.vpc_id,
        use_custom_cookbooks: true,
        custom_cookbooks_source: { type: "s3", url: null, username: null, password: null,
                                   ssh_key: null, revision: null } } ] | by_id),
    aws_opsworks_command: ([ { id: (.opsworks.deployment // $event),
        command_id: .opsworks.deployment, type: $event,
        args: ((if $live.recipes != null then { recipes: $live.recipes } else {} end)
               + (if $live.app != null then { app_ids: [$live.app] } else {} end)),
        sent_at: (if .opsworks.sent_at != null then (.opsworks.sent_at | iso8601) else null end),
        instance_id: (.opsworks.instance.aws_instance_id // null), iam_user_arn: null } ] | by_id),
    aws_opsworks_elastic_load_balancer: ([ ($stack["elb-load-balancers"] // [])[]
      | { id: (.layer_id // .layer // .name), elastic_load_balancer_name: (.name // .layer),
          dns_name: (.dns_name // null), layer_id: (.layer_id // .layer) } ] | by_id),
    aws_opsworks_rds_db_instance: ([ ($stack.rds_instances // [])[]
        | { id: .db_instance_identifier, rds_db_instance_arn: .arn,
            db_instance_identifier: .db_instance_identifier, address: .address, port: .port,
            engine: .engine, db_user: .db_user, db_password: (.db_password // null),
            region: .region } ]
      + [ $app_dbs[] | del(.app) ] | by_id),
    aws_opsworks_user: {}
  }
