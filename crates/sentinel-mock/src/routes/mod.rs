//! The endpoints, as LivePerson documents them, one module per API, and the one
//! table of routes that both the router and the classifier (faults, counters,
//! the request log) are built from: a route cannot be served without being
//! classified, nor classified without being served.

mod answer;
mod app_token;
mod auth;
mod domain;
mod idp;
mod login;
mod oauth;
mod pkce;
mod protected;
mod request;
mod token_fault;

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::{MethodFilter, MethodRouter, on};

pub(crate) use answer::{html, plain};
pub(crate) use token_fault::TokenFault;

use crate::endpoint::Endpoint;
use crate::state::Shared;

/// One route of the emulator. A path served for several methods has one entry
/// per method (the router merges them).
pub(crate) struct Route {
    pub(crate) method: Method,
    /// An axum path pattern: a `{name}` segment stands for any one segment, even
    /// an empty one (as the router takes it).
    pub(crate) path: &'static str,
    /// What requests to the path count as (whatever their method: a wrong one is
    /// a 405 from this endpoint, and can be faulted like the right one).
    pub(crate) endpoint: Endpoint,
    /// What they count as instead when the query has `v=2.0`: the V1 AppJWT path
    /// asked for a V2 token.
    pub(crate) with_v2: Option<Endpoint>,
    /// The handler for `method`, given as its filter.
    pub(crate) handler: fn(MethodFilter) -> MethodRouter<Arc<Shared>>,
}

/// Every route, in the order of the protocol reference.
pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::GET,
        path: "/api/account/{account}/service/baseURI.json",
        endpoint: Endpoint::DomainApi,
        with_v2: None,
        handler: |m| on(m, domain::all_services),
    },
    Route {
        method: Method::GET,
        path: "/api/account/{account}/service/{service}/baseURI.json",
        endpoint: Endpoint::DomainApi,
        with_v2: None,
        handler: |m| on(m, domain::one_service),
    },
    Route {
        method: Method::GET,
        path: "/sentinel/api/account/{account}/authorize",
        endpoint: Endpoint::Authorize,
        with_v2: None,
        handler: |m| on(m, oauth::authorize),
    },
    Route {
        method: Method::POST,
        path: "/sentinel/api/account/{account}/login",
        endpoint: Endpoint::Login,
        with_v2: None,
        handler: |m| on(m, login::login),
    },
    Route {
        method: Method::POST,
        path: "/sentinel/api/account/{account}/token",
        endpoint: Endpoint::Token,
        with_v2: None,
        handler: |m| on(m, oauth::token),
    },
    Route {
        method: Method::POST,
        path: "/sentinel/api/account/{account}/token/revoke",
        endpoint: Endpoint::Revoke,
        with_v2: None,
        handler: |m| on(m, oauth::revoke),
    },
    Route {
        method: Method::POST,
        path: "/sentinel/api/account/{account}/app/token",
        endpoint: Endpoint::AppTokenV1,
        with_v2: Some(Endpoint::AppTokenV2),
        handler: |m| on(m, app_token::app_token_v1),
    },
    Route {
        method: Method::POST,
        path: "/sentinel/api/v2/account/{account}/app/token",
        endpoint: Endpoint::AppTokenV2,
        with_v2: None,
        handler: |m| on(m, app_token::app_token_v2),
    },
    Route {
        method: Method::GET,
        path: "/sentinel/well-known/jwks",
        endpoint: Endpoint::Jwks,
        with_v2: None,
        handler: |m| on(m, app_token::jwks),
    },
    Route {
        method: Method::POST,
        path: "/api/account/{account}/consumer",
        endpoint: Endpoint::Consumer,
        with_v2: None,
        handler: |m| on(m, idp::consumer),
    },
    // Stand-ins for the LivePerson APIs that take an AppJWT (not in the protocol
    // reference: for testing what attaches the tokens).
    Route {
        method: Method::GET,
        path: "/api/account/{account}/app/protected",
        endpoint: Endpoint::Protected,
        with_v2: None,
        handler: |m| on(m, protected::protected),
    },
    Route {
        method: Method::POST,
        path: "/api/account/{account}/app/protected",
        endpoint: Endpoint::Protected,
        with_v2: None,
        handler: |m| on(m, protected::protected),
    },
    Route {
        method: Method::POST,
        path: "/api/account/{account}/messaging/consumer/conversation/send",
        endpoint: Endpoint::SendApi,
        with_v2: None,
        handler: |m| on(m, protected::send),
    },
];

/// The router of [`ROUTES`]; anything else is an HTML 404 ([`Endpoint::Other`]).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    ROUTES
        .iter()
        .fold(Router::new(), |router, r| {
            let filter = MethodFilter::try_from(r.method.clone())
                .unwrap_or_else(|_| panic!("no method filter for {} {}", r.method, r.path));
            router.route(r.path, (r.handler)(filter))
        })
        .fallback(|| async { html(StatusCode::NOT_FOUND, "Not Found") })
        .with_state(shared)
}

/// Which endpoint a request belongs to: that of the route whose path it matches,
/// by the same rule as the router, or [`Endpoint::Other`].
pub(crate) fn classify(path: &str, query: Option<&str>) -> Endpoint {
    let Some(route) = ROUTES.iter().find(|r| path_matches(r.path, path)) else {
        return Endpoint::Other;
    };
    let v2 = || {
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .any(|(k, v)| k == "v" && v == "2.0")
    };
    match route.with_v2 {
        Some(e) if v2() => e,
        _ => route.endpoint,
    }
}

/// Whether `path` matches `pattern` segment by segment. `//sentinel/...` has an
/// empty first segment, so it matches nothing, as the router serves it nothing.
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w == g || is_param(w) => {}
            _ => return false,
        }
    }
}

fn is_param(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;
    use crate::config::{DEFAULT_ACCOUNT, MockConfig};

    /// `route`'s path with its parameters filled in: the default account, the
    /// `sentinel` service.
    fn sample(path: &str) -> String {
        path.split('/')
            .map(|s| match s {
                "{account}" => DEFAULT_ACCOUNT,
                "{service}" => "sentinel",
                s if is_param(s) => panic!("no sample value for {s} in {path}"),
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn every_route_is_classified_as_its_endpoint() {
        for r in ROUTES {
            let path = sample(r.path);
            assert_eq!(classify(&path, None), r.endpoint, "{path}");
            assert_eq!(classify(&path, Some("v=1.0")), r.endpoint, "{path}?v=1.0");
            assert_eq!(
                classify(&path, Some("v=2.0")),
                r.with_v2.unwrap_or(r.endpoint),
                "{path}?v=2.0"
            );
        }
    }

    #[test]
    fn every_endpoint_has_a_route_and_other_none() {
        for e in Endpoint::ALL {
            let routes = ROUTES.iter().filter(|r| r.endpoint == e).count();
            if e == Endpoint::Other {
                assert_eq!(routes, 0, "Other is what no route matches");
            } else {
                assert!(routes > 0, "{e:?} has no route");
            }
        }
    }

    #[test]
    fn the_crate_docs_list_every_route_under_its_endpoint() {
        let docs = include_str!("../lib.rs");
        for r in ROUTES {
            let row = format!("//! | [`Endpoint::{:?}`] |", r.endpoint);
            let row = docs
                .lines()
                .find(|l| l.starts_with(&row))
                .unwrap_or_else(|| panic!("no row for {:?} in the crate docs", r.endpoint));
            let route = format!("`{} {}", r.method, r.path.replace("{account}", "{a}"));
            // Whole paths: the V1 AppJWT one is documented with its `?v=1.0`.
            let listed = [format!("{route}`"), format!("{route}?")];
            assert!(
                listed.iter().any(|l| row.contains(l.as_str())),
                "{route} not in {row}"
            );
        }
    }

    /// What the router answers `method path`, and whether it came from the
    /// fallback rather than a route.
    async fn answer(router: &Router, method: Method, path: &str) -> (StatusCode, bool) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let fallback = status == StatusCode::NOT_FOUND
            && String::from_utf8_lossy(&body).contains("<h1>Not Found</h1>");
        (status, fallback)
    }

    fn test_router() -> Router {
        let shared = Shared::new(MockConfig::default(), "127.0.0.1:1".to_owned());
        router(Arc::new(shared))
    }

    #[tokio::test]
    async fn the_router_serves_every_route_of_the_table() {
        let router = test_router();
        for r in ROUTES {
            let path = sample(r.path);
            let (status, fallback) = answer(&router, r.method.clone(), &path).await;
            assert!(!fallback, "{} {path} fell through to the 404", r.method);
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{} {path}",
                r.method
            );
            // Every other method is a 405 (HEAD is served with GET, as by axum).
            let served: Vec<&Method> = ROUTES
                .iter()
                .filter(|o| o.path == r.path)
                .map(|o| &o.method)
                .collect();
            let others = [Method::GET, Method::POST, Method::PUT, Method::DELETE];
            for other in others.iter().filter(|m| !served.contains(m)) {
                let (status, _) = answer(&router, other.clone(), &path).await;
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{other} {path}");
            }
        }
    }

    #[tokio::test]
    async fn classification_agrees_with_the_router() {
        let router = test_router();
        let mut probes = vec![
            "/".to_owned(),
            "/elsewhere".to_owned(),
            "/sentinel".to_owned(),
            "/sentinel/api/account/123456".to_owned(),
        ];
        for r in ROUTES {
            let path = sample(r.path);
            probes.push(format!("/{path}"));
            probes.push(format!("{path}/"));
            probes.push(format!("{path}/extra"));
            probes.push(path.replace(DEFAULT_ACCOUNT, ""));
            probes.push(path.replace(DEFAULT_ACCOUNT, "12%2F34"));
            probes.push(path.replace("sentinel", "Sentinel"));
            probes.push(path);
        }
        for path in probes {
            let endpoint = classify(&path, None);
            let route = ROUTES.iter().find(|r| r.endpoint == endpoint);
            let method = route.map_or(Method::GET, |r| r.method.clone());
            let (_, fallback) = answer(&router, method, &path).await;
            assert_eq!(
                fallback,
                endpoint == Endpoint::Other,
                "{path} is classified {endpoint:?}"
            );
        }
    }
}
