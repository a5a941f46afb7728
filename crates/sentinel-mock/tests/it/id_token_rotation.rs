//! `MockHandle::rotate_id_token_key`: dated kids, new key material, the old kid
//! kept for the grace period.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use sentinel_mock::{ID_TOKEN_KID, Lifetimes, MockServer};

use crate::util::{Jwt, T, config, decode};

/// 2030-06-15 12:00:00 UTC: midday, so that a wall-clock tick during the test
/// does not change the date.
const JUNE_15_2030_NOON: i64 = 1_907_755_200;
/// 2019-08-19 12:00:00 UTC, the date of LivePerson's sample kid.
const AUG_19_2019_NOON: i64 = 1_566_216_000;

fn offset_to(t: i64) -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    t - i64::try_from(now.as_secs()).unwrap()
}

async fn id_token(t: &T) -> Jwt {
    let v = t.login().await;
    decode(v["id_token"].as_str().unwrap())
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

fn jwk<'a>(jwks: &'a Value, kid: &str) -> &'a Value {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap()
}

#[tokio::test]
async fn rotation_dates_the_kid_changes_the_key_and_keeps_the_old_for_the_grace() {
    let base = offset_to(JUNE_15_2030_NOON);
    let t = T::with(
        MockServer::builder()
            .config(config())
            .clock_offset(base)
            .lifetimes(Lifetimes {
                key_grace: Duration::from_secs(100),
                ..Lifetimes::default()
            }),
    )
    .await;
    let v2_kid = t.m.current_v2_kid();
    assert_eq!(t.m.current_id_token_kid(), ID_TOKEN_KID);
    let first = id_token(&t).await;
    first.assert_header(ID_TOKEN_KID);

    let kid = t.m.rotate_id_token_key();
    assert_eq!(kid, "idtoken-30-06-15");
    assert_eq!(t.m.current_id_token_kid(), kid);
    assert_eq!(t.m.current_v2_kid(), v2_kid, "the V2 key is left alone");
    let second = id_token(&t).await;
    second.assert_header(&kid);
    let jwks = t.jwks().await;
    assert_eq!(kids(&jwks), [v2_kid.as_str(), &kid, ID_TOKEN_KID]);
    assert!(second.verifies_with_jwks(&jwks));
    assert!(first.verifies_with_jwks(&jwks), "old kid kept during grace");
    // New key material, not the old key under a new name.
    assert_ne!(jwk(&jwks, &kid)["n"], jwk(&jwks, ID_TOKEN_KID)["n"]);
    let only_old = json!({"keys": [jwk(&jwks, ID_TOKEN_KID)]});
    assert!(!second.verifies_with_any_jwks_key(&only_old));

    // More rotations the same day: unique kids, each with other material
    // than the one before.
    let again = t.m.rotate_id_token_key();
    let third = t.m.rotate_id_token_key();
    assert_eq!(again, "idtoken-30-06-15-2");
    assert_eq!(third, "idtoken-30-06-15-3");
    let jwks = t.jwks().await;
    assert_eq!(
        kids(&jwks),
        [v2_kid.as_str(), &third, &again, &kid, ID_TOKEN_KID]
    );
    assert_ne!(jwk(&jwks, &again)["n"], jwk(&jwks, &kid)["n"]);
    assert_ne!(jwk(&jwks, &third)["n"], jwk(&jwks, &again)["n"]);
    let fourth = id_token(&t).await;
    fourth.assert_header(&third);
    assert!(fourth.verifies_with_jwks(&jwks));

    // Past the grace period only the current ID-token kid is left.
    t.m.set_clock_offset(base + 98);
    assert_eq!(kids(&t.jwks().await).len(), 5, "kept until the end");
    t.m.set_clock_offset(base + 101);
    let jwks = t.jwks().await;
    assert_eq!(kids(&jwks), [v2_kid.as_str(), &third]);
    assert!(!first.verifies_with_jwks(&jwks));
    assert!(!second.verifies_with_jwks(&jwks));
    assert!(fourth.verifies_with_jwks(&jwks));

    // The next day, a kid of that day; a V2 rotation leaves the ID key alone.
    t.m.set_clock_offset(base + 86_400);
    assert_eq!(t.m.rotate_id_token_key(), "idtoken-30-06-16");
    let v2 = t.m.rotate_keys();
    assert_eq!(t.m.current_id_token_kid(), "idtoken-30-06-16");
    assert_ne!(v2, v2_kid);
}

#[tokio::test]
async fn a_kid_is_never_reused_even_on_the_date_of_the_first() {
    let t = T::with(
        MockServer::builder()
            .config(config())
            .clock_offset(offset_to(AUG_19_2019_NOON)),
    )
    .await;
    // `idtoken-19-08-19` is taken by the first key.
    assert_eq!(t.m.rotate_id_token_key(), "idtoken-19-08-19-2");
    id_token(&t).await.assert_header("idtoken-19-08-19-2");
    let jwks = t.jwks().await;
    let ids: Vec<String> = kids(&jwks)
        .into_iter()
        .filter(|k| k.starts_with("idtoken-"))
        .collect();
    assert_eq!(ids, ["idtoken-19-08-19-2", ID_TOKEN_KID]);
}

#[tokio::test]
async fn many_rotations_keep_every_kid_unique_and_every_token_verifiable() {
    let t = T::new().await;
    let mut seen = vec![ID_TOKEN_KID.to_owned()];
    for _ in 0..7 {
        let kid = t.m.rotate_id_token_key();
        assert!(!seen.contains(&kid), "{kid} repeated");
        seen.push(kid.clone());
        let token = id_token(&t).await;
        token.assert_header(&kid);
        assert!(token.verifies_with_jwks(&t.jwks().await));
    }
}
