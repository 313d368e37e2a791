//! The architecture diagram, laid out by hand in columns: the internet, the
//! load balancers, the layers (each instance group one box, its co-located
//! layers drawn inside it), the apps on them, the databases they reach.
//! Each instance group is a row; layers that use another group (memcached,
//! haproxy backends) are linked by dashed arrows in a lane left of the layers.
//!
//! Sizes are estimated from the text (monospace, 13 px: about 7.8 px per
//! character, 8 assumed), coordinates are integers: the same stack gives the
//! same bytes.

mod render;

use super::{bounds, listeners, scaling_kind, Group, Topology};
use crate::ir::{App, Network, Stack};

const CHAR_W: i64 = 8;
const LINE_H: i64 = 18;
const PAD_X: i64 = 10;
const PAD_Y: i64 = 8;
const MARGIN: i64 = 24;
/// Between the internet and the load balancers, the apps and databases.
const GAP: i64 = 48;
/// Between two rows, or two apps of a row.
const ROW_GAP: i64 = 28;
const APP_GAP: i64 = 12;
/// Between lanes of the dashed links.
const LANE: i64 = 10;
/// Inside the VPC box, around its content.
const VPC_PAD: i64 = 16;
const VPC_LABEL: i64 = 26;
const LEGEND_SWATCH: i64 = 28;

/// The diagram of one environment, as an SVG document.
pub fn svg(stack: &Stack) -> String {
    Diagram::new(stack).render()
}

/// Width of a text in pixels: 8 per character, 16 for wide (East Asian)
/// characters.
fn text_w(s: &str) -> i64 {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x2E80 {
                2 * CHAR_W
            } else {
                CHAR_W
            }
        })
        .sum()
}

/// A box of text: a bold title, lines, and boxes inside (co-located layers).
#[derive(Debug, Clone)]
struct Card {
    id: String,
    class: &'static str,
    title: String,
    lines: Vec<String>,
    children: Vec<Card>,
    x: i64,
    y: i64,
    w: i64,
    h: i64,
}

impl Card {
    fn new(id: String, class: &'static str, title: &str, lines: Vec<String>) -> Card {
        let mut card = Card {
            id,
            class,
            title: title.to_string(),
            lines,
            children: Vec::new(),
            x: 0,
            y: 0,
            w: 0,
            h: 0,
        };
        card.measure();
        card
    }

    fn text_h(&self) -> i64 {
        2 * PAD_Y + LINE_H * (1 + self.lines.len() as i64)
    }

    fn measure(&mut self) {
        let text = std::iter::once(&self.title)
            .chain(&self.lines)
            .map(|l| text_w(l))
            .max()
            .unwrap_or(0);
        let inner = self.children.iter().map(|c| c.w).max().unwrap_or(0);
        self.w = (text + 2 * PAD_X).max(inner + 2 * PAD_X).max(96);
        for c in &mut self.children {
            c.w = self.w - 2 * PAD_X;
        }
        self.h = self.text_h() + self.children.iter().map(|c| c.h + PAD_Y).sum::<i64>();
    }

    /// Widens the card (and its children with it) to `w`.
    fn widen(&mut self, w: i64) {
        self.w = self.w.max(w);
        for c in &mut self.children {
            c.widen(self.w - 2 * PAD_X);
        }
    }

    fn place(&mut self, x: i64, y: i64) {
        self.x = x;
        self.y = y;
        let mut cy = y + self.text_h();
        for c in &mut self.children {
            c.place(x + PAD_X, cy);
            cy += c.h + PAD_Y;
        }
    }

    /// The y of the middle of the title line.
    fn title_mid(&self) -> i64 {
        self.y + PAD_Y + LINE_H / 2
    }

    fn right(&self) -> i64 {
        self.x + self.w
    }

    fn bottom(&self) -> i64 {
        self.y + self.h
    }

    fn find(&self, id: &str) -> Option<&Card> {
        if self.id == id {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(id))
    }
}

/// One instance group and what hangs off it.
struct Row {
    lb: Option<Card>,
    host: Card,
    /// Apps, with the card id of the layer each is deployed to.
    apps: Vec<(Card, String)>,
}

struct Diagram {
    title: Vec<String>,
    vpc_label: String,
    rows: Vec<Row>,
    internet: Option<Card>,
    databases: Vec<Card>,
    /// App card id → database card id.
    db_edges: Vec<(String, String)>,
    /// LB → layer edge labels (`:80`), per row.
    lb_labels: Vec<Option<String>>,
    /// Dashed links: from a host card id to any layer card id.
    links: Vec<(String, String)>,
    width: i64,
    height: i64,
    legend_y: i64,
    legend: Vec<(&'static str, &'static str)>,
    /// The VPC box: x, y, width, height.
    vpc: (i64, i64, i64, i64),
    /// Where the lanes of the dashed links are, and the LB edge labels.
    lanes_right: i64,
    title_y: i64,
}

fn layer_id(name: &str) -> String {
    format!("layer-{name}")
}

fn layer_card(group: &Group) -> Card {
    let host = group.host;
    let mut lines = vec![type_line(&host.type_name, &host.ports)];
    match &host.scaling {
        Some(s) => {
            lines.push(format!(
                "{} × {}",
                bounds(s.min, s.max),
                host.instance_type.name
            ));
            if let Some(kind) = scaling_kind(s) {
                lines.push(kind);
            }
        }
        None => lines.push(host.instance_type.name.clone()),
    }
    let mut card = Card::new(layer_id(&host.name), "layer", &host.name, lines);
    card.children = group
        .colocated
        .iter()
        .map(|l| {
            Card::new(
                layer_id(&l.name),
                "colocated",
                &l.name,
                vec![type_line(&l.type_name, &l.ports)],
            )
        })
        .collect();
    card.measure();
    card
}

/// `php-app :80`.
fn type_line(type_name: &str, ports: &[u16]) -> String {
    let ports: Vec<String> = ports.iter().map(|p| format!(":{p}")).collect();
    if ports.is_empty() {
        type_name.to_string()
    } else {
        format!("{type_name} {}", ports.join(" "))
    }
}

fn app_card(app: &App) -> Card {
    let mut lines = vec![format!("{} app", app.app_type)];
    for site in &app.sites {
        lines.push(site.domain.clone());
        for alias in &site.aliases {
            lines.push(format!("  alias {alias}"));
        }
    }
    Card::new(format!("app-{}", app.name), "app", &app.name, lines)
}

impl Diagram {
    fn new(stack: &Stack) -> Diagram {
        let topo = Topology::new(stack);
        let mut databases: Vec<Card> = Vec::new();
        let mut db_keys: Vec<String> = Vec::new();
        let mut db_edges = Vec::new();
        let mut lb_labels = Vec::new();
        let mut rows: Vec<Row> = Vec::new();
        for group in &topo.groups {
            let host = group.host;
            let lb = host.load_balancer.as_ref().map(|lb| {
                let mut lines = listeners(&lb.listeners);
                lines.push(format!("health {}", lb.health_check.path));
                Card::new(format!("lb-{}", host.name), "lb", "load balancer", lines)
            });
            lb_labels.push(lb.as_ref().and(host.http_port).map(|p| format!(":{p}")));
            let layer_names: Vec<&str> = std::iter::once(host.name.as_str())
                .chain(group.colocated.iter().map(|l| l.name.as_str()))
                .collect();
            let mut apps = Vec::new();
            for app in stack
                .apps
                .iter()
                .filter(|a| layer_names.contains(&a.layer.as_str()))
            {
                let card = app_card(app);
                if let Some(db) = &app.database {
                    let key = format!("{} {}:{}", db.adapter, db.host, db.port);
                    let idx = match db_keys.iter().position(|k| *k == key) {
                        Some(i) => i,
                        None => {
                            db_keys.push(key.clone());
                            databases.push(Card::new(
                                format!("db-{}", databases.len() + 1),
                                "db",
                                "database",
                                vec![key],
                            ));
                            databases.len() - 1
                        }
                    };
                    db_edges.push((card.id.clone(), databases[idx].id.clone()));
                }
                apps.push((card, layer_id(&app.layer)));
            }
            rows.push(Row {
                lb,
                host: layer_card(group),
                apps,
            });
        }
        let internet = rows
            .iter()
            .any(|r| r.lb.is_some())
            .then(|| Card::new("internet".into(), "internet", "internet", Vec::new()));
        let links = topo
            .links
            .iter()
            .map(|l| (layer_id(l.from), layer_id(l.to)))
            .collect();

        let mut title = vec![stack.qualified_name()];
        if let Some(d) = &stack.description {
            title.push(d.replace(['\n', '\r'], " "));
        }
        title.push(format!(
            "{} · {} · {}",
            stack.region,
            stack.os.name,
            match &stack.working_hours {
                Some(w) => format!(
                    "runs {} {}–{} ({})",
                    crate::units::days_text(&w.days),
                    w.start,
                    w.end,
                    w.timezone
                ),
                None => "always on".to_string(),
            }
        ));
        let vpc_label = match &stack.network {
            Network::NewVpc { cidr, zones, .. } => format!("VPC {cidr} · {zones} zones"),
            Network::Existing { vpc_id, .. } => format!("VPC {vpc_id}"),
        };
        let mut d = Diagram {
            title,
            vpc_label,
            rows,
            internet,
            databases,
            db_edges,
            lb_labels,
            links,
            width: 0,
            height: 0,
            legend_y: 0,
            legend: Vec::new(),
            vpc: (0, 0, 0, 0),
            lanes_right: 0,
            title_y: MARGIN,
        };
        d.layout();
        d
    }

    fn layout(&mut self) {
        let title_h = 10 + 24 + LINE_H * (self.title.len() as i64 - 1) + 16;
        let top = MARGIN + title_h;
        let mut x = MARGIN;
        // Internet column.
        let internet_x = x;
        if let Some(i) = &self.internet {
            x += i.w + GAP;
        }
        let vpc_left = x;
        x += VPC_PAD;
        // Load balancers.
        let lb_w = self
            .rows
            .iter()
            .filter_map(|r| r.lb.as_ref().map(|c| c.w))
            .max()
            .unwrap_or(0);
        let lb_x = x;
        let label_w = self
            .lb_labels
            .iter()
            .flatten()
            .map(|l| text_w(l))
            .max()
            .unwrap_or(0);
        let lanes = self.links.len() as i64;
        let lanes_w = if lanes > 0 { 14 + LANE * lanes } else { 0 };
        if lb_w > 0 {
            x += lb_w + (label_w + 16 + lanes_w).max(GAP);
        } else {
            x += lanes_w;
        }
        // Layers.
        let layer_x = x;
        let layer_w = self.rows.iter().map(|r| r.host.w).max().unwrap_or(0);
        for r in &mut self.rows {
            // One width for the column reads as a column.
            r.host.widen(layer_w);
        }
        x += layer_w;
        // Apps.
        let app_w = self
            .rows
            .iter()
            .flat_map(|r| r.apps.iter().map(|(c, _)| c.w))
            .max()
            .unwrap_or(0);
        let app_x = x + GAP;
        if app_w > 0 {
            x = app_x + app_w;
        }
        let vpc_right = (x + VPC_PAD).max(vpc_left + text_w(&self.vpc_label) + 20);
        let db_x = vpc_right + GAP;

        // Rows.
        let mut y = top + VPC_LABEL;
        for r in &mut self.rows {
            if let Some(lb) = &mut r.lb {
                lb.widen(lb_w);
                lb.place(lb_x, y);
            }
            r.host.place(layer_x, y);
            let mut ay = y;
            for (app, _) in &mut r.apps {
                app.widen(app_w);
                app.place(app_x, ay);
                ay += app.h + APP_GAP;
            }
            let h = [r.lb.as_ref().map_or(0, |c| c.h), r.host.h, ay - APP_GAP - y]
                .into_iter()
                .max()
                .unwrap_or(0);
            y += h + ROW_GAP;
        }
        if self.rows.is_empty() {
            y += LINE_H + ROW_GAP;
        }
        let vpc_bottom = y - ROW_GAP + VPC_PAD;
        let mut bottom = vpc_bottom;

        // The internet, centred on the load balancers it reaches.
        let mids: Vec<i64> = self
            .rows
            .iter()
            .filter_map(|r| r.lb.as_ref().map(Card::title_mid))
            .collect();
        if let (Some(i), Some(first), Some(last)) = (&mut self.internet, mids.first(), mids.last())
        {
            let mid = (first + last) / 2;
            i.place(internet_x, mid - PAD_Y - LINE_H / 2);
        }
        // Databases, beside their first app, in order.
        let mut db_y = top + VPC_LABEL;
        let db_w = self.databases.iter().map(|d| d.w).max().unwrap_or(0);
        for i in 0..self.databases.len() {
            let id = self.databases[i].id.clone();
            let first_app = self
                .db_edges
                .iter()
                .find(|(_, db)| *db == id)
                .and_then(|(app, _)| self.card(app))
                .map_or(db_y, |c| c.y);
            let db = &mut self.databases[i];
            db.widen(db_w);
            db.place(db_x, first_app.max(db_y));
            db_y = db.bottom() + APP_GAP;
            bottom = bottom.max(db.bottom());
        }
        let mut right = if db_w > 0 { db_x + db_w } else { vpc_right };
        right = right.max(
            self.title
                .iter()
                .enumerate()
                .map(|(i, t)| MARGIN + if i == 0 { text_w(t) * 3 / 2 } else { text_w(t) })
                .max()
                .unwrap_or(0),
        );

        let has = |f: &dyn Fn(&Row) -> bool| self.rows.iter().any(f);
        let legend = [
            ("lb", "load balancer", has(&|r| r.lb.is_some())),
            ("layer", "layer (Auto Scaling group)", !self.rows.is_empty()),
            (
                "colocated",
                "layer on another's instances",
                has(&|r| !r.host.children.is_empty()),
            ),
            ("app", "app", has(&|r| !r.apps.is_empty())),
            (
                "db",
                "database (outside the stack)",
                !self.databases.is_empty(),
            ),
            ("link", "uses", !self.links.is_empty()),
        ];
        self.legend = legend
            .into_iter()
            .filter(|(_, _, shown)| *shown)
            .map(|(class, label, _)| (class, label))
            .collect();
        let legend_w: i64 = self
            .legend
            .iter()
            .map(|(_, l)| LEGEND_SWATCH + 8 + text_w(l) + 20)
            .sum();
        right = right.max(MARGIN + legend_w);
        self.legend_y = bottom + 28;
        self.width = right + MARGIN;
        self.height = self.legend_y + 14 + MARGIN;
        self.vpc = (vpc_left, top, vpc_right - vpc_left, vpc_bottom - top);
        self.lanes_right = layer_x - 14;
    }
}
