//! The Domain API: where each service of an account is.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::answer::{html, json_ok};
use super::request::check_account;
use crate::state::Shared;

fn services(s: &Shared, account: &str) -> Vec<Value> {
    let entry = |service: &str, host: &str| json!({"service": service, "account": account, "baseURI": host});
    let own = s.config.advertised_host.as_deref().unwrap_or(&s.host);
    vec![
        entry("sentinel", own),
        entry("idp", own),
        entry("agentVep", "va.agentvep.liveperson.net"),
        entry("asyncMessagingEnt", "va.msg.liveperson.net"),
    ]
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
