//! The Chef client package (Cinc, or Chef Infra Client where the stack file
//! chooses it): its URL and sha256 from the client's metadata endpoint,
//! Omnitruck (for `stackc lock`), and the package itself, downloaded from the
//! URL the lock file pins, checked against the pinned sha256 and cached
//! under `~/.cache/stackc/cinc/<sha256>` (for `stackc deploy`, which puts it
//! in the artifact bucket where the instances fetch it).

use std::path::{Path, PathBuf};
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use stackc_core::chef::Client;
use stackc_core::emit::manifest::sha256_hex;
use stackc_core::lock::{is_package_url, is_sha256, Cinc, CincNeed};

/// Cinc's metadata endpoint (Omnitruck), which answers `url`, `sha256` and
/// `version` for a platform, platform version, machine and version.
pub const METADATA_URL: &str = "https://omnitruck.cinc.sh/stable/cinc/metadata";

/// The environment variable that points `stackc lock` at another metadata
/// endpoint (a mirror, or a test's server).
pub const METADATA_URL_VAR: &str = "STACKC_CINC_METADATA_URL";

/// Cinc's metadata endpoint to ask: [`METADATA_URL_VAR`] when set.
pub fn metadata_url() -> String {
    client_metadata_url(Client::Cinc)
}

/// A client's metadata endpoint to ask: its variable
/// ([`Client::metadata_url_var`]) when set.
pub fn client_metadata_url(client: Client) -> String {
    std::env::var(client.metadata_url_var())
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| client.metadata_url().to_string())
}

/// Where downloaded packages are kept: `$XDG_CACHE_HOME/stackc/cinc`, else
/// `~/.cache/stackc/cinc`; `None` without a home.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("stackc").join("cinc"))
}

/// Waiting for a server to answer (connect and headers).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// Reading a whole body (a package is some tens of MB).
const BODY_TIMEOUT: Duration = Duration::from_secs(600);
/// Redirects followed.
const MAX_REDIRECTS: usize = 5;

/// GETs `url` (http or https, following redirects); the body, or why not.
pub async fn get(url: &str) -> Result<Vec<u8>, String> {
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|e| format!("no TLS root certificates on this machine: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: hyper_util::client::legacy::Client<_, Empty<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https);
    let mut current = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        let uri: hyper::Uri = current.parse().map_err(|e| format!("not a URL ({e})"))?;
        let request = hyper::Request::get(uri.clone())
            .header(
                hyper::header::USER_AGENT,
                concat!("stackc/", env!("CARGO_PKG_VERSION")),
            )
            .header(hyper::header::ACCEPT, "text/plain, */*")
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(ANSWER_TIMEOUT, client.request(request))
            .await
            .map_err(|_| format!("no answer within {} s", ANSWER_TIMEOUT.as_secs()))?
            .map_err(|e| describe(&e))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(hyper::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| format!("HTTP {status} without a location"))?;
            current = if location.starts_with("http://") || location.starts_with("https://") {
                location.to_string()
            } else {
                let scheme = uri.scheme_str().unwrap_or("https");
                let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
                format!(
                    "{scheme}://{authority}/{}",
                    location.trim_start_matches('/')
                )
            };
            continue;
        }
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        let body = tokio::time::timeout(BODY_TIMEOUT, response.into_body().collect())
            .await
            .map_err(|_| format!("the download took over {} s", BODY_TIMEOUT.as_secs()))?
            .map_err(|e| describe(&e))?;
        return Ok(body.to_bytes().to_vec());
    }
    Err(format!("more than {MAX_REDIRECTS} redirects"))
}

/// An error and its causes, on one line.
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// What the metadata endpoint says about one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Where the package is.
    pub url: String,
    /// Its sha256, lowercase hex.
    pub sha256: String,
    /// Its version.
    pub version: String,
}

/// Reads Omnitruck's answer: `key value` lines (tab or spaces), or the same
/// keys in a JSON object.
pub fn parse_metadata(text: &str) -> Result<Metadata, String> {
    let mut url = None;
    let mut sha256 = None;
    let mut version = None;
    if text.trim_start().starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let field = |k: &str| v[k].as_str().map(str::to_string);
        (url, sha256, version) = (field("url"), field("sha256"), field("version"));
    } else {
        for line in text.lines() {
            let mut parts = line.split_whitespace();
            let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
                continue;
            };
            match key {
                "url" => url = Some(value.to_string()),
                "sha256" => sha256 = Some(value.to_string()),
                "version" => version = Some(value.to_string()),
                _ => {}
            }
        }
    }
    let missing = |k: &str| format!("the answer has no `{k}`");
    let url = url.ok_or_else(|| missing("url"))?;
    let sha256 = sha256
        .ok_or_else(|| missing("sha256"))?
        .to_ascii_lowercase();
    let version = version.ok_or_else(|| missing("version"))?;
    if !is_sha256(&sha256) {
        return Err(format!("`{sha256}` is not a sha256"));
    }
    if !is_package_url(&url) {
        return Err(format!("`{url}` is not an http(s) URL"));
    }
    Ok(Metadata {
        url,
        sha256,
        version,
    })
}

/// Asks the metadata endpoint `base` for the package `need` names; the
/// entry to pin. Any failure names the URL asked.
pub async fn resolve(base: &str, need: &CincNeed) -> Result<Cinc, String> {
    let url = format!("{base}?{}", need.metadata_query());
    let what = format!(
        "the {} {} package for {} {}",
        need.client.title(),
        need.version,
        need.os,
        need.arch
    );
    let body = get(&url)
        .await
        .map_err(|e| format!("cannot read {what} from {url}: {e}"))?;
    let text = String::from_utf8_lossy(&body);
    let m = parse_metadata(&text).map_err(|e| format!("{url} did not describe {what}: {e}"))?;
    if m.version != need.version {
        return Err(format!(
            "{url} answered version {} for {what}; stackc installs exactly {}",
            m.version, need.version
        ));
    }
    Ok(Cinc {
        client: need.client,
        os: need.os.clone(),
        arch: need.arch,
        version: m.version,
        sha256: m.sha256,
        url: m.url,
    })
}

/// Where a package came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The local cache, this file.
    Cache(PathBuf),
    /// Its pinned URL.
    Download,
}

/// Why the pinned package cannot be used; each names the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageError {
    /// It could not be downloaded.
    Download(String),
    /// What was downloaded is not the package the lock file pins.
    Mismatch(String),
}

impl std::fmt::Display for PackageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackageError::Download(m) | PackageError::Mismatch(m) => write!(f, "{m}"),
        }
    }
}

/// The package `pin` names: from the cache when it holds the right bytes,
/// else downloaded from the pinned URL and checked against the pinned
/// sha256 before it is cached or returned.
pub async fn package(pin: &Cinc, cache: Option<&Path>) -> Result<(Vec<u8>, Source), PackageError> {
    let cached = cache.map(|d| d.join(&pin.sha256));
    if let Some(path) = &cached {
        if let Ok(bytes) = std::fs::read(path) {
            if sha256_hex(&bytes) == pin.sha256 {
                return Ok((bytes, Source::Cache(path.clone())));
            }
            // A damaged copy: fetch it again.
            let _ = std::fs::remove_file(path);
        }
    }
    let bytes = get(&pin.url).await.map_err(|e| {
        PackageError::Download(format!(
            "cannot download the {} package {}: {e}",
            pin.client.title(),
            pin.url
        ))
    })?;
    let sha = sha256_hex(&bytes);
    if sha != pin.sha256 {
        return Err(PackageError::Mismatch(format!(
            "the {} package at {} has sha256 {sha}, not the {} the lock file pins",
            pin.client.title(),
            pin.url,
            pin.sha256
        )));
    }
    if let Some(path) = &cached {
        // A cache that cannot be written costs a download next time, no more.
        let _ = write_atomically(path, &bytes);
    }
    Ok((bytes, Source::Download))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("package"),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_reads_omnitruck_text_and_json() {
        let sha = "AB".repeat(32);
        let text = format!(
            "sha1\t0f41819c41f7430723d3b88ea3e42302a4dc6571\nsha256\t{sha}\nurl\thttps://downloads.example/cinc_18.6.2-1_amd64.deb\nversion\t18.6.2\n"
        );
        let m = parse_metadata(&text).unwrap();
        assert_eq!(m.sha256, "ab".repeat(32));
        assert_eq!(m.url, "https://downloads.example/cinc_18.6.2-1_amd64.deb");
        assert_eq!(m.version, "18.6.2");
        let json = format!(
            r#"{{"sha256": "{sha}", "url": "https://downloads.example/x.rpm", "version": "18.6.2"}}"#
        );
        assert_eq!(
            parse_metadata(&json).unwrap().url,
            "https://downloads.example/x.rpm"
        );
        assert_eq!(
            parse_metadata("url\thttps://d.example/x.rpm\nversion\t1\n").unwrap_err(),
            "the answer has no `sha256`"
        );
        assert!(parse_metadata("<html>Not Found</html>").is_err());
        assert!(
            parse_metadata("sha256 abc\nurl https://d.example/x\nversion 1")
                .unwrap_err()
                .contains("is not a sha256")
        );
    }

    #[tokio::test]
    async fn a_cached_package_is_used_only_when_its_sha256_matches() {
        let dir = std::env::temp_dir().join(format!("stackc-cinc-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = b"a package".to_vec();
        let pin = Cinc {
            client: Client::Cinc,
            os: "amazon-linux-2023".into(),
            arch: stackc_core::stdlib::Arch::X86_64,
            version: "18.6.2".into(),
            sha256: sha256_hex(&bytes),
            // Nothing listens on the discard port: any download fails.
            url: "http://127.0.0.1:9/cinc.rpm".into(),
        };
        std::fs::write(dir.join(&pin.sha256), &bytes).unwrap();
        assert_eq!(
            package(&pin, Some(&dir)).await.unwrap(),
            (bytes, Source::Cache(dir.join(&pin.sha256)))
        );
        // A damaged copy is not used (and the download then fails, naming the URL).
        std::fs::write(dir.join(&pin.sha256), b"damaged").unwrap();
        let err = package(&pin, Some(&dir)).await.unwrap_err().to_string();
        assert!(
            err.starts_with("cannot download the Cinc package http://127.0.0.1:9/cinc.rpm: "),
            "{err}"
        );
        assert!(!dir.join(&pin.sha256).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
