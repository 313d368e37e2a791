//! The VPC stackc creates: public and private subnets per zone, an internet
//! gateway, NAT gateways (one per zone or a single one) and routes, an S3
//! gateway endpoint on the private route tables, plus VPC flow logs to an
//! encrypted log group.

use serde_json::{json, Value};

use super::template::{
    get_att, per_deployment, policy_document, r#ref, service_trust, sub, tags, Template,
};
use crate::ir::{Nat, Network, Stack};
use crate::units::Ipv4Net;

/// How the rest of the template reaches the network.
pub struct NetworkRefs {
    /// The VPC id.
    pub vpc_id: Value,
    /// Public subnet ids (load balancers, NAT).
    pub public_subnets: Vec<Value>,
    /// Private subnet ids (instances).
    pub private_subnets: Vec<Value>,
}

/// Adds the network resources (for `vpc cidr=`) and returns the references.
pub fn emit(t: &mut Template, stack: &Stack, key_arn: &Value) -> NetworkRefs {
    match &stack.network {
        Network::Existing {
            vpc_id,
            public_subnets,
            private_subnets,
        } => NetworkRefs {
            vpc_id: json!(vpc_id),
            public_subnets: public_subnets.iter().map(|s| json!(s)).collect(),
            private_subnets: private_subnets.iter().map(|s| json!(s)).collect(),
        },
        Network::NewVpc { cidr, zones, nat } => {
            new_vpc(t, stack, cidr, usize::from(*zones), *nat, key_arn)
        }
    }
}

fn new_vpc(
    t: &mut Template,
    stack: &Stack,
    cidr: &Ipv4Net,
    zones: usize,
    nat: Nat,
    key_arn: &Value,
) -> NetworkRefs {
    let qualified = stack.qualified_name();
    t.resource(
        "Vpc",
        "AWS::EC2::VPC",
        json!({
            "CidrBlock": cidr.to_string(),
            "EnableDnsHostnames": true,
            "EnableDnsSupport": true,
            "Tags": tags(&[("Name", &qualified)]),
        }),
    );
    // Flow logs: rejected and accepted traffic, kept like the layers' logs
    // (also by `stackc destroy`). `_` keeps the name apart from a layer's.
    t.resource(
        "VpcFlowLogGroup",
        "AWS::Logs::LogGroup",
        json!({
            "LogGroupName": per_deployment(&format!("/stackc/{qualified}/_vpc-flow-logs")),
            "RetentionInDays": 90,
            "KmsKeyId": key_arn,
        }),
    )
    .attribute("DeletionPolicy", json!("Retain"))
    .attribute("UpdateReplacePolicy", json!("Retain"));
    t.resource(
        "VpcFlowLogRole",
        "AWS::IAM::Role",
        json!({
            "AssumeRolePolicyDocument": service_trust(
                "vpc-flow-logs.amazonaws.com",
                sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*"),
            ),
            "Policies": [{
                "PolicyName": "flow-logs",
                "PolicyDocument": policy_document(vec![json!({
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": [get_att("VpcFlowLogGroup", "Arn")],
                })]),
            }],
        }),
    );
    t.resource(
        "VpcFlowLog",
        "AWS::EC2::FlowLog",
        json!({
            "ResourceId": r#ref("Vpc"),
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": r#ref("VpcFlowLogGroup"),
            "DeliverLogsPermissionArn": get_att("VpcFlowLogRole", "Arn"),
        }),
    );
    t.resource(
        "InternetGateway",
        "AWS::EC2::InternetGateway",
        json!({ "Tags": tags(&[("Name", &qualified)]) }),
    );
    t.resource(
        "InternetGatewayAttachment",
        "AWS::EC2::VPCGatewayAttachment",
        json!({ "VpcId": r#ref("Vpc"), "InternetGatewayId": r#ref("InternetGateway") }),
    );
    t.resource(
        "PublicRouteTable",
        "AWS::EC2::RouteTable",
        json!({ "VpcId": r#ref("Vpc"), "Tags": tags(&[("Name", &format!("{qualified}-public"))]) }),
    );
    t.resource(
        "PublicRoute",
        "AWS::EC2::Route",
        json!({
            "RouteTableId": r#ref("PublicRouteTable"),
            "DestinationCidrBlock": "0.0.0.0/0",
            "GatewayId": r#ref("InternetGateway"),
        }),
    )
    .depends_on(&["InternetGatewayAttachment"]);

    let blocks = cidr.split(zones * 2);
    let mut refs = NetworkRefs {
        vpc_id: r#ref("Vpc"),
        public_subnets: Vec::new(),
        private_subnets: Vec::new(),
    };
    for zone in 0..zones {
        let n = zone + 1;
        let az = json!({ "Fn::Select": [zone, { "Fn::GetAZs": "" }] });
        let public = format!("PublicSubnet{n}");
        let private = format!("PrivateSubnet{n}");
        t.resource(
            &public,
            "AWS::EC2::Subnet",
            json!({
                "VpcId": r#ref("Vpc"),
                "CidrBlock": blocks[zone].to_string(),
                "AvailabilityZone": az,
                "MapPublicIpOnLaunch": false,
                "Tags": tags(&[("Name", &format!("{qualified}-public-{n}"))]),
            }),
        );
        t.resource(
            &format!("{public}RouteTableAssociation"),
            "AWS::EC2::SubnetRouteTableAssociation",
            json!({ "SubnetId": r#ref(&public), "RouteTableId": r#ref("PublicRouteTable") }),
        );
        t.resource(
            &private,
            "AWS::EC2::Subnet",
            json!({
                "VpcId": r#ref("Vpc"),
                "CidrBlock": blocks[zones + zone].to_string(),
                "AvailabilityZone": az,
                "MapPublicIpOnLaunch": false,
                "Tags": tags(&[("Name", &format!("{qualified}-private-{n}"))]),
            }),
        );
        if nat == Nat::PerZone || (nat == Nat::Single && zone == 0) {
            t.resource(
                &format!("NatEip{n}"),
                "AWS::EC2::EIP",
                json!({ "Domain": "vpc", "Tags": tags(&[("Name", &format!("{qualified}-nat-{n}"))]) }),
            )
            .depends_on(&["InternetGatewayAttachment"]);
            t.resource(
                &format!("NatGateway{n}"),
                "AWS::EC2::NatGateway",
                json!({
                    "AllocationId": get_att(&format!("NatEip{n}"), "AllocationId"),
                    "SubnetId": r#ref(&public),
                    "Tags": tags(&[("Name", &format!("{qualified}-nat-{n}"))]),
                }),
            );
        }
        t.resource(
            &format!("PrivateRouteTable{n}"),
            "AWS::EC2::RouteTable",
            json!({ "VpcId": r#ref("Vpc"), "Tags": tags(&[("Name", &format!("{qualified}-private-{n}"))]) }),
        );
        let gateway = match nat {
            Nat::PerZone => Some(n),
            Nat::Single => Some(1),
            Nat::None => None,
        };
        if let Some(gateway) = gateway {
            t.resource(
                &format!("PrivateRoute{n}"),
                "AWS::EC2::Route",
                json!({
                    "RouteTableId": r#ref(&format!("PrivateRouteTable{n}")),
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "NatGatewayId": r#ref(&format!("NatGateway{gateway}")),
                }),
            );
        }
        t.resource(
            &format!("{private}RouteTableAssociation"),
            "AWS::EC2::SubnetRouteTableAssociation",
            json!({
                "SubnetId": r#ref(&private),
                "RouteTableId": r#ref(&format!("PrivateRouteTable{n}")),
            }),
        );
        refs.public_subnets.push(r#ref(&public));
        refs.private_subnets.push(r#ref(&private));
    }
    // The instances reach S3 (the artifact bucket with the bundle and the
    // Cinc package, and Amazon Linux's package repositories, which are S3
    // buckets in each region) without the NAT gateway: no internet route is
    // needed for either, and that traffic costs no NAT processing. No
    // endpoint policy: the instances' roles already say which buckets they
    // read, and a policy here would silently cut recipes off buckets of their
    // own.
    t.resource(
        "S3GatewayEndpoint",
        "AWS::EC2::VPCEndpoint",
        json!({
            "VpcId": r#ref("Vpc"),
            "ServiceName": sub("com.amazonaws.${AWS::Region}.s3"),
            "VpcEndpointType": "Gateway",
            "RouteTableIds": (1..=zones)
                .map(|n| r#ref(&format!("PrivateRouteTable{n}")))
                .collect::<Vec<_>>(),
        }),
    );
    if nat == Nat::None {
        interface_endpoints(t, stack, cidr, zones);
    }
    refs
}

/// The AWS APIs an instance calls, as interface endpoint services: the SSM
/// agent (ssm, ssmmessages, ec2messages), the bootstrap and the agent (ec2
/// tags and the fleet, autoscaling lifecycle actions, cloudformation
/// signals, sns reports, logs) and the CloudWatch agent (monitoring).
const INTERFACE_SERVICES: &[(&str, &str)] = &[
    ("Ssm", "ssm"),
    ("SsmMessages", "ssmmessages"),
    ("Ec2Messages", "ec2messages"),
    ("Ec2", "ec2"),
    ("AutoScaling", "autoscaling"),
    ("CloudFormation", "cloudformation"),
    ("Sns", "sns"),
    ("Logs", "logs"),
    ("Monitoring", "monitoring"),
];

/// The agent lists the stack's load balancers for the node JSON
/// (`opsworks.stack.elb-load-balancers`) when the stack has any.
const LOAD_BALANCER_SERVICE: (&str, &str) = ("ElasticLoadBalancing", "elasticloadbalancing");

/// `nat=none`: no route to the internet, so the private subnets reach the
/// APIs the instances call through interface endpoints (private DNS names,
/// HTTPS from the VPC only). S3 has its gateway endpoint already.
fn interface_endpoints(t: &mut Template, stack: &Stack, cidr: &Ipv4Net, zones: usize) {
    let qualified = stack.qualified_name();
    t.resource(
        "EndpointsSecurityGroup",
        "AWS::EC2::SecurityGroup",
        json!({
            "GroupDescription": format!("stackc {qualified}: HTTPS from the VPC to the AWS API endpoints"),
            "VpcId": r#ref("Vpc"),
            "SecurityGroupIngress": [{
                "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": cidr.to_string(),
                "Description": "HTTPS from the VPC",
            }],
            "SecurityGroupEgress": [{
                "IpProtocol": "-1", "CidrIp": "127.0.0.1/32",
                "Description": "no egress: endpoints only answer",
            }],
            "Tags": tags(&[("Name", &format!("{qualified}-endpoints"))]),
        }),
    );
    let has_lb = stack.layers.iter().any(|l| l.load_balancer.is_some());
    let services = INTERFACE_SERVICES
        .iter()
        .chain(has_lb.then_some(&LOAD_BALANCER_SERVICE));
    for (id, service) in services {
        t.resource(
            &format!("{id}Endpoint"),
            "AWS::EC2::VPCEndpoint",
            json!({
                "VpcId": r#ref("Vpc"),
                "ServiceName": sub(&format!("com.amazonaws.${{AWS::Region}}.{service}")),
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": true,
                "SubnetIds": (1..=zones)
                    .map(|n| r#ref(&format!("PrivateSubnet{n}")))
                    .collect::<Vec<_>>(),
                "SecurityGroupIds": [r#ref("EndpointsSecurityGroup")],
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::units::cidr;

    fn split(text: &str, count: usize) -> Vec<String> {
        cidr(text)
            .unwrap()
            .split(count)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn subnets_split_the_range_evenly() {
        assert_eq!(
            split("10.40.0.0/16", 4),
            [
                "10.40.0.0/18",
                "10.40.64.0/18",
                "10.40.128.0/18",
                "10.40.192.0/18"
            ]
        );
        assert_eq!(split("10.0.0.0/24", 6)[5], "10.0.0.160/27");
        assert_eq!(split("10.0.0.0/16", 2), ["10.0.0.0/17", "10.0.128.0/17"]);
        // The most a VPC takes (6 zones, 12 subnets) fits its smallest range.
        assert_eq!(split("10.0.0.0/24", 12)[11], "10.0.0.176/28");
    }
}
