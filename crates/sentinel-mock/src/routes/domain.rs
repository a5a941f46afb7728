//! The Domain API: where each service of an account is.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::answer::{html, json_ok};
use super::request::check_account;
use crate::state::Shared;

/// The services the emulator lists, in the order of the all-services answer.
/// LivePerson's own clients read `sentinel` and `idp` (and a connector the
/// messaging ones) from this one list.
const SERVICES: [&str; 4] = ["sentinel", "idp", "asyncMessagingEnt", "agentVep"];

/// Every listed service points at the emulator (or the advertised host): the
/// emulator serves only `sentinel` and `idp`, but a user's own calls to the others
/// must reach loopback, never a LivePerson production host with test tokens.
fn services(s: &Shared, account: &str) -> Vec<Value> {
    let own = s.config.advertised_host.as_deref().unwrap_or(&s.host);
    SERVICES
        .iter()
        .map(|service| json!({"service": service, "account": account, "baseURI": own}))
        .collect()
}

pub(super) async fn all_services(
    State(s): State<Arc<Shared>>,
    Path(account): Path<String>,
) -> Response {
    if let Err(r) = check_account(&s, &account) {
        return r;
    }
    json_ok(json!({"baseURIs": services(&s, &account)}))
}

pub(super) async fn one_service(
    State(s): State<Arc<Shared>>,
    Path((account, service)): Path<(String, String)>,
) -> Response {
    if let Err(r) = check_account(&s, &account) {
        return r;
    }
    match services(&s, &account)
        .into_iter()
        .find(|e| e["service"] == service.as_str())
    {
        Some(e) => json_ok(e),
        None => html(StatusCode::NOT_FOUND, "Unknown service"),
    }
}
