//! An app's nodes: its source, site, environment, secrets and database.

use super::*;

pub(crate) const APP: NodeDef = NodeDef {
    name: "app",
    syntax: "app NAME type=php layer=L { ... }",
    args: Args::one(Value::Name),
    props: &[
        prop("type", Value::OneOf(&crate::ir::AppType::NAMES), "required"),
        prop("layer", Value::Layer, "required: the layer that runs it"),
    ],
    block: Block::Required(Kids::of(&[SOURCE, SITE, ENV, SECRET, DATABASE])),
    once: false,
    doc: "An app, deployed on its layer's instances.",
    default: None,
};

pub(crate) const SOURCE: NodeDef = NodeDef {
    name: "source",
    syntax: "source git=\"https://github.com/acme/shop.git\" revision=v1.4.2",
    args: Args::NONE,
    props: &[
        prop("git", Value::Url, "a repository"),
        prop("s3", Value::Url, "an archive `s3://bucket/app.tar.gz`"),
        prop("http", Value::Url, "an archive `https://.../app.tar.gz`"),
        prop("revision", Value::Revision, "git only; default `main`"),
        prop(
            "ssh-key-secret",
            Value::Secret,
            "git only: the app `secret` holding an SSH deploy key",
        ),
    ],
    block: Block::None,
    once: true,
    doc: "Where the code comes from (required): one of `git=`, `s3=`, `http=`. An `s3=` archive \
          is fetched with the instance role, which may read that object and nothing else in the \
          bucket.",
    default: None,
};

pub(crate) const SITE: NodeDef = NodeDef {
    name: "site",
    syntax: "site shop.example.com alias=www.shop.example.com root=public",
    args: Args::list(Value::Domain),
    props: &[
        prop("alias", Value::Domain, "more names, separated by spaces"),
        prop("root", Value::DocumentRoot, ""),
    ],
    block: Block::None,
    once: false,
    doc: "A virtual host (more aliases as extra arguments).",
    default: None,
};

pub(crate) const ENV: NodeDef = NodeDef {
    name: "env",
    syntax: "env APP_MODE production",
    args: Args {
        max: 2,
        value: Value::Text,
    },
    props: &[],
    block: Block::None,
    once: false,
    doc: "An environment variable: a name and a value (names and values that look secret are \
          refused: write a `secret`).",
    default: None,
};

pub(crate) const SECRET: NodeDef = NodeDef {
    name: "secret",
    syntax: "secret DB_PASSWORD ssm=\"/shop/db-password\"",
    args: Args::one(Value::VariableName),
    props: &[prop("ssm", Value::Parameter, "required")],
    block: Block::None,
    once: false,
    doc: "A variable read from SSM Parameter Store on the instance, at run time; it never \
          enters a template, bundle or log.",
    default: None,
};

pub(crate) const DATABASE: NodeDef = NodeDef {
    name: "database",
    syntax:
        "database host=db.internal name=shop user=shop password-secret=DB_PASSWORD adapter=mysql",
    args: Args::NONE,
    props: &[
        prop("host", Value::DbHost, "required"),
        prop("name", Value::DbName, "required"),
        prop("user", Value::DbName, "required"),
        prop("password-secret", Value::Secret, "an app `secret`"),
        prop("port", Value::Int(1, 65535), ""),
        prop("adapter", Value::OneOf(&["mysql", "postgresql"]), ""),
    ],
    block: Block::None,
    once: true,
    doc: "Connection details (`deploy.APP.database` in node JSON).",
    default: None,
};
