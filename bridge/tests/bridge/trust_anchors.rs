//! `GET /trust-anchors.bin`: the public root CAs the tab's TLS trusts,
//! served without a token, decodable with shared's decoder, revalidated by
//! `ETag`, and behind the same Host check as the UI files.

use smtplab_shared::tls::anchors;

use crate::harness::start;

/// The value of header `name` in a raw header block.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[tokio::test]
async fn the_list_is_served_without_a_token_and_decodes_to_mozillas_roots() {
    let bridge = start(|_| {}).await;
    let (status, head, body) = bridge.get("/trust-anchors.bin", None, &[]).await;
    assert_eq!(status, 200, "{head}");
    assert_eq!(
        header(&head, "content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(header(&head, "cache-control"), Some("no-cache"));
    assert_eq!(
        header(&head, "content-length"),
        Some(body.len().to_string().as_str())
    );
    let decoded = anchors::decode(&body).expect("the served list decodes");
    assert_eq!(decoded.len(), webpki_roots::TLS_SERVER_ROOTS.len());
    assert_eq!(decoded.as_slice(), webpki_roots::TLS_SERVER_ROOTS);

    // A copy with the same ETag is still good: 304 and no body.
    let etag = header(&head, "etag").expect("an ETag").to_owned();
    let (status, _, body) = bridge
        .get(
            "/trust-anchors.bin",
            None,
            &[&format!("If-None-Match: \"stale\", {etag}")],
        )
        .await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    let (status, _, body) = bridge
        .get("/trust-anchors.bin", None, &["If-None-Match: \"stale\""])
        .await;
    assert_eq!(status, 200);
    assert!(anchors::decode(&body).is_ok());
    bridge.shutdown().await;
}

#[tokio::test]
async fn a_foreign_host_is_refused_as_for_the_ui_files() {
    let bridge = start(|_| {}).await;
    let rebound = format!("evil.example:{}", bridge.addr.port());
    let (status, _, body) = bridge.get("/trust-anchors.bin", Some(&rebound), &[]).await;
    let (file_status, _, file_body) = bridge.get("/index.html", Some(&rebound), &[]).await;
    assert_eq!(status, 403);
    assert_eq!((status, &body), (file_status, &file_body));
    assert!(anchors::decode(&body).is_err());
    let (status, _, _) = bridge
        .get(
            "/trust-anchors.bin",
            Some(&format!("localhost:{}", bridge.addr.port())),
            &[],
        )
        .await;
    assert_eq!(status, 200);
    bridge.shutdown().await;
}
