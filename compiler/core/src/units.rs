//! Parsers for the value types of the language: sizes, durations, days and
//! times, CIDR blocks, ARNs, names, domains. Each returns a message on error.

use serde::Serialize;

/// Parses `512MiB`, `20GiB`, `500MB` into bytes.
pub fn size_bytes(text: &str) -> Result<u64, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit; write it as `{text}MiB` or `{text}GiB`"))?;
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return Err(format!("`{text}` does not start with a number"));
    }
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{digits}` is too large"))?;
    let mult: u64 = match unit {
        "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        _ => {
            return Err(format!(
                "unknown size unit `{unit}`; use KiB, MiB, GiB, TiB (or KB, MB, GB, TB)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Parses `30s`, `5m`, `1h30m`, `30d` into seconds.
pub fn duration_secs(text: &str) -> Result<u64, String> {
    if text.is_empty() {
        return Err("the duration is empty".into());
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let split = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if split == 0 {
            return Err(format!(
                "`{text}` is not a duration: expected a number at `{rest}`"
            ));
        }
        let n: u64 = rest[..split]
            .parse()
            .map_err(|_| format!("`{text}` is too large"))?;
        rest = &rest[split..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let mult = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "" => {
                return Err(format!(
                    "`{text}` has no unit; write `{text}s`, `{text}m`, `{text}h` or `{text}d`"
                ))
            }
            _ => return Err(format!("unknown duration unit `{unit}`; use s, m, h or d")),
        };
        total = n
            .checked_mul(mult)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("`{text}` is too large"))?;
    }
    Ok(total)
}

/// How a duration written with spaces or unit words (`"5 min"`, `"1 hour
/// 30 minutes"`) is spelled, when that spelling is a duration.
pub fn duration_spelling(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    for word in lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty() && *w != "and")
    {
        let split = word
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(word.len());
        let (digits, unit) = word.split_at(split);
        out.push_str(digits);
        out.push_str(match unit {
            "" => "",
            "s" | "sec" | "secs" | "second" | "seconds" => "s",
            "m" | "min" | "mins" | "minute" | "minutes" => "m",
            "h" | "hr" | "hrs" | "hour" | "hours" => "h",
            "d" | "day" | "days" => "d",
            _ => return None,
        });
    }
    (out != text && duration_secs(&out).is_ok()).then_some(out)
}

/// A day of the week.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

impl Weekday {
    /// Cron day-of-week number (SUN=0).
    pub fn cron(self) -> u8 {
        match self {
            Weekday::Sun => 0,
            d => d as u8 + 1,
        }
    }

    /// Three-letter name.
    pub fn name(self) -> &'static str {
        DAYS[self as usize].0
    }
}

fn day(word: &str) -> Result<Weekday, String> {
    DAYS.iter()
        .find(|(n, _)| *n == word)
        .map(|(_, d)| *d)
        .ok_or_else(|| format!("`{word}` is not a day; use mon tue wed thu fri sat sun"))
}

/// Parses `mon-fri`, `sat,sun`, `mon,wed-fri` or `daily` into sorted days.
pub fn days(text: &str) -> Result<Vec<Weekday>, String> {
    if matches!(text, "daily" | "everyday" | "mon-sun") {
        return Ok(DAYS.iter().map(|(_, d)| *d).collect());
    }
    let mut out = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                if a > b {
                    return Err(format!(
                        "`{part}` runs backwards; write the earlier day first"
                    ));
                }
                out.extend(DAYS[a as usize..=b as usize].iter().map(|(_, d)| *d));
            }
            None => out.push(day(part)?),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A time of day, 24-hour clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct TimeOfDay {
    /// 0-23.
    pub hour: u8,
    /// 0-59.
    pub minute: u8,
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// Parses `07:00`.
pub fn time_of_day(text: &str) -> Result<TimeOfDay, String> {
    let err = || format!("`{text}` is not a time of day; write HH:MM, such as 07:30");
    let (h, m) = text.split_once(':').ok_or_else(err)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(err());
    }
    let hour: u8 = h.parse().map_err(|_| err())?;
    let minute: u8 = m.parse().map_err(|_| err())?;
    if hour > 23 || minute > 59 {
        return Err(format!(
            "`{text}` is not a time of day: hours are 0-23, minutes 0-59"
        ));
    }
    Ok(TimeOfDay { hour, minute })
}

/// Parses `mon-fri 07:00` into days and a time.
pub fn day_time(text: &str) -> Result<(Vec<Weekday>, TimeOfDay), String> {
    let mut words = text.split_whitespace();
    let (Some(d), Some(t), None) = (words.next(), words.next(), words.next()) else {
        return Err(format!(
            "`{text}` should be days and a time, such as \"mon-fri 07:00\""
        ));
    };
    Ok((days(d)?, time_of_day(t)?))
}

/// Parses `mon-fri 08:00-20:00` into days, opening and closing time.
pub fn working_hours(text: &str) -> Result<(Vec<Weekday>, TimeOfDay, TimeOfDay), String> {
    let mut words = text.split_whitespace();
    let (Some(d), Some(range), None) = (words.next(), words.next(), words.next()) else {
        return Err(format!(
            "`{text}` should be days and hours, such as \"mon-fri 08:00-20:00\""
        ));
    };
    let (a, b) = range
        .split_once('-')
        .ok_or_else(|| format!("`{range}` should be an opening and closing time: 08:00-20:00"))?;
    let (open, close) = (time_of_day(a)?, time_of_day(b)?);
    if open >= close {
        return Err(format!(
            "the stack would close ({close}) before it opens ({open})"
        ));
    }
    Ok((days(d)?, open, close))
}

/// Reads an IANA time zone name.
pub fn timezone(text: &str) -> Result<chrono_tz::Tz, String> {
    text.parse::<chrono_tz::Tz>()
        .map_err(|_| format!("`{text}` is not an IANA time zone"))
}

/// The closest IANA zone name, for help lines.
pub fn suggest_timezone(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .find(|n| n.to_ascii_lowercase() == lower)
        .or_else(|| crate::diag::suggest(text, chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())))
}

/// An IPv4 network a VPC can have: prefix /16 to /24, no host bits (what
/// [`cidr`] accepts, so its subnets always fit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Net {
    addr: std::net::Ipv4Addr,
    prefix: u8,
}

impl Ipv4Net {
    /// The VPC stackc creates when the stack file names none: 10.0.0.0/16.
    pub const DEFAULT_VPC: Ipv4Net = Ipv4Net {
        addr: std::net::Ipv4Addr::new(10, 0, 0, 0),
        prefix: 16,
    };

    /// Splits the network into `count` equal subnets, the smallest power of
    /// two that holds them, in order (at most 64 of them: /30 from a /24).
    pub fn split(&self, count: usize) -> Vec<Ipv4Net> {
        let bits = (count.clamp(1, 64) as u32)
            .next_power_of_two()
            .trailing_zeros() as u8;
        let prefix = self.prefix + bits;
        let size = 1u32 << (32 - u32::from(prefix));
        let base = u32::from(self.addr);
        (0..count.min(64) as u32)
            .map(|i| Ipv4Net {
                addr: std::net::Ipv4Addr::from(base + i * size),
                prefix,
            })
            .collect()
    }
}

impl std::fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for Ipv4Net {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Parses an IPv4 CIDR block a VPC can have (prefix 16..=24, no host bits).
pub fn cidr(text: &str) -> Result<Ipv4Net, String> {
    let (addr, prefix) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not a CIDR block: write it as 10.0.0.0/16"))?;
    let ip: std::net::Ipv4Addr = addr
        .parse()
        .map_err(|_| format!("`{addr}` is not an IPv4 address"))?;
    let prefix: u8 = prefix
        .parse()
        .map_err(|_| format!("`{prefix}` is not a prefix length"))?;
    if !(16..=24).contains(&prefix) {
        return Err(format!(
            "a VPC prefix must be /16 to /24 (so that subnets fit); got /{prefix}"
        ));
    }
    let bits = u32::from(ip);
    let mask = u32::MAX << (32 - prefix);
    if bits & !mask != 0 {
        let net = std::net::Ipv4Addr::from(bits & mask);
        return Err(format!(
            "`{text}` has host bits set; the network is {net}/{prefix}"
        ));
    }
    Ok(Ipv4Net { addr: ip, prefix })
}

/// Fields of an ARN.
#[derive(Debug, Clone, PartialEq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, ...
    pub partition: &'a str,
    /// `acm`, `iam`, ...
    pub service: &'a str,
    /// Region, may be empty.
    pub region: &'a str,
    /// Account id.
    pub account: &'a str,
    /// Resource part.
    pub resource: &'a str,
}

/// Splits an ARN into its fields.
pub fn arn(text: &str) -> Result<Arn<'_>, String> {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return Err(format!(
            "`{text}` is not an ARN: expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"
        ));
    }
    let a = Arn {
        partition: parts[1],
        service: parts[2],
        region: parts[3],
        account: parts[4],
        resource: parts[5],
    };
    if !matches!(a.partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Err(format!("`{}` is not an AWS partition", a.partition));
    }
    if !(a.account.len() == 12 && a.account.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("`{}` is not a 12-digit account id", a.account));
    }
    if a.resource.is_empty() {
        return Err("the ARN has no resource part".into());
    }
    Ok(a)
}

/// Checks a stackc name: lowercase letters, digits, single dashes, 1-32 chars.
pub fn name(text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text.len() <= 32
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && !text.ends_with('-')
        && !text.contains("--")
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{text}` is not a valid name: start with a lowercase letter, then lowercase letters, digits and single dashes, at most 32 characters"
        ))
    }
}

/// A suggestion for an invalid name.
pub fn fix_name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out
        .trim_matches('-')
        .trim_start_matches(|c: char| c.is_ascii_digit());
    let mut out: String = out.chars().take(32).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "my-name".into()
    } else {
        out
    }
}

/// Checks a DNS host name (a leading `*.` is allowed).
pub fn domain(text: &str) -> Result<(), String> {
    let host = text.strip_prefix("*.").unwrap_or(text);
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("`{text}` is not a host name"))
    }
}

/// Checks an e-mail address (shape only).
pub fn email(text: &str) -> Result<(), String> {
    match text.split_once('@') {
        Some((local, host))
            if !local.is_empty()
                && !local.contains(char::is_whitespace)
                && host.contains('.')
                && domain(host).is_ok() =>
        {
            Ok(())
        }
        _ => Err(format!("`{text}` is not an e-mail address")),
    }
}

/// The retention periods (days) CloudWatch Logs accepts.
pub const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// `mon-fri`, `sat,sun`, `daily`: the days as the language writes them
/// (what [`days`] reads).
pub fn days_text(days: &[Weekday]) -> String {
    if days.len() == 7 {
        return "daily".to_string();
    }
    let mut runs: Vec<(Weekday, Weekday)> = Vec::new();
    for &d in days {
        match runs.last_mut() {
            Some((_, end)) if *end as u8 + 1 == d as u8 => *end = d,
            _ => runs.push((d, d)),
        }
    }
    runs.iter()
        .map(|(a, b)| match (*b as u8) - (*a as u8) {
            0 => a.name().to_string(),
            1 => format!("{},{}", a.name(), b.name()),
            _ => format!("{}-{}", a.name(), b.name()),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What [`duration_secs`] reads back: `90` → `90s`, `300` → `5m`, `7200` → `2h`, `86400` → `1d`.
pub fn duration_text(secs: u64) -> String {
    match secs {
        0 => "0s".to_string(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_as_the_language_reads_them() {
        use Weekday::*;
        assert_eq!(days_text(&[Mon, Tue, Wed, Thu, Fri]), "mon-fri");
        assert_eq!(days_text(&[Sat, Sun]), "sat,sun");
        assert_eq!(days_text(&[Mon, Wed, Thu, Fri]), "mon,wed-fri");
        assert_eq!(days_text(&[Mon, Tue, Wed, Thu, Fri, Sat, Sun]), "daily");
        for text in ["mon-fri", "sat,sun", "mon,wed-fri", "tue"] {
            assert_eq!(days_text(&days(text).unwrap()), text);
        }
    }

    #[test]
    fn durations_use_the_largest_whole_unit() {
        assert_eq!(duration_text(90), "90s");
        assert_eq!(duration_text(300), "5m");
        assert_eq!(duration_text(7200), "2h");
        assert_eq!(duration_text(86_400 * 30), "30d");
    }

    #[test]
    fn sizes() {
        assert_eq!(size_bytes("512MiB"), Ok(512 << 20));
        assert_eq!(size_bytes("20GiB"), Ok(20 << 30));
        assert_eq!(size_bytes("1GB"), Ok(1_000_000_000));
        assert!(size_bytes("20").unwrap_err().contains("no unit"));
        assert!(size_bytes("GiB").is_err());
        assert!(size_bytes("20gb")
            .unwrap_err()
            .contains("unknown size unit"));
        assert!(size_bytes("99999999999999999999GiB").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(duration_secs("5m"), Ok(300));
        assert_eq!(duration_secs("1h30m"), Ok(5400));
        assert_eq!(duration_secs("30d"), Ok(30 * 86400));
        assert!(duration_secs("5").is_err());
        assert!(duration_secs("5x").is_err());
        assert!(duration_secs("m").is_err());
        assert!(duration_secs("").is_err());
    }

    #[test]
    fn schedules() {
        let (d, t) = day_time("mon-fri 07:00").unwrap();
        assert_eq!(d.len(), 5);
        assert_eq!(t, TimeOfDay { hour: 7, minute: 0 });
        assert_eq!(days("sat,sun").unwrap(), vec![Weekday::Sat, Weekday::Sun]);
        assert_eq!(days("daily").unwrap().len(), 7);
        assert!(days("fri-mon").is_err());
        assert!(day_time("mon-fri 25:00").is_err());
        assert!(day_time("mon-fri").is_err());
        assert!(working_hours("mon-fri 20:00-08:00").is_err());
        assert!(working_hours("mon-fri 08:00-20:00").is_ok());
        assert_eq!(Weekday::Sun.cron(), 0);
        assert_eq!(Weekday::Mon.cron(), 1);
    }

    #[test]
    fn cidrs_arns_names() {
        assert_eq!(cidr("10.40.0.0/16").unwrap().to_string(), "10.40.0.0/16");
        assert!(cidr("10.40.0.1/16").unwrap_err().contains("10.40.0.0/16"));
        assert!(cidr("10.40.0.0/8").is_err());
        assert!(arn("arn:aws:acm:eu-west-1:123456789012:certificate/abc").is_ok());
        assert!(arn("arn:aws:acm:eu-west-1:1234:certificate/abc").is_err());
        assert!(name("web-1").is_ok());
        assert!(name("Web").is_err());
        assert_eq!(fix_name("Web_Front"), "web-front");
        assert!(domain("www.goldcar.example").is_ok());
        assert!(domain("bad_domain.example").is_err());
        assert!(email("ops@goldcar.example").is_ok());
        assert!(email("ops").is_err());
        assert!(timezone("Europe/Madrid").is_ok());
        assert_eq!(suggest_timezone("europe/madrid"), Some("Europe/Madrid"));
    }
}

#[cfg(test)]
mod spelling_tests {
    use super::duration_spelling;

    #[test]
    fn durations_in_words_are_spelled_as_stackc_reads_them() {
        assert_eq!(duration_spelling("5 min").as_deref(), Some("5m"));
        assert_eq!(
            duration_spelling("1 hour 30 minutes").as_deref(),
            Some("1h30m")
        );
        assert_eq!(duration_spelling("90 Seconds").as_deref(), Some("90s"));
        assert_eq!(duration_spelling("2 days, 4 hrs").as_deref(), Some("2d4h"));
        assert_eq!(duration_spelling("5m"), None);
        assert_eq!(duration_spelling("5 fortnights"), None);
        assert_eq!(duration_spelling("soon"), None);
    }
}
