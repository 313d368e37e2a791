//! The codes of an environment's targets: the accounts, organizational
//! units and regions a StackSet deploys it to, and what cannot work there.

/// Hands this family's codes, after those of the families before it
/// (`$before`), to the next family's macro, the last being `codes!`.
macro_rules! targets_codes {
    ($next:ident $(, $rest:ident)*; $($before:tt)*) => {
        $next! { $($rest),*; $($before)*
    BadAccountId "bad_account_id" "an account id is not 12 digits"
"An AWS account id is exactly 12 digits, written in quotes so that leading
zeros stay:

    targets {
        account \"012345678901\" regions=\"eu-west-1\"
    }

Copy it from the console's account menu or `aws sts get-caller-identity`.";

    BadOrganizationalUnit "bad_organizational_unit" "an organizational unit id is not well-formed"
"An organizational unit of AWS Organizations is named by its id: `ou-`, 4 to
32 lowercase letters or digits (the root's), `-`, and 8 to 32 more
(`ou-ab12-34cd56ef`), not by its name. `aws organizations
list-organizational-units-for-parent --parent-id r-...` lists them.";

    DuplicateTarget "duplicate_target" "an account and region are targeted twice"
"A StackSet runs one stack instance per account and region: an account (or
organizational unit) with a region named twice, on one line or on two, would
be one instance written twice. Name each region once per account:

    account \"111111111111\" regions=\"us-east-1 eu-west-1\"";

    MixedPermissionModels "mixed_permission_models" "accounts and organizational units in one environment's targets"
"A StackSet has one permission model. Accounts named one by one are
self-managed: an administration role in the account that deploys assumes an
execution role you create in each target account. Organizational units are
service-managed: AWS Organizations' trusted access reaches every account of
the unit, including the ones that join later. One environment's targets are
one StackSet, so they are accounts or organizational units, not both.

Fix: deploy the organizational units as an environment of their own, or list
their accounts by id.";

    ExistingVpcInTargets "existing_vpc_in_targets" "an existing VPC is used by several targets"
"`vpc id=vpc-... public-subnets=... private-subnets=...` names a VPC and subnets
of one account and region, but every stack instance of a StackSet gets the same
template: in any other account or region those ids do not exist, and the
instance fails. An organizational unit counts as several targets: it holds
accounts the file does not list.

Fix: let stackc create the VPC in each target (`vpc cidr=\"10.0.0.0/16\"
zones=2`), or target one account and one region with the existing VPC.";

    InstanceTypeNotOffered "instance_type_not_offered" "a target region does not offer a layer's instance type"
"EC2 offers each instance type in some regions only (a new generation reaches
the large regions first). The stack file is checked offline, against a table
of instance types with no per-region data; `stackc deploy` and `stackc diff` of
an environment with `targets` ask EC2 in each target region which of the
layers' types it offers (DescribeInstanceTypeOfferings) before any StackSet
operation, and refuse a type a target region lacks: its stack instance would
fail when its Auto Scaling group launches.

Fix: give the layer a type every target region offers (`aws ec2
describe-instance-type-offerings --region R --filters
Name=instance-type,Values=TYPE` says where one is offered), for every
environment or in this environment only (`environment production { layer web {
instance-type m6i.large } }`).";
        }
    };
}

pub(super) use targets_codes;
