//! Writing the laid-out diagram as SVG: cards, lines, the legend.

use std::fmt::Write as _;

use super::{
    text_w, Card, Diagram, GAP, LANE, LEGEND_SWATCH, LINE_H, MARGIN, PAD_X, PAD_Y, VPC_LABEL,
    VPC_PAD,
};
use crate::emit::docs::escape::xml;

impl Diagram {
    /// The card of this id, wherever it is.
    pub(super) fn card(&self, id: &str) -> Option<&Card> {
        self.internet
            .iter()
            .chain(self.databases.iter())
            .chain(self.rows.iter().flat_map(|r| {
                r.lb.iter()
                    .chain(std::iter::once(&r.host))
                    .chain(r.apps.iter().map(|(c, _)| c))
            }))
            .find_map(|c| c.find(id))
    }

    pub(super) fn render(&self) -> String {
        let mut s = String::new();
        let (w, h) = (self.width, self.height);
        let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="13">"#
        );
        let _ = writeln!(s, "<title>{} architecture</title>", xml(&self.title[0]));
        s.push_str(STYLE);
        let _ = writeln!(s, r##"<rect class="bg" width="{w}" height="{h}"/>"##);

        for (i, t) in self.title.iter().enumerate() {
            let (class, y) = if i == 0 {
                ("h", self.title_y + 18)
            } else {
                ("sub", self.title_y + 24 + LINE_H * i as i64)
            };
            let _ = writeln!(
                s,
                r#"<text class="{class}" x="{MARGIN}" y="{y}">{}</text>"#,
                xml(t)
            );
        }

        let (vx, vy, vw, vh) = self.vpc;
        let _ = writeln!(
            s,
            r#"<rect class="vpc" x="{vx}" y="{vy}" width="{vw}" height="{vh}" rx="8"/>"#
        );
        let _ = writeln!(
            s,
            r#"<text class="vpc-label" x="{}" y="{}">{}</text>"#,
            vx + 10,
            vy + 18,
            xml(&self.vpc_label)
        );

        if self.rows.is_empty() {
            let _ = writeln!(
                s,
                r#"<text class="sub" x="{}" y="{}">no layers</text>"#,
                vx + VPC_PAD,
                vy + VPC_LABEL + 14
            );
        }

        // Cards first, then the lines between them, so that a line into a
        // co-located layer shows across its host's box.
        for c in self.internet.iter().chain(&self.databases) {
            card(&mut s, c);
        }
        for r in &self.rows {
            if let Some(lb) = &r.lb {
                card(&mut s, lb);
            }
            card(&mut s, &r.host);
            for (app, _) in &r.apps {
                card(&mut s, app);
            }
        }

        if let Some(i) = &self.internet {
            let mid = i.right() + GAP / 2;
            for lb in self.rows.iter().filter_map(|r| r.lb.as_ref()) {
                edge(
                    &mut s,
                    "edge",
                    (i.right(), i.title_mid()),
                    mid,
                    (lb.x, lb.title_mid()),
                    true,
                );
            }
        }
        for (r, label) in self.rows.iter().zip(&self.lb_labels) {
            if let Some(lb) = &r.lb {
                let y = r.host.title_mid();
                let _ = writeln!(
                    s,
                    r#"<path class="edge" d="M{} {y}H{}" marker-end="url(#arrow)"/>"#,
                    lb.right(),
                    r.host.x
                );
                if let Some(label) = label {
                    let _ = writeln!(
                        s,
                        r#"<text class="lbl" x="{}" y="{}">{}</text>"#,
                        lb.right() + 6,
                        y - 6,
                        xml(label)
                    );
                }
            }
            for (app, layer) in &r.apps {
                let Some(layer) = self.card(layer) else {
                    continue;
                };
                let from = (layer.right(), layer.title_mid());
                let mid = r.host.right() + GAP / 2;
                edge(&mut s, "deploy", from, mid, (app.x, app.title_mid()), false);
            }
        }
        for (app, db) in &self.db_edges {
            if let (Some(app), Some(db)) = (self.card(app), self.card(db)) {
                let mid = db.x - GAP / 2;
                edge(
                    &mut s,
                    "edge",
                    (app.right(), app.title_mid()),
                    mid,
                    (db.x, db.title_mid()),
                    true,
                );
            }
        }
        // Shorter links take the lanes nearer the layers, so that links
        // nest rather than cross.
        let mut order: Vec<(i64, &(String, String))> = self
            .links
            .iter()
            .map(|l| {
                let span = match (self.card(&l.0), self.card(&l.1)) {
                    (Some(a), Some(b)) => (a.y - b.y).abs(),
                    _ => 0,
                };
                (span, l)
            })
            .collect();
        order.sort_by_key(|(span, _)| *span);
        for (k, (_, (from, to))) in order.into_iter().enumerate() {
            if let (Some(a), Some(b)) = (self.card(from), self.card(to)) {
                let lane = self.lanes_right - LANE * k as i64;
                // Out of the group's lower left corner; into a host beside
                // its own text (the load balancer's line takes the title's
                // height), or straight into a co-located layer.
                let end_y = if self.rows.iter().any(|r| r.host.id == *to) {
                    b.y + b.text_h() - 20
                } else {
                    b.y + b.h / 2
                };
                let _ = writeln!(
                    s,
                    r#"<path class="link" d="M{} {}H{lane}V{end_y}H{}" marker-end="url(#arrow-link)"/>"#,
                    a.x,
                    a.bottom() - 6,
                    b.x
                );
            }
        }

        // Legend.
        let mut x = MARGIN;
        let y = self.legend_y;
        for (class, label) in &self.legend {
            if *class == "link" {
                let _ = writeln!(
                    s,
                    r#"<path class="link" d="M{x} {}H{}" marker-end="url(#arrow-link)"/>"#,
                    y - 4,
                    x + LEGEND_SWATCH
                );
            } else {
                let _ = writeln!(
                    s,
                    r#"<g class="{class}"><rect x="{x}" y="{}" width="{LEGEND_SWATCH}" height="14" rx="3"/></g>"#,
                    y - 11
                );
            }
            let _ = writeln!(
                s,
                r#"<text class="sub" x="{}" y="{y}">{}</text>"#,
                x + LEGEND_SWATCH + 8,
                xml(label)
            );
            x += LEGEND_SWATCH + 8 + text_w(label) + 20;
        }
        s.push_str("</svg>\n");
        s
    }
}

const STYLE: &str = r##"<style>
.bg{fill:#ffffff}
text{fill:#1f2328}
.h{font-size:18px;font-weight:bold}
.t{font-weight:bold}
.sub{fill:#57606a}
.lbl{font-size:11px;fill:#57606a}
.vpc{fill:none;stroke:#7aa116;stroke-width:1.5;stroke-dasharray:8 4}
.vpc-label{fill:#4d6b0f;font-size:12px}
rect{stroke-width:1.5}
.internet rect{fill:#f6f8fa;stroke:#57606a}
.lb rect{fill:#f3e8fd;stroke:#8c4fff}
.layer rect{fill:#fff4e5;stroke:#ed7100}
.colocated rect{fill:#ffffff;stroke:#ed7100;stroke-dasharray:4 3}
.app rect{fill:#e6f4ea;stroke:#1e8e3e}
.db rect{fill:#e8f0fe;stroke:#1a73e8}
.edge{fill:none;stroke:#57606a;stroke-width:1.5}
.deploy{fill:none;stroke:#1e8e3e;stroke-width:1.5}
.link{fill:none;stroke:#c2185b;stroke-width:1.5;stroke-dasharray:6 4}
</style>
<defs>
<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0 0L10 5L0 10z" fill="#57606a"/></marker>
<marker id="arrow-link" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0 0L10 5L0 10z" fill="#c2185b"/></marker>
</defs>
"##;

/// A card and its children, as a group whose id is the card's.
fn card(s: &mut String, c: &Card) {
    let _ = writeln!(s, r#"<g id="{}" class="{}">"#, xml(&c.id), c.class);
    let _ = writeln!(
        s,
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="6"/>"#,
        c.x, c.y, c.w, c.h
    );
    let base = c.y + PAD_Y + 13;
    let _ = writeln!(
        s,
        r#"<text class="t" x="{}" y="{base}">{}</text>"#,
        c.x + PAD_X,
        xml(&c.title)
    );
    for (i, line) in c.lines.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" xml:space="preserve">{}</text>"#,
            c.x + PAD_X,
            base + LINE_H * (i as i64 + 1),
            xml(line)
        );
    }
    for child in &c.children {
        card(s, child);
    }
    s.push_str("</g>\n");
}

/// An orthogonal line from `a` to `b` turning at `x = mid`.
fn edge(s: &mut String, class: &str, a: (i64, i64), mid: i64, b: (i64, i64), arrow: bool) {
    let d = if a.1 == b.1 {
        format!("M{} {}H{}", a.0, a.1, b.0)
    } else {
        format!("M{} {}H{mid}V{}H{}", a.0, a.1, b.1, b.0)
    };
    let marker = if arrow {
        r#" marker-end="url(#arrow)""#
    } else {
        ""
    };
    let _ = writeln!(s, r#"<path class="{class}" d="{d}"{marker}/>"#);
}
