//! A layer's load balancer: listeners and health check.

use crate::check::targets::Home;
use crate::check::{duplicate, firsts, Checker};
use crate::diag::{did_you_mean, Code, Diagnostic, Span};
use crate::ir::{HealthCheck, Listener, LoadBalancer};
use crate::schema::nodes;
use crate::stdlib::LayerType;
use crate::syntax::Node;
use crate::units;

impl Checker<'_> {
    pub(super) fn load_balancer(
        &mut self,
        node: &Node,
        ty: &LayerType,
        home: Home,
    ) -> Option<(LoadBalancer, u16)> {
        let kids = self.shape(node, &nodes::LOAD_BALANCER);
        let port = match (node.prop("port"), ty.http_port) {
            (Some(v), None) if ty.user_http_port => self.int(v, "port", 1, 65535)? as u16,
            (None, None) if ty.user_http_port => {
                self.push(
                    Diagnostic::error(
                        Code::NoHttpPort,
                        node.name_span,
                        format!(
                            "a {} layer's load balancer needs the port its recipes serve HTTP on",
                            ty.name
                        ),
                    )
                    .label("which port?")
                    .help("name it: `load-balancer port=8080 { listener http }`"),
                );
                return None;
            }
            (Some(v), Some(fixed)) => {
                self.push(
                    Diagnostic::error(Code::FixedHttpPort, v.span, format!("layer type `{}` serves HTTP on port {fixed}, which its built-in recipes set", ty.name))
                        .label("not for this layer type")
                        .help(format!("remove `port=`: the {} recipes listen on {fixed} (a custom layer names its port)", ty.name)),
                );
                return None;
            }
            (_, Some(fixed)) => fixed,
            (_, None) => {
                self.push(
                    Diagnostic::error(Code::NoHttpPort, node.name_span, format!("layer type `{}` serves no HTTP, so it cannot take a load balancer", ty.name))
                        .help("put the load balancer on an app server layer (php-app, nodejs-app, java-app, static-web, haproxy) or a custom layer with `port=`"),
                );
                return None;
            }
        };
        let mut listeners: Vec<(Listener, Span)> = Vec::new();
        let defaults = ty.health_check.clone();
        let mut health = HealthCheck {
            path: defaults.as_ref().map_or("/".into(), |d| d.path.clone()),
            interval_secs: defaults.as_ref().map_or(30, |d| d.interval_secs),
            healthy: defaults.as_ref().map_or(2, |d| d.healthy),
            unhealthy: defaults.as_ref().map_or(3, |d| d.unhealthy),
        };
        let mut ok = true;
        for kid in kids {
            let before = self.errors;
            match kid.name.as_str() {
                "listener" => {
                    if let Some(l) = self.listener(kid, home) {
                        let same = |a: &Listener, b: &Listener| {
                            std::mem::discriminant(a) == std::mem::discriminant(b)
                        };
                        if let Some((_, first)) = listeners.iter().find(|(x, _)| same(x, &l)) {
                            self.push(duplicate(
                                "listener",
                                if matches!(l, Listener::Http) {
                                    "http"
                                } else {
                                    "https"
                                },
                                kid.name_span,
                                *first,
                            ));
                        } else {
                            listeners.push((l, kid.name_span));
                        }
                    }
                }
                "health-check" => self.health_check(kid, &mut health),
                _ => {}
            }
            ok &= self.errors == before;
        }
        if listeners.is_empty() {
            listeners.push((Listener::Http, node.name_span));
        }
        ok.then(|| {
            (
                LoadBalancer {
                    listeners: firsts(listeners),
                    health_check: health,
                },
                port,
            )
        })
    }

    fn listener(&mut self, node: &Node, home: Home) -> Option<Listener> {
        self.shape(node, &nodes::LISTENER);
        let v = self.arg(node, 0, "a protocol (http or https)")?;
        match self.string(v, "protocol")? {
            "http" => {
                if let Some(c) = node.prop("certificate") {
                    self.push(
                        Diagnostic::error(
                            Code::UnknownProperty,
                            c.span,
                            "an http listener takes no certificate",
                        )
                        .help("write `listener https certificate=...` for TLS"),
                    );
                    return None;
                }
                Some(Listener::Http)
            }
            "https" => {
                let c = self.prop(node, "certificate", true)?;
                let text = self.string(c, "certificate")?;
                match units::arn(text) {
                    Ok(arn) if arn.service == "acm" && arn.resource.starts_with("certificate/") => {
                        if let Some(d) = home.certificate(arn.region, c.span) {
                            self.push(d);
                            return None;
                        }
                        Some(Listener::Https {
                            certificate: text.into(),
                        })
                    }
                    Ok(_) => {
                        self.push(
                            Diagnostic::error(Code::BadArn, c.span, "not an ACM certificate ARN")
                                .label("expected arn:aws:acm:REGION:ACCOUNT:certificate/ID")
                                .help("copy the certificate's ARN from the ACM console or `aws acm list-certificates`"),
                        );
                        None
                    }
                    Err(message) => {
                        self.push(
                            Diagnostic::error(Code::BadArn, c.span, message)
                                .label("invalid ARN")
                                .help("copy the certificate's ARN from the ACM console or `aws acm list-certificates`"),
                        );
                        None
                    }
                }
            }
            other => {
                self.push(
                    Diagnostic::error(
                        Code::WrongType,
                        v.span,
                        format!("unknown listener protocol `{other}`"),
                    )
                    .help(did_you_mean(other, &["http", "https"])),
                );
                None
            }
        }
    }

    fn health_check(&mut self, node: &Node, health: &mut HealthCheck) {
        self.shape(node, &nodes::HEALTH_CHECK);
        if let Some(v) = node.prop("path") {
            if let Some(p) = self
                .parsed(v, "health-check path", Code::BadPath, |s| {
                    if s.starts_with('/') {
                        Ok(s.to_string())
                    } else {
                        Err(format!("`{s}` must start with `/`"))
                    }
                })
                .filter(|p| self.no_control(v.span, p, "health-check path"))
            {
                health.path = p;
            }
        }
        if let Some(v) = node.prop("interval") {
            if let Some(secs) = self.duration(v, "interval") {
                if (5..=300).contains(&secs) {
                    health.interval_secs = secs;
                } else {
                    self.push(
                        Diagnostic::error(
                            Code::OutOfRange,
                            v.span,
                            "a health-check interval is 5s to 300s",
                        )
                        .label("out of range"),
                    );
                }
            }
        }
        for (key, slot) in [
            ("healthy", &mut health.healthy),
            ("unhealthy", &mut health.unhealthy),
        ] {
            if let Some(v) = node.prop(key) {
                if let Some(n) = self.int(v, key, 2, 10) {
                    *slot = n as u32;
                }
            }
        }
    }
}
