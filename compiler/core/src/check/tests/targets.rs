//! Checker tests on environments' targets: what the IR carries, what an
//! environment without targets keeps, and what cannot work in a target.

use super::{codes, program};
use crate::diag::Code;
use crate::ir::{Network, PermissionModel, TargetId};

const MULTI_REGION: &str = include_str!("../../../../../examples/multi-region/stack.kdl");

#[test]
fn targets_resolve_with_their_permission_model() {
    let p = program(MULTI_REGION);
    let prod = p.environment("production").unwrap();
    let t = prod.targets.as_ref().expect("production has targets");
    assert_eq!(t.permission_model, PermissionModel::SelfManaged);
    assert_eq!(
        t.targets[0].target,
        TargetId::Account("111111111111".into())
    );
    assert_eq!(t.targets[0].regions, ["us-east-1", "eu-west-1"]);
    assert_eq!(t.instances(), Some(3));
    assert_eq!(prod.regions(), ["us-east-1", "eu-west-1"]);
    let staging = p.environment("staging").unwrap();
    let t = staging.targets.as_ref().unwrap();
    assert_eq!(t.permission_model, PermissionModel::ServiceManaged);
    assert_eq!(t.permission_model.cloudformation(), "SERVICE_MANAGED");
    assert_eq!(t.instances(), None, "a unit's accounts are not in the file");
    assert_eq!(staging.regions(), ["eu-west-1"]);
    // The environment's own overrides still apply beside its targets.
    let worker = staging.layer("worker").unwrap();
    assert_eq!(worker.instance_type.name, "t3.micro");
}

#[test]
fn an_environment_without_targets_stays_one_stack_in_its_region() {
    let p = program(
        r#"stack s {
    region eu-west-1
    layer box type=custom
    environment production {
        targets { account "111111111111" regions="us-east-1 eu-west-1" }
    }
    environment test { layer box { instance-type t3.micro } }
}"#,
    );
    assert!(p.environment("production").unwrap().targets.is_some());
    // An environment is the stack with its block merged over it, not
    // production: it does not inherit production's targets.
    let test = p.environment("test").unwrap();
    assert!(test.targets.is_none());
    assert_eq!(test.regions(), ["eu-west-1"]);
    let plain = program("stack s { region eu-west-1; layer box type=custom }");
    assert!(plain.environments[0].targets.is_none());
}

fn https(stack_region: &str, certificate_region: &str, regions: &str) -> String {
    format!(
        r#"stack s {{
    region {stack_region}
    layer web type=php-app {{
        load-balancer {{ listener https certificate="arn:aws:acm:{certificate_region}:123456789012:certificate/abc" }}
        scaling {{ instances min=2 max=4 }}
    }}
    environment production {{
        targets {{ account "111111111111" regions="{regions}" }}
    }}
}}"#
    )
}

#[test]
fn a_certificate_must_be_in_every_target_region_not_the_stack_s() {
    // The StackSet is administered from eu-west-1; its one target region
    // is the certificate's.
    assert!(codes(&https("eu-west-1", "us-east-1", "us-east-1")).is_empty());
    assert_eq!(
        codes(&https("eu-west-1", "eu-west-1", "eu-west-1 us-east-1")),
        [Code::CertificateRegion]
    );
    let opts = crate::check::Options {
        base_dir: std::path::Path::new("/stack"),
        files: &crate::check::AllExist,
    };
    let diags = crate::check::check_source(
        &https("eu-west-1", "eu-west-1", "us-east-1 eu-west-1 ap-south-1"),
        &opts,
    )
    .1;
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(
        diags[0]
            .message
            .ends_with("target regions us-east-1, ap-south-1"),
        "{}",
        diags[0].message
    );
}

fn existing_vpc(targets: &str) -> String {
    format!(
        r#"stack s {{
    region eu-west-1
    network {{ vpc id=vpc-0a1b public-subnets="subnet-a subnet-b" private-subnets="subnet-c subnet-d" }}
    layer box type=custom
    environment production {{ targets {{ {targets} }} }}
}}"#
    )
}

#[test]
fn an_existing_vpc_serves_one_account_in_one_region_only() {
    let p = program(&existing_vpc(
        r#"account "111111111111" regions="eu-west-1""#,
    ));
    assert!(matches!(
        p.environments[0].network,
        Network::Existing { .. }
    ));
    for several in [
        r#"account "111111111111" regions="eu-west-1 us-east-1""#,
        r#"account "111111111111" regions="eu-west-1"; account "222222222222" regions="eu-west-1""#,
        r#"organizational-unit "ou-ab12-34cd56ef" regions="eu-west-1""#,
    ] {
        assert_eq!(
            codes(&existing_vpc(several)),
            [Code::ExistingVpcInTargets],
            "{several}"
        );
    }
}

#[test]
fn each_mistake_of_a_target_is_its_own_error() {
    let src = r#"stack s {
    region eu-west-1
    layer box type=custom
    environment production {
        targets {
            account "111111111111" regions="eu-west-1 eu-west-1"
            account "1111-1111-1111" regions="eu-west-1"
            account "222222222222" regions="mars-north-1,eu-west-1"
            account "333333333333"
        }
    }
}"#;
    assert_eq!(
        codes(src),
        [
            Code::DuplicateTarget,
            Code::BadAccountId,
            Code::UnknownRegion,
            Code::MissingProperty,
        ]
    );
    // Commas separate regions as spaces do.
    let p = program(
        r#"stack s { region eu-west-1; layer box type=custom; environment production { targets { account "111111111111" regions="eu-west-1,us-east-1" } } }"#,
    );
    assert_eq!(p.environments[0].regions(), ["eu-west-1", "us-east-1"]);
}
