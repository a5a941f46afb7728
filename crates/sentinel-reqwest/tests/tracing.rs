//! Tracing output never carries a secret. Its own test binary: the subscriber is
//! the process-wide default, which no other test may race with.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sentinel_mock::{Endpoint, Fault};
use sentinel_proto::user::RedirectUri;
use sentinel_testkit::capture;

mod common;
use common::*;

#[test]
fn secrets_never_reach_tracing_output() {
    let (buf, subscriber) = capture::fmt_into("trace");
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (code_text, rt_text) = rt.block_on(async {
        let m = mock().await;
        let c = client(&m);
        m.fault(Endpoint::AppTokenV1, Fault::Status(500), 1);
        c.app_token().await.unwrap();
        let redirect = RedirectUri::new(REDIRECT).unwrap();
        let code = login(&c, &redirect).await;
        let t = c.exchange_code(&code, Some(&redirect)).await.unwrap();
        let rt = t.refresh_token.unwrap();
        c.revoke(&rt).await.unwrap();
        let _ = c.refresh(&rt).await.unwrap_err();
        (code.secret().to_owned(), rt.secret().to_owned())
    });
    let logs = buf.text();
    assert!(
        logs.contains("sentinel"),
        "tracing captured nothing: {logs}"
    );
    assert_no_secret(&logs);
    assert!(!logs.contains(&code_text));
    assert!(!logs.contains(&rt_text));
}
