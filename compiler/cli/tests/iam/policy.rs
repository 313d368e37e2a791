//! A small IAM policy evaluator for the templates stackc writes, so tests can
//! ask what a role, topic or key actually allows instead of how its JSON
//! looks. It resolves the intrinsic functions the templates use (Ref,
//! Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split) for a fixed
//! account, region and partition, and evaluates statements the way IAM
//! does: an explicit Deny wins, then any Allow, else the request is denied.
//! Actions match with wildcards and without regard to case, resources with
//! wildcards; conditions support the operators the templates use and fail
//! the test on any other. A managed policy must be known here (its document
//! is copied from AWS's reference) or the test fails.

use serde_json::{json, Map, Value};

pub const ACCOUNT: &str = "123456789012";
pub const PARTITION: &str = "aws";
const STACK_UUID: &str = "5f2a1c3e-0b4d-4e6f-8a9b-0c1d2e3f4a5b";

/// A template with everything needed to resolve its intrinsic functions.
pub struct Env<'t> {
    template: &'t Value,
    region: String,
    stack_name: String,
}

impl<'t> Env<'t> {
    /// The template deployed as stack `stack_name` in `region`; its
    /// parameters resolve to `<param:Name>`.
    pub fn new(template: &'t Value, region: &str, stack_name: &str) -> Self {
        Env {
            template,
            region: region.to_string(),
            stack_name: stack_name.to_string(),
        }
    }

    /// `AWS::StackId` of this deployment.
    pub fn stack_id(&self) -> String {
        format!(
            "arn:{PARTITION}:cloudformation:{}:{ACCOUNT}:stack/{}/{STACK_UUID}",
            self.region, self.stack_name
        )
    }

    /// A resource of the template (panics when it is missing).
    pub fn resource(&self, id: &str) -> &'t Value {
        let r = &self.template["Resources"][id];
        assert!(r.is_object(), "the template has no resource {id}");
        r
    }

    /// Logical ids of the resources of a type.
    pub fn ids_of_type(&self, ty: &str) -> Vec<String> {
        self.template["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == ty)
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn ty(&self, id: &str) -> &str {
        self.resource(id)["Type"].as_str().unwrap()
    }

    /// What `Ref` of a resource returns.
    fn physical(&self, id: &str) -> String {
        let p = &self.resource(id)["Properties"];
        let named = |key: &str| -> Option<String> { p.get(key).map(|v| self.string(v)) };
        let generated = format!("{}-{id}-GENERATED", self.stack_name);
        match self.ty(id) {
            "AWS::SSM::Document" | "AWS::SSM::Parameter" => named("Name").unwrap_or(generated),
            "AWS::Events::Rule" => named("Name").unwrap_or(generated),
            "AWS::Logs::LogGroup" => named("LogGroupName").unwrap_or(generated),
            "AWS::AutoScaling::AutoScalingGroup" => {
                named("AutoScalingGroupName").unwrap_or(generated)
            }
            "AWS::SNS::Topic" => {
                format!("arn:{PARTITION}:sns:{}:{ACCOUNT}:{generated}", self.region)
            }
            "AWS::S3::Bucket" => generated.to_lowercase(),
            "AWS::KMS::Key" => format!("key-{id}"),
            _ => generated,
        }
    }

    /// What `Fn::GetAtt` of a resource returns.
    fn attribute(&self, id: &str, attr: &str) -> String {
        let name = self.physical(id);
        let r = &self.region;
        match (self.ty(id), attr) {
            ("AWS::IAM::Role", "Arn") => format!("arn:{PARTITION}:iam::{ACCOUNT}:role/{name}"),
            ("AWS::Logs::LogGroup", "Arn") => {
                format!("arn:{PARTITION}:logs:{r}:{ACCOUNT}:log-group:{name}:*")
            }
            ("AWS::KMS::Key", "Arn") => format!("arn:{PARTITION}:kms:{r}:{ACCOUNT}:key/{name}"),
            ("AWS::Events::Rule", "Arn") => {
                format!("arn:{PARTITION}:events:{r}:{ACCOUNT}:rule/{name}")
            }
            ("AWS::S3::Bucket", "Arn") => format!("arn:{PARTITION}:s3:::{name}"),
            ("AWS::SNS::Topic", "TopicArn") => name,
            (ty, attr) => panic!("the evaluator does not know {ty}.{attr} ({id})"),
        }
    }

    fn reference(&self, name: &str) -> String {
        match name {
            "AWS::Partition" => PARTITION.to_string(),
            "AWS::Region" => self.region.clone(),
            "AWS::AccountId" => ACCOUNT.to_string(),
            "AWS::StackName" => self.stack_name.clone(),
            "AWS::StackId" => self.stack_id(),
            "AWS::URLSuffix" => "amazonaws.com".to_string(),
            _ if self.template["Parameters"].get(name).is_some() => format!("<param:{name}>"),
            _ => self.physical(name),
        }
    }

    fn substitute(&self, text: &str, vars: &Map<String, Value>) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').expect("a closed ${...}");
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(&self.string(v));
            } else if let Some((id, attr)) = name.split_once('.') {
                out.push_str(&self.attribute(id, attr));
            } else {
                out.push_str(&self.reference(name));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// A value with every intrinsic function resolved.
    pub fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::Array(items) => Value::Array(items.iter().map(|i| self.resolve(i)).collect()),
            Value::Object(m) if m.len() == 1 && m.keys().next().unwrap().starts_with("Fn::") => {
                let (f, arg) = m.iter().next().unwrap();
                match f.as_str() {
                    "Fn::GetAtt" => {
                        let id = arg[0].as_str().unwrap();
                        json!(self.attribute(id, arg[1].as_str().unwrap()))
                    }
                    "Fn::Sub" => match arg {
                        Value::String(s) => json!(self.substitute(s, &Map::new())),
                        Value::Array(a) => {
                            json!(self.substitute(a[0].as_str().unwrap(), a[1].as_object().unwrap()))
                        }
                        _ => panic!("bad Fn::Sub {arg}"),
                    },
                    "Fn::Join" => {
                        let sep = arg[0].as_str().unwrap();
                        let parts = self.resolve(&arg[1]);
                        let parts: Vec<String> = parts
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| p.as_str().unwrap().to_string())
                            .collect();
                        json!(parts.join(sep))
                    }
                    "Fn::Select" => {
                        let i = arg[0].as_u64().unwrap() as usize;
                        self.resolve(&arg[1])[i].clone()
                    }
                    "Fn::Split" => {
                        let sep = arg[0].as_str().unwrap();
                        let text = self.string(&arg[1]);
                        json!(text.split(sep).collect::<Vec<_>>())
                    }
                    other => panic!("the evaluator does not know {other}"),
                }
            }
            Value::Object(m) if m.len() == 1 && m.contains_key("Ref") => {
                json!(self.reference(m["Ref"].as_str().unwrap()))
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A value that resolves to a string.
    pub fn string(&self, v: &Value) -> String {
        match self.resolve(v) {
            Value::String(s) => s,
            other => panic!("{v} resolves to {other}, not a string"),
        }
    }

    /// The policies in force for a role: its inline policies, its managed
    /// policies, and policies of the template attached to it.
    pub fn role_policies(&self, role: &str) -> Vec<Value> {
        let r = self.resource(role);
        assert_eq!(r["Type"], "AWS::IAM::Role", "{role}");
        let p = &r["Properties"];
        let mut out: Vec<Value> = Vec::new();
        for inline in p["Policies"].as_array().into_iter().flatten() {
            out.push(self.resolve(&inline["PolicyDocument"]));
        }
        for arn in p["ManagedPolicyArns"].as_array().into_iter().flatten() {
            out.push(managed(&self.string(arn)));
        }
        for (id, other) in self.template["Resources"].as_object().unwrap() {
            let ty = other["Type"].as_str().unwrap();
            if ty != "AWS::IAM::Policy" && ty != "AWS::IAM::ManagedPolicy" {
                continue;
            }
            let attached = other["Properties"]["Roles"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|v| v == &json!({ "Ref": role }));
            if attached {
                assert!(id != role);
                out.push(self.resolve(&other["Properties"]["PolicyDocument"]));
            }
        }
        out
    }

    /// A role's trust policy.
    pub fn trust_policy(&self, role: &str) -> Value {
        self.resolve(&self.resource(role)["Properties"]["AssumeRolePolicyDocument"])
    }
}

/// AWS managed policies the evaluator knows (the default version's
/// document, from the AWS Managed Policy reference).
fn managed(arn: &str) -> Value {
    let name = arn
        .strip_prefix(&format!("arn:{PARTITION}:iam::aws:policy/"))
        .unwrap_or_else(|| panic!("{arn} is not an AWS managed policy"));
    match name {
        "AmazonSSMManagedInstanceCore" => json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [
                        "ssm:DescribeAssociation",
                        "ssm:GetDeployablePatchSnapshotForInstance",
                        "ssm:GetDocument",
                        "ssm:DescribeDocument",
                        "ssm:GetManifest",
                        "ssm:GetParameter",
                        "ssm:GetParameters",
                        "ssm:ListAssociations",
                        "ssm:ListInstanceAssociations",
                        "ssm:PutInventory",
                        "ssm:PutComplianceItems",
                        "ssm:PutConfigurePackageResult",
                        "ssm:UpdateAssociationStatus",
                        "ssm:UpdateInstanceAssociationStatus",
                        "ssm:UpdateInstanceInformation"
                    ],
                    "Resource": "*"
                },
                {
                    "Effect": "Allow",
                    "Action": [
                        "ssmmessages:CreateControlChannel",
                        "ssmmessages:CreateDataChannel",
                        "ssmmessages:OpenControlChannel",
                        "ssmmessages:OpenDataChannel"
                    ],
                    "Resource": "*"
                },
                {
                    "Effect": "Allow",
                    "Action": [
                        "ec2messages:AcknowledgeMessage",
                        "ec2messages:DeleteMessage",
                        "ec2messages:FailMessage",
                        "ec2messages:GetEndpoint",
                        "ec2messages:GetMessages",
                        "ec2messages:SendReply"
                    ],
                    "Resource": "*"
                }
            ]
        }),
        other => panic!("the evaluator does not know the managed policy {other}; add its document"),
    }
}

/// Who makes a request (for resource-based and trust policies).
#[derive(Debug, Clone)]
pub enum Principal {
    /// A role or user of an account (identity-based policies carry no
    /// Principal; a resource policy's `AWS` principal matches its ARN or
    /// its account's root).
    Aws(String),
    /// A service principal such as `events.amazonaws.com`.
    Service(String),
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request {
    pub principal: Option<Principal>,
    pub action: String,
    pub resource: String,
    pub context: Vec<(String, Vec<String>)>,
}

impl Request {
    /// An identity's request (the policies evaluated are its own).
    pub fn new(action: &str, resource: &str) -> Self {
        Request {
            principal: None,
            action: action.to_string(),
            resource: resource.to_string(),
            context: Vec::new(),
        }
    }

    /// A request a service makes (evaluated against resource policies).
    pub fn by_service(service: &str, action: &str, resource: &str) -> Self {
        Request {
            principal: Some(Principal::Service(service.to_string())),
            ..Request::new(action, resource)
        }
    }

    /// A request of an AWS identity (evaluated against resource policies).
    pub fn by_identity(arn: &str, action: &str, resource: &str) -> Self {
        Request {
            principal: Some(Principal::Aws(arn.to_string())),
            ..Request::new(action, resource)
        }
    }

    /// Adds a condition key's value.
    pub fn with(mut self, key: &str, value: &str) -> Self {
        match self
            .context
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some((_, values)) => values.push(value.to_string()),
            None => self
                .context
                .push((key.to_string(), vec![value.to_string()])),
        }
        self
    }

    fn values(&self, key: &str) -> Option<&[String]> {
        self.context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_slice())
    }
}

/// `*` and `?` wildcards; `case` false compares ASCII case-insensitively.
pub fn wildcard(pattern: &str, text: &str, case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if case {
        (pattern.chars().collect(), text.chars().collect())
    } else {
        (
            pattern.to_ascii_lowercase().chars().collect(),
            text.to_ascii_lowercase().chars().collect(),
        )
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        other => panic!("a policy value that is not a string: {other}"),
    }
}

/// `${key}` policy variables in a policy value, from the request; `None`
/// when one is missing (the statement then does not apply).
fn variables(text: &str, req: &Request) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let key = &after[..end];
        match key {
            "*" | "?" | "$" => out.push_str(key),
            _ => out.push_str(req.values(key)?.first()?),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

fn principal_matches(p: &Value, who: &Principal) -> bool {
    if p == "*" {
        return true;
    }
    let p = p.as_object().expect("Principal is * or an object");
    for (kind, values) in p {
        for v in strings(values) {
            let hit = match (kind.as_str(), who) {
                ("Service", Principal::Service(s)) => &v == s,
                ("AWS", Principal::Aws(arn)) => {
                    v == "*"
                        || &v == arn
                        || arn.split(':').nth(4).is_some_and(|account| {
                            v == account || v == format!("arn:{PARTITION}:iam::{account}:root")
                        })
                }
                ("Service" | "AWS" | "Federated" | "CanonicalUser", _) => false,
                (other, _) => panic!("the evaluator does not know principals of kind {other}"),
            };
            if hit {
                return true;
            }
        }
    }
    false
}

fn condition_matches(op: &str, key: &str, wanted: &Value, req: &Request) -> bool {
    let (set, op) = match op.split_once(':') {
        Some((set @ ("ForAllValues" | "ForAnyValue"), op)) => (Some(set), op),
        Some(_) => panic!("the evaluator does not know the condition operator {op}"),
        None => (None, op),
    };
    let (op, if_exists) = match op.strip_suffix("IfExists") {
        Some(op) => (op, true),
        None => (op, false),
    };
    let (base, negated) = match op {
        "StringEquals" | "StringLike" | "ArnEquals" | "ArnLike" | "Bool" => (op, false),
        "StringNotEquals" => ("StringEquals", true),
        "StringNotLike" => ("StringLike", true),
        "ArnNotEquals" => ("ArnEquals", true),
        "ArnNotLike" => ("ArnLike", true),
        other => panic!("the evaluator does not know the condition operator {other}"),
    };
    let wanted: Vec<String> = strings(wanted)
        .iter()
        .filter_map(|w| variables(w, req))
        .collect();
    let one = |value: &str| {
        wanted.iter().any(|w| match base {
            "StringEquals" | "ArnEquals" => w == value,
            "StringLike" | "ArnLike" => wildcard(w, value, true),
            "Bool" => w.eq_ignore_ascii_case(value),
            _ => unreachable!(),
        })
    };
    let Some(values) = req.values(key) else {
        return match set {
            Some("ForAllValues") => true,
            Some(_) => false,
            None => if_exists || negated,
        };
    };
    let matched = match set {
        Some("ForAllValues") => values.iter().all(|v| one(v)),
        _ => values.iter().any(|v| one(v)),
    };
    matched != negated
}

fn statement_applies(s: &Value, req: &Request) -> bool {
    let action_hit = |v: &Value| strings(v).iter().any(|a| wildcard(a, &req.action, false));
    let actions = match (s.get("Action"), s.get("NotAction")) {
        (Some(a), None) => action_hit(a),
        (None, Some(a)) => !action_hit(a),
        _ => panic!("a statement needs Action or NotAction: {s}"),
    };
    if !actions {
        return false;
    }
    let resource_hit = |v: &Value| {
        strings(v)
            .iter()
            .filter_map(|r| variables(r, req))
            .any(|r| wildcard(&r, &req.resource, true))
    };
    let resources = match (s.get("Resource"), s.get("NotResource")) {
        (Some(r), None) => resource_hit(r),
        (None, Some(r)) => !resource_hit(r),
        // A trust policy's resource is the role itself.
        (None, None) => true,
        _ => panic!("Resource and NotResource together: {s}"),
    };
    if !resources {
        return false;
    }
    match (s.get("Principal"), &req.principal) {
        (Some(p), Some(who)) => {
            if !principal_matches(p, who) {
                return false;
            }
        }
        (None, None) => {}
        (Some(_), None) => panic!("a resource policy evaluated for an identity's own request"),
        (None, Some(_)) => return false,
    }
    if s.get("NotPrincipal").is_some() {
        panic!("the evaluator does not know NotPrincipal");
    }
    let Some(conditions) = s.get("Condition") else {
        return true;
    };
    conditions.as_object().unwrap().iter().all(|(op, keys)| {
        keys.as_object()
            .unwrap()
            .iter()
            .all(|(key, wanted)| condition_matches(op, key, wanted, req))
    })
}

/// The decision of IAM for one request under these policy documents.
pub fn allowed(policies: &[Value], req: &Request) -> bool {
    let mut allow = false;
    for doc in policies {
        assert_eq!(doc["Version"], "2012-10-17", "{doc}");
        let statements = match &doc["Statement"] {
            Value::Array(a) => a.clone(),
            one @ Value::Object(_) => vec![one.clone()],
            other => panic!("bad Statement {other}"),
        };
        for s in &statements {
            if !statement_applies(s, req) {
                continue;
            }
            match s["Effect"].as_str() {
                Some("Deny") => return false,
                Some("Allow") => allow = true,
                other => panic!("bad Effect {other:?}"),
            }
        }
    }
    allow
}

#[test]
fn the_evaluator_follows_iam() {
    assert!(wildcard(
        "ssm:GetParameter*",
        "ssm:getparametersbypath",
        false
    ));
    assert!(!wildcard("ssm:GetParameter", "ssm:GetParameters", false));
    assert!(wildcard("arn:aws:s3:::b/*/x", "arn:aws:s3:::b/a/b/x", true));
    assert!(!wildcard("arn:aws:s3:::B/*", "arn:aws:s3:::b/k", true));
    let doc = json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*" },
            { "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*" },
            {
                "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
                "Condition": {
                    "StringEquals": { "aws:ARN": "${ec2:SourceInstanceARN}" },
                    "ForAllValues:StringEquals": { "aws:TagKeys": ["a"] },
                },
            },
        ],
    });
    let docs = [doc];
    assert!(allowed(
        &docs,
        &Request::new("s3:GetObject", "arn:aws:s3:::b/k")
    ));
    assert!(!allowed(
        &docs,
        &Request::new("s3:GetObject", "arn:aws:s3:::c/k")
    ));
    assert!(!allowed(
        &docs,
        &Request::new("s3:DeleteObject", "arn:aws:s3:::b/k")
    ));
    let tag = |on: &str, key: &str| {
        Request::new("ec2:CreateTags", on)
            .with("ec2:SourceInstanceARN", "i-1")
            .with("aws:ARN", on)
            .with("aws:TagKeys", key)
    };
    assert!(allowed(&docs, &tag("i-1", "a")));
    assert!(!allowed(&docs, &tag("i-2", "a")));
    assert!(!allowed(&docs, &tag("i-1", "b")));
    assert!(!allowed(
        &docs,
        &Request::new("ec2:CreateTags", "i-1").with("aws:ARN", "i-1"),
    ));
}
