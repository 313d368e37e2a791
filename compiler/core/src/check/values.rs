//! The types values really have where they end up in a file on the
//! instance: mount points and document roots that cannot name a system
//! directory or break an fstab or Apache line, git revisions that are refs,
//! database hosts and identifiers, text without control characters, and
//! literals that look like credentials. Pure functions here; the checker
//! calls them where it reads each value (see `docs/decisions.md`).

/// Characters a mount point or document root may hold besides ASCII
/// letters and digits: enough for real paths, and nothing that fstab, a
/// shell, Apache or nginx reads as syntax (space, quote, `$`, `;`, `#`,
/// `%`, `<`, `{`, `\`).
pub const PATH_PUNCTUATION: &str = "/._-+@~,=";

/// Directories a volume may not be mounted on. `beneath` also refuses
/// every directory under it: mounting there hides what the system runs
/// from (or, for `/proc` and `/dev`, what the kernel provides).
const SYSTEM_DIRECTORIES: &[(&str, bool)] = &[
    ("/", false),
    ("/bin", true),
    ("/boot", true),
    ("/dev", true),
    ("/etc", true),
    ("/home", false),
    ("/lib", true),
    ("/lib32", true),
    ("/lib64", true),
    ("/libx32", true),
    ("/lost+found", true),
    ("/proc", true),
    ("/root", true),
    ("/run", true),
    ("/sbin", true),
    ("/snap", true),
    ("/sys", true),
    ("/usr", true),
    ("/var", false),
    ("/var/lib", false),
    ("/var/log", false),
];

/// Characters an HTTP path in a HAProxy line may hold besides ASCII
/// letters and digits: no space, quote, `#` or `\`, which HAProxy reads as
/// syntax (the haproxy recipe refuses the same).
pub const HTTP_PATH_PUNCTUATION: &str = "-._~!&()*+,;=:@%/?";

/// An HTTP path for a health check: `/`, then letters, digits and
/// [`HTTP_PATH_PUNCTUATION`].
pub fn http_path(path: &str) -> bool {
    path.starts_with('/')
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || HTTP_PATH_PUNCTUATION.contains(c))
}

/// The first control character of `s` (newline, tab, NUL, DEL, ...).
pub fn control_character(s: &str) -> Option<char> {
    s.chars().find(|c| c.is_control())
}

/// How to name a character in a message.
pub fn describe(c: char) -> String {
    match c {
        '\n' => "a newline".into(),
        '\r' => "a carriage return".into(),
        '\t' => "a tab".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        ' ' => "a space".into(),
        c => format!("`{c}`"),
    }
}

/// The first character of a path that is not a letter, digit or one of
/// [`PATH_PUNCTUATION`].
pub fn unsafe_path_character(path: &str) -> Option<char> {
    path.chars()
        .find(|c| !c.is_ascii_alphanumeric() && !PATH_PUNCTUATION.contains(*c))
}

/// The system directory `mount` is, or lies under, if any.
pub fn system_directory(mount: &str) -> Option<&'static str> {
    SYSTEM_DIRECTORIES
        .iter()
        .find(|(dir, beneath)| {
            mount == *dir
                || (*beneath
                    && mount
                        .strip_prefix(dir)
                        .is_some_and(|rest| rest.starts_with('/')))
        })
        .map(|(dir, _)| *dir)
}

/// A git revision: a branch, tag or commit id, by `git check-ref-format`'s
/// rules, and never an option (`--upload-pack=...`).
pub fn git_revision(rev: &str) -> Result<(), String> {
    let why = if rev.is_empty() {
        Some("is empty".to_string())
    } else if rev.starts_with('-') {
        Some("starts with `-`, which git reads as an option".to_string())
    } else if rev.len() > 255 {
        Some("is longer than 255 characters".to_string())
    } else if let Some(c) = rev
        .chars()
        .find(|c| c.is_control() || " ~^:?*[\\".contains(*c))
    {
        Some(format!("holds {}", describe(c)))
    } else if rev.contains("..") || rev.contains("@{") || rev.contains("//") || rev == "@" {
        Some("holds `..`, `@{` or `//`, or is `@`".to_string())
    } else if rev.ends_with('/') || rev.ends_with('.') || rev.starts_with('/') {
        Some("starts with `/` or ends with `/` or `.`".to_string())
    } else if rev
        .split('/')
        .any(|part| part.starts_with('.') || part.ends_with(".lock"))
    {
        Some("has a part starting with `.` or ending with `.lock`".to_string())
    } else {
        None
    };
    match why {
        Some(why) => Err(format!("the revision `{}` {why}", printable(rev))),
        None => Ok(()),
    }
}

/// A host to connect to: a host name, an IPv4 or an IPv6 address.
pub fn host(text: &str) -> Result<(), String> {
    let ip = text.parse::<std::net::IpAddr>().is_ok();
    let name = !text.starts_with("*.") && crate::units::domain(text).is_ok();
    if ip || name {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a host name or an IP address",
            printable(text)
        ))
    }
}

/// A database or user name: a letter or `_`, then letters, digits, `_`,
/// `-` or `.`, at most 63 characters (PostgreSQL's limit; MySQL's is 64),
/// so that it needs no quoting in a configuration file or a client's
/// command line.
pub fn identifier(text: &str) -> Result<(), String> {
    let ok = text.len() <= 63
        && text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a database identifier",
            printable(text)
        ))
    }
}

/// `s` with control characters shown as escapes, for messages.
pub fn printable(s: &str) -> String {
    s.chars().flat_map(char::escape_debug).collect()
}

/// What a value is, when it is shaped like a credential: a known token
/// format anywhere, or (under a key named like a secret) a random-looking
/// word. `key` is the name the value is stored under.
pub fn credential(key: Option<&str>, value: &str) -> Option<&'static str> {
    known_credential(value).or_else(|| {
        (key.is_some_and(secret_key) && random_word(value))
            .then_some("a random-looking value under a secret-looking key")
    })
}

/// Token formats whose prefix and length say what they are.
const TOKENS: &[(&str, usize, usize, Charset, &str)] = &[
    ("AKIA", 16, 16, Charset::UpperDigit, "an AWS access key id"),
    ("ASIA", 16, 16, Charset::UpperDigit, "an AWS access key id"),
    ("ghp_", 36, 36, Charset::Alnum, "a GitHub token"),
    ("gho_", 36, 36, Charset::Alnum, "a GitHub token"),
    ("ghu_", 36, 36, Charset::Alnum, "a GitHub token"),
    ("ghs_", 36, 36, Charset::Alnum, "a GitHub token"),
    ("ghr_", 36, 36, Charset::Alnum, "a GitHub token"),
    ("github_pat_", 22, 255, Charset::Word, "a GitHub token"),
    ("glpat-", 20, 64, Charset::Token, "a GitLab token"),
    ("xoxa-", 10, 255, Charset::Token, "a Slack token"),
    ("xoxb-", 10, 255, Charset::Token, "a Slack token"),
    ("xoxp-", 10, 255, Charset::Token, "a Slack token"),
    ("xoxr-", 10, 255, Charset::Token, "a Slack token"),
    ("xoxs-", 10, 255, Charset::Token, "a Slack token"),
    ("sk_live_", 16, 255, Charset::Alnum, "a Stripe secret key"),
    ("rk_live_", 16, 255, Charset::Alnum, "a Stripe secret key"),
    ("sk_test_", 16, 255, Charset::Alnum, "a Stripe secret key"),
    ("rk_test_", 16, 255, Charset::Alnum, "a Stripe secret key"),
    ("AIza", 35, 35, Charset::Token, "a Google API key"),
    ("npm_", 36, 36, Charset::Alnum, "an npm token"),
];

#[derive(Clone, Copy)]
enum Charset {
    UpperDigit,
    Alnum,
    /// Letters, digits and `_`.
    Word,
    /// Letters, digits, `_` and `-`.
    Token,
}

impl Charset {
    fn has(self, c: char) -> bool {
        match self {
            Charset::UpperDigit => c.is_ascii_uppercase() || c.is_ascii_digit(),
            Charset::Alnum => c.is_ascii_alphanumeric(),
            Charset::Word => c.is_ascii_alphanumeric() || c == '_',
            Charset::Token => c.is_ascii_alphanumeric() || c == '_' || c == '-',
        }
    }
}

fn known_credential(value: &str) -> Option<&'static str> {
    if value.contains("-----BEGIN ") && value.contains("PRIVATE KEY-----") {
        return Some("a PEM private key");
    }
    for (prefix, min, max, charset, what) in TOKENS {
        for (at, _) in value.match_indices(prefix) {
            let before = value[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            let run = value[at + prefix.len()..]
                .chars()
                .take_while(|c| charset.has(*c))
                .count();
            if (*min..=*max).contains(&run) {
                return Some(what);
            }
        }
    }
    url_password(value).then_some("a URL with a password")
}

/// `scheme://user:password@host...`.
fn url_password(value: &str) -> bool {
    value.match_indices("://").any(|(at, sep)| {
        let rest = &value[at + sep.len()..];
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .and_then(|(user, _)| user.split_once(':'))
            .is_some_and(|(_, password)| !password.is_empty())
    })
}

/// Whether a key names a secret: `db_password`, `apiKey`, `client-secret`,
/// `auth_token`; not `password_file`, `token_url`, `secret_name` or
/// `key_sha256`, whose values are where a secret is, not the secret.
pub fn secret_key(key: &str) -> bool {
    let words = words(key);
    let has = |w: &str| words.iter().any(|x| x == w);
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
    let secret = [
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "credential",
        "credentials",
    ]
    .iter()
    .any(|w| has(w))
        || [
            "api",
            "access",
            "private",
            "secret",
            "signing",
            "encryption",
            "master",
            "auth",
        ]
        .iter()
        .any(|a| pair(a, "key"));
    let locator = [
        "file",
        "path",
        "url",
        "uri",
        "arn",
        "ssm",
        "parameter",
        "name",
        "sha",
        "sha1",
        "sha256",
        "sha512",
        "hash",
        "checksum",
        "digest",
        "ttl",
        "length",
        "type",
    ]
    .iter()
    .any(|w| has(w));
    secret && !locator
}

/// `dbPassword` -> [db, password]; `client-secret_key` -> [client, secret, key].
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            out.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            out.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    out.extend((!word.is_empty()).then_some(word));
    out
}

/// One word of at least 8 characters mixing two kinds of character (lower,
/// upper, digit, symbol) with at least 3 bits of entropy per character;
/// not a URL, a path, a version or a placeholder (`${VAR}`, `{{ x }}`).
fn random_word(value: &str) -> bool {
    if value.chars().count() < 8
        || value.contains(char::is_whitespace)
        || value.contains("://")
        || value.starts_with(['/', '.', '~', '$'])
        || value.contains("${")
        || value.contains("{{")
        || version(value)
    {
        return false;
    }
    let kinds = [
        value.chars().any(|c| c.is_ascii_lowercase()),
        value.chars().any(|c| c.is_ascii_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
        value.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    kinds.iter().filter(|k| **k).count() >= 2 && entropy(value) >= 3.0
}

/// `1.4.2`, `v20`, `18.6.2-1`.
fn version(value: &str) -> bool {
    let v = value.strip_prefix('v').unwrap_or(value);
    v.starts_with(|c: char| c.is_ascii_digit())
        && v.split(['.', '-'])
            .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && v.split(['.', '-'])
            .next()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// Shannon entropy in bits per character.
fn entropy(value: &str) -> f64 {
    let mut counts = std::collections::BTreeMap::new();
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = value.chars().count() as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The name and SSM parameter a secret would have for a key path: for
/// `payments.stripe.api-key`, `PAYMENTS_STRIPE_API_KEY` and
/// `/payments/stripe/api-key`.
pub fn secret_rewrite(path: &[&str]) -> (String, String) {
    let name: Vec<String> = path
        .iter()
        .flat_map(|p| words(p))
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let ssm: Vec<String> = path
        .iter()
        .map(|p| words(p).join("-"))
        .filter(|p| !p.is_empty())
        .collect();
    (name.join("_"), format!("/{}", ssm.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tokens_are_credentials_anywhere() {
        for v in [
            "AKIAIOSFODNN7EXAMPLE",
            "id=ASIAY34FZKBOKMUTVV7A;",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            "xoxb-1234567890-abcdefghij",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "AIzaSyA-1234567890abcdefghijklmnopqrstu",
            "glpat-abcdefghij0123456789",
            "https://deploy:s3cret@git.example.com/app.git",
        ] {
            assert!(credential(None, v).is_some(), "{v}");
        }
    }

    #[test]
    fn ordinary_values_are_not_credentials() {
        for v in [
            "https://github.com/goldcar/rentals.git",
            "git@github.com:goldcar/rentals.git",
            "/var/log/httpd/*_log",
            "v1.4.2",
            "550e8400-e29b-41d4-a716-446655440000",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "MASIAY34FZKBOKMUTVV7A",
            "AKIA_SHORT",
            "production",
            "mailto:ops@goldcar.example",
            "https://user@git.example.com/app.git",
        ] {
            assert_eq!(credential(Some("value"), v), None, "{v}");
        }
    }

    #[test]
    fn random_values_under_secret_keys_are_credentials_and_locators_are_not() {
        assert!(credential(Some("db_password"), "S3cr3tP@ssw0rd").is_some());
        assert!(credential(Some("apiKey"), "a8f5f167f44f4964e6c998dee827110c").is_some());
        assert!(credential(Some("client-secret"), "Zx81_qPl0-mMn2").is_some());
        assert!(credential(Some("api_token"), "550e8400-e29b-41d4-a716-446655440000").is_some());
        assert!(credential(
            Some("aws_secret_access_key"),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        )
        .is_some());
        // Not random, or where a secret is rather than the secret.
        for (k, v) in [
            ("db_password", "changeme"),
            ("password_file", "/etc/app/password"),
            ("token_url", "https://auth.example.com/oauth/token"),
            ("secret_name", "/goldcar/prod/db"),
            (
                "key_sha256",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            ),
            ("token_ttl", "3600s-max"),
            ("password", "${DB_PASSWORD}"),
            ("cache_key", "Zx81_qPl0-mMn2"),
            ("token", "v2.14.1"),
        ] {
            assert_eq!(credential(Some(k), v), None, "{k} {v}");
        }
    }

    #[test]
    fn system_directories_and_what_lies_beneath() {
        for m in [
            "/",
            "/etc",
            "/etc/app",
            "/usr/local",
            "/var",
            "/home",
            "/proc/1",
            "/boot",
        ] {
            assert!(system_directory(m).is_some(), "{m}");
        }
        for m in [
            "/srv",
            "/srv/www",
            "/var/lib/mysql",
            "/var/log/app",
            "/home/app",
            "/data",
            "/etcetera",
            "/opt",
        ] {
            assert_eq!(system_directory(m), None, "{m}");
        }
    }

    #[test]
    fn revisions_follow_check_ref_format() {
        for r in [
            "main",
            "v1.4.2",
            "release/2024-05",
            "0a1b2c3d",
            "feature/x_y",
        ] {
            assert!(git_revision(r).is_ok(), "{r}");
        }
        for r in [
            "--upload-pack=touch /tmp/x",
            "-x",
            "a..b",
            "a b",
            "main\n",
            "x.lock",
            ".hidden",
            "a/",
            "a:b",
            "@",
            "x@{1}",
            "a//b",
            "",
        ] {
            assert!(git_revision(r).is_err(), "{r}");
        }
    }

    #[test]
    fn hosts_and_identifiers() {
        for h in [
            "db.internal",
            "10.0.0.5",
            "::1",
            "rds-1.abc.eu-west-1.rds.amazonaws.com",
        ] {
            assert!(host(h).is_ok(), "{h}");
        }
        for h in ["db\nhost", "db host", "'db'", "*.x.com", ""] {
            assert!(host(h).is_err(), "{h}");
        }
        for i in ["rentals", "app_user", "shop-prod", "_x"] {
            assert!(identifier(i).is_ok(), "{i}");
        }
        for i in ["a'b", "x\ny", "1abc", "", "a b", "x;DROP"] {
            assert!(identifier(i).is_err(), "{i}");
        }
    }

    #[test]
    fn rewrites_name_the_key_path() {
        assert_eq!(
            secret_rewrite(&["payments", "stripe", "apiKey"]),
            (
                "PAYMENTS_STRIPE_API_KEY".into(),
                "/payments/stripe/api-key".into()
            )
        );
    }
}
