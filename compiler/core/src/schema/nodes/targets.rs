//! An environment's targets: the accounts or organizational units, and
//! their regions, that one StackSet deploys it to.

use super::*;

pub(crate) const TARGETS: NodeDef = NodeDef {
    name: "targets",
    syntax: "targets { account \"111111111111\" regions=\"us-east-1 eu-west-1\" }",
    args: Args::NONE,
    props: &[],
    block: Block::Required(Kids::of(&[ACCOUNT, ORGANIZATIONAL_UNIT])),
    once: true,
    doc: "Deploy the environment as one CloudFormation StackSet `<stack>-<env>`, one stack \
          instance per account (or account of an organizational unit) and region, instead of one \
          stack in `region` (which stays where the StackSet is administered). Accounts are \
          self-managed (roles you create in each account), organizational units service-managed \
          (AWS Organizations' trusted access); one environment takes one kind \
          (`mixed_permission_models`). Only in an `environment` block: the stack's nodes are \
          every environment's, and targets are one environment's. The checker refuses what \
          cannot work in a target region (a certificate of another region, an existing VPC \
          shared by several targets); `deploy`, `diff` and `destroy` refuse an environment with \
          targets until the StackSet deploy is implemented.",
    default: Some("one stack in `region`, in the account that deploys"),
};

pub(crate) const ACCOUNT: NodeDef = NodeDef {
    name: "account",
    syntax: "account \"111111111111\" regions=\"us-east-1 eu-west-1\"",
    args: Args::one(Value::AccountId),
    props: &[prop(
        "regions",
        Value::Region,
        "required: one or more, separated by spaces",
    )],
    block: Block::None,
    once: false,
    doc: "An AWS account, and the regions it runs the environment in.",
    default: None,
};

pub(crate) const ORGANIZATIONAL_UNIT: NodeDef = NodeDef {
    name: "organizational-unit",
    syntax: "organizational-unit \"ou-ab12-34cd56ef\" regions=\"eu-west-1\"",
    args: Args::one(Value::OrganizationalUnit),
    props: &[prop(
        "regions",
        Value::Region,
        "required: one or more, separated by spaces",
    )],
    block: Block::None,
    once: false,
    doc: "An organizational unit of AWS Organizations: every account in it, and every account \
          that joins it later, runs the environment in these regions.",
    default: None,
};
