//! The outbound HTTP client: no redirects, a timeout per attempt, a capped response excerpt, and
//! the SSRF guard.
//!
//! The guard checks the address actually connected to: the client's DNS resolver drops every
//! resolved address in a refused network, so a hostname that resolves (or re-resolves, DNS
//! rebinding) to a private address never gets a connection. URLs with an IP literal skip DNS, so
//! they are checked before the request.

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much of a response body is kept in the attempt log.
pub const RESPONSE_EXCERPT_BYTES: usize = 4096;

/// Which addresses webhooks may reach.
#[derive(Clone, Debug, Default)]
pub struct NetworkGuard {
    /// Networks allowed although the default rules refuse them (`ROSTER_DISPATCH_ALLOWED_NETWORKS`).
    pub allowed: Vec<IpNet>,
}

impl NetworkGuard {
    /// Parses a comma-separated CIDR list (`127.0.0.1/32,10.0.0.0/8`); a bare address is a /32
    /// (or /128).
    pub fn parse(list: &str) -> Result<NetworkGuard, String> {
        let mut allowed = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("'{item}' is not a network like 127.0.0.1/32 or fd00::/8"))?;
            allowed.push(net);
        }
        Ok(NetworkGuard { allowed })
    }

    /// Whether a connection to `ip` is allowed.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allowed.iter().any(|net| net.contains(&ip)) || !is_refused_by_default(ip)
    }
}

/// Private, loopback, link-local (cloud metadata), unique-local, CGNAT, multicast, reserved and
/// documentation addresses.
pub fn is_refused_by_default(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refused_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) embeds an IPv4 address.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let v4 =
                    Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return refused_v4(v4);
            }
            v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[0..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (deprecated)
        }
    }
}

fn refused_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_unspecified()
        || o[0] == 0 // "this network"
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_loopback()
        || ip.is_link_local() // 169.254/16, including 169.254.169.254 metadata
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // CGNAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || ip.is_documentation()
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || ip.is_multicast()
        || o[0] >= 240 // reserved and broadcast
}

/// A DNS resolver that keeps only addresses the guard allows.
struct GuardedResolver {
    guard: Arc<NetworkGuard>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = Arc::clone(&self.guard);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|a| guard.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                let refused = resolved
                    .iter()
                    .map(|a| a.ip().to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(format!(
                    "refused by the SSRF guard: {host} resolves only to private or reserved \
                     addresses ({refused}); allow them with ROSTER_DISPATCH_ALLOWED_NETWORKS"
                )
                .into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// What one HTTP attempt produced.
#[derive(Clone, Debug)]
pub struct AttemptOutcome {
    pub status: Option<u16>,
    pub latency: Duration,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub retry_after: Option<Duration>,
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The webhook HTTP client.
#[derive(Clone, Debug)]
pub struct WebhookClient {
    client: reqwest::Client,
    guard: Arc<NetworkGuard>,
}

impl WebhookClient {
    pub fn new(guard: NetworkGuard, timeout: Duration) -> Result<WebhookClient, reqwest::Error> {
        let guard = Arc::new(guard);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // An HTTP(S)_PROXY from the environment would resolve targets for us, past the
            // guarded resolver: webhooks go direct.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(256)
            .user_agent(concat!("Roster-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver {
                guard: Arc::clone(&guard),
            }))
            .build()?;
        Ok(WebhookClient { client, guard })
    }

    /// Refuses URLs that can never be delivered to: not http(s), or an IP literal the guard
    /// refuses. (Hostnames are checked on each connection by the resolver.)
    pub fn check_url(&self, url: &str) -> Result<url::Url, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("'{url}' is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("'{url}' must be an http or https URL"));
        }
        let ip = match parsed.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(url::Host::Domain(_)) => return Ok(parsed),
            None => return Err(format!("'{url}' has no host")),
        };
        if self.guard.allows(ip) {
            Ok(parsed)
        } else {
            Err(format!(
                "refused by the SSRF guard: {ip} is a private or reserved address; allow it \
                 with ROSTER_DISPATCH_ALLOWED_NETWORKS"
            ))
        }
    }

    /// POSTs `body` with `headers`; never fails, every problem is in the outcome.
    pub async fn post(
        &self,
        url: &str,
        headers: reqwest::header::HeaderMap,
        body: Vec<u8>,
    ) -> AttemptOutcome {
        let started = Instant::now();
        let failed = |error: String, started: Instant| AttemptOutcome {
            status: None,
            latency: started.elapsed(),
            error: Some(error),
            response_excerpt: None,
            retry_after: None,
        };
        let parsed = match self.check_url(url) {
            Ok(u) => u,
            Err(e) => return failed(e, started),
        };
        let response = self
            .client
            .post(parsed)
            .headers(headers)
            .body(body)
            .send()
            .await;
        let mut response = match response {
            Ok(r) => r,
            Err(e) => return failed(describe(&e), started),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::schedule::parse_retry_after);
        let mut excerpt = Vec::new();
        let mut error = None;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = RESPONSE_EXCERPT_BYTES - excerpt.len();
                    excerpt.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if excerpt.len() >= RESPONSE_EXCERPT_BYTES {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    error = Some(describe(&e));
                    break;
                }
            }
        }
        let response_excerpt =
            (!excerpt.is_empty()).then(|| String::from_utf8_lossy(&excerpt).into_owned());
        AttemptOutcome {
            status: Some(status),
            latency: started.elapsed(),
            error: error.or_else(|| {
                (!(200..300).contains(&status)).then(|| format!("the endpoint answered {status}"))
            }),
            response_excerpt,
            retry_after,
        }
    }
}

/// An error with its causes, for the attempt log.
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out".into();
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_reserved_addresses_are_refused_by_default() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(is_refused_by_default(ip), "{ip} should be refused");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(!is_refused_by_default(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn allowed_networks_open_exactly_what_they_name() {
        let guard = NetworkGuard::parse("127.0.0.1/32, 10.0.0.0/8,::1").expect("parse");
        assert!(guard.allows("127.0.0.1".parse().expect("ip")));
        assert!(guard.allows("10.9.9.9".parse().expect("ip")));
        assert!(guard.allows("::1".parse().expect("ip")));
        assert!(!guard.allows("127.0.0.2".parse().expect("ip")));
        assert!(!guard.allows("192.168.0.1".parse().expect("ip")));
        assert!(NetworkGuard::parse("10.0.0.0/33").is_err());
        assert!(NetworkGuard::parse("localhost").is_err());
    }

    #[tokio::test]
    async fn ip_literals_and_hostnames_resolving_to_loopback_are_refused() {
        let client =
            WebhookClient::new(NetworkGuard::default(), Duration::from_secs(2)).expect("client");
        let outcome = client
            .post(
                "http://127.0.0.1:9/hook",
                Default::default(),
                b"{}".to_vec(),
            )
            .await;
        assert!(!outcome.succeeded());
        assert!(
            outcome
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("SSRF"),
            "{outcome:?}"
        );
        let outcome = client
            .post(
                "http://localhost:9/hook",
                Default::default(),
                b"{}".to_vec(),
            )
            .await;
        assert!(
            outcome
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("SSRF"),
            "{outcome:?}"
        );
        assert!(client.check_url("ftp://example.com/").is_err());
    }
}
