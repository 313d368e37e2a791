# secrets.jq: puts the app secrets where OpsWorks put them in the node JSON.
# Like live.jq, run by the agent with jq and by `stackc node-json
# --secrets` with jaq.
#
# Input: an array of two values:
#   [0] the tree live.jq made (secret-free: each `deploy.<app>.secrets` maps
#       a secret's NAME to its SSM parameter; `database.password_secret` and
#       `scm.ssh_key_secret` name one of them);
#   [1] {SSM parameter name: value} (the agent reads them with decryption;
#       a name without a value leaves its fields null).
# Output: the tree Chef receives. For each app of the instance's layers
# (`stackc.layers`; another layer's app is left as it is), every secret is a variable
# of `environment_variables` and `environment` (OpsWorks' protected
# environment variables), `database.password` is the value of
# `password_secret` and `scm.ssh_key` that of `ssh_key_secret`. The agent
# writes it only into the run's private directory (docs/node-json.md).

.[1] as $values
| .[0]
# Only the apps of this instance's layers: a deploy lists every app of the
# stack, and the others' parameters are not this instance's to read.
| .stackc.layers as $here
| if .deploy == null then . else
    .deploy |= map_values(
      (.layer as $l
       | if $here != null and $l != null and ($here | any(.[]; . == $l) | not) then {}
       else (.secrets // {}) | map_values($values[.]) end) as $s
      | if ($s | length) == 0 then . else
          .environment_variables = ((.environment_variables // {}) + $s)
          | .environment = ((.environment // {}) + $s)
        end
      | if (.database | type) == "object" and .database.password_secret != null
        then .database.password = $s[.database.password_secret] else . end
      | if (.scm | type) == "object" and .scm.ssh_key_secret != null
        then .scm.ssh_key = $s[.scm.ssh_key_secret] else . end)
  end
