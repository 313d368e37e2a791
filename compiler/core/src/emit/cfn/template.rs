//! A CloudFormation template under construction, and small builders for the
//! intrinsic functions it uses. Resources keep insertion order, which is
//! deterministic, so the output is byte-stable.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value};

/// A template being built.
#[derive(Debug, Default)]
pub struct Template {
    description: String,
    metadata: Map<String, Value>,
    parameters: Map<String, Value>,
    resources: Map<String, Value>,
    outputs: Map<String, Value>,
}

impl Template {
    /// An empty template with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Template {
            description: description.into(),
            ..Template::default()
        }
    }

    /// Adds an entry to the template's `Metadata`.
    pub fn metadata(&mut self, key: &str, value: Value) {
        self.metadata.insert(key.to_string(), value);
    }

    /// Adds a parameter.
    pub fn parameter(&mut self, id: &str, ty: &str, description: &str) {
        self.parameters.insert(
            id.to_string(),
            json!({ "Type": ty, "Description": description }),
        );
    }

    /// Restricts a parameter's values to a pattern (CloudFormation refuses
    /// others before it changes anything).
    pub fn allowed_pattern(&mut self, id: &str, pattern: &str, constraint: &str) {
        if let Some(p) = self.parameters.get_mut(id).and_then(Value::as_object_mut) {
            p.insert("AllowedPattern".into(), json!(pattern));
            p.insert("ConstraintDescription".into(), json!(constraint));
        }
    }

    /// Adds a resource and returns it for further settings.
    pub fn resource(&mut self, id: &str, ty: &str, properties: Value) -> Resource<'_> {
        self.resources.insert(
            id.to_string(),
            json!({ "Type": ty, "Properties": properties }),
        );
        Resource(
            self.resources
                .get_mut(id)
                .and_then(Value::as_object_mut)
                .expect("just inserted"),
        )
    }

    /// Adds an output, exported as `<stack name>-<id>`.
    pub fn output(&mut self, id: &str, description: &str, value: Value) {
        self.outputs.insert(
            id.to_string(),
            json!({ "Description": description, "Value": value }),
        );
    }

    /// Reserves the place of a resource that is made only when the template
    /// is written, by the function given to [`Template::made`].
    pub fn later(&mut self, id: &str) {
        self.resources.insert(id.to_string(), Value::Null);
    }

    /// The template for writing, with `make` making each resource reserved
    /// by [`Template::later`] from its id.
    pub fn made<'a>(&'a self, make: &'a dyn Fn(&str) -> Value) -> Made<'a> {
        Made { head: self, make }
    }

    /// Number of resources.
    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    /// The bytes of its description and parameters, serialized alone: what
    /// a nested template has and the same resources in one template do not.
    pub fn header_len(&self, format: super::Format) -> usize {
        super::serialize(&self.parameters, format).len()
            + super::serialize(&self.description, format).len()
    }

    /// The template as JSON.
    pub fn into_value(self) -> Value {
        let mut t = Map::new();
        t.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        t.insert("Description".into(), json!(self.description));
        if !self.metadata.is_empty() {
            t.insert("Metadata".into(), Value::Object(self.metadata));
        }
        if !self.parameters.is_empty() {
            t.insert("Parameters".into(), Value::Object(self.parameters));
        }
        t.insert("Resources".into(), Value::Object(self.resources));
        if !self.outputs.is_empty() {
            t.insert("Outputs".into(), Value::Object(self.outputs));
        }
        Value::Object(t)
    }
}

/// A template with resources made only as they are written (see
/// [`Template::later`]): a root template of hundreds of nested stacks is never
/// whole in memory. Serializes exactly as the template's
/// [`Template::into_value`] with those resources made would.
pub struct Made<'a> {
    head: &'a Template,
    make: &'a dyn Fn(&str) -> Value,
}

impl Serialize for Made<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Resources<'b>(&'b Made<'b>);
        impl Serialize for Resources<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let resources = &self.0.head.resources;
                let mut map = serializer.serialize_map(Some(resources.len()))?;
                for (id, r) in resources {
                    if r.is_null() {
                        map.serialize_entry(id, &(self.0.make)(id))?;
                    } else {
                        map.serialize_entry(id, r)?;
                    }
                }
                map.end()
            }
        }
        let t = self.head;
        let len = 3
            + usize::from(!t.metadata.is_empty())
            + usize::from(!t.parameters.is_empty())
            + usize::from(!t.outputs.is_empty());
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("AWSTemplateFormatVersion", "2010-09-09")?;
        map.serialize_entry("Description", &t.description)?;
        if !t.metadata.is_empty() {
            map.serialize_entry("Metadata", &t.metadata)?;
        }
        if !t.parameters.is_empty() {
            map.serialize_entry("Parameters", &t.parameters)?;
        }
        map.serialize_entry("Resources", &Resources(self))?;
        if !t.outputs.is_empty() {
            map.serialize_entry("Outputs", &t.outputs)?;
        }
        map.end()
    }
}

/// A resource just added, for optional attributes.
pub struct Resource<'a>(&'a mut Map<String, Value>);

impl Resource<'_> {
    /// Sets `DependsOn`.
    pub fn depends_on(self, ids: &[&str]) -> Self {
        if !ids.is_empty() {
            self.0.insert("DependsOn".into(), json!(ids));
        }
        self
    }

    /// Records checkov checks that do not apply, each with the reason.
    pub fn skip_checks(self, checks: &[(&str, &str)]) -> Self {
        let skips: Vec<Value> = checks
            .iter()
            .map(|(id, comment)| json!({ "id": id, "comment": comment }))
            .collect();
        self.0
            .insert("Metadata".into(), json!({ "checkov": { "skip": skips } }));
        self
    }

    /// Sets a top-level attribute (`UpdatePolicy`, `DeletionPolicy`, ...).
    pub fn attribute(self, key: &str, value: Value) -> Self {
        self.0.insert(key.into(), value);
        self
    }
}

/// `{"Ref": id}`.
pub fn r#ref(id: &str) -> Value {
    json!({ "Ref": id })
}

/// `{"Fn::GetAtt": [id, attr]}`.
pub fn get_att(id: &str, attr: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attr] })
}

/// `{"Fn::Sub": text}`.
pub fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

/// `<prefix>/<the id of the CloudFormation stack>`: a name that stays for
/// the stack's life and is new when the stack is made again, for resources
/// `stackc destroy` keeps (a fixed name would make the next deploy fail with
/// "already exists").
pub fn per_deployment(prefix: &str) -> Value {
    json!({ "Fn::Join": ["", [
        format!("{prefix}/"),
        { "Fn::Select": [2, { "Fn::Split": ["/", { "Ref": "AWS::StackId" }] }] },
    ]] })
}

/// `web-api` → `WebApi`: a layer or alarm name as part of a logical id.
pub fn pascal(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Resource tags.
pub fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(k, v)| json!({ "Key": k, "Value": v }))
            .collect(),
    )
}

/// An IAM policy document.
pub fn policy_document(statements: Vec<Value>) -> Value {
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The trust policy of an instance role. EC2 sets neither
/// `aws:SourceAccount` nor `aws:SourceArn` when an instance profile's role
/// is assumed, so there is no condition to add; `iam:PassRole` (which never
/// passes a role to another account) is what guards it.
pub fn instance_trust() -> Value {
    policy_document(vec![json!({
        "Effect": "Allow",
        "Principal": { "Service": "ec2.amazonaws.com" },
        "Action": "sts:AssumeRole",
    })])
}

/// The trust policy of a role a service assumes on this stack's behalf:
/// only for this account's resources (`aws:SourceAccount`) matching
/// `source_arn` (`aws:SourceArn`), so no one can make the service act with
/// it from elsewhere (the confused deputy).
pub fn service_trust(service: &str, source_arn: Value) -> Value {
    policy_document(vec![json!({
        "Effect": "Allow",
        "Principal": { "Service": service },
        "Action": "sts:AssumeRole",
        "Condition": {
            "StringEquals": { "aws:SourceAccount": r#ref("AWS::AccountId") },
            "ArnLike": { "aws:SourceArn": source_arn },
        },
    })])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_made_later_serialize_as_if_made_at_once() {
        use crate::emit::{cfn::serialize, Format};
        let make =
            |id: &str| json!({ "Type": "AWS::CloudFormation::Stack", "Properties": { "Id": id } });
        let mut lazy = Template::new("t");
        let mut eager = Template::new("t");
        for t in [&mut lazy, &mut eager] {
            t.parameter("P", "String", "p");
            t.resource("A", "AWS::SNS::Topic", json!({}));
        }
        lazy.later("BStack");
        eager.resource(
            "BStack",
            "AWS::CloudFormation::Stack",
            json!({ "Id": "BStack" }),
        );
        for t in [&mut lazy, &mut eager] {
            t.resource("C", "AWS::SNS::Topic", json!({ "X": [] }));
            t.output("O", "o", r#ref("A"));
        }
        let eager = eager.into_value();
        for format in [Format::Json, Format::Yaml] {
            assert_eq!(
                serialize(&lazy.made(&make), format),
                serialize(&eager, format)
            );
        }
    }

    #[test]
    fn pascal_case_ids() {
        assert_eq!(pascal("web"), "Web");
        assert_eq!(pascal("web-api"), "WebApi");
        assert_eq!(pascal("errors-5xx"), "Errors5xx");
    }
}
