//! `/sse/redirect`: a redirect to the same server under its other loopback name, and never to
//! another host.

mod support;

use support::{request, serve};

#[tokio::test]
async fn redirects_to_the_other_loopback_name_on_the_same_port() {
    let (addr, _) = serve().await;
    let port = addr.port();
    let to = "%2Fsse%2Fmessages%3Fn%3D2%26key%3Dk";
    for (host, other) in [("127.0.0.1", "localhost"), ("localhost", "127.0.0.1")] {
        let head = format!("POST /sse/redirect?to={to} HTTP/1.1\r\nHost: {host}:{port}");
        let response = request(addr, &head, b"").await;
        assert_eq!(response.status, 307, "{}", response.text());
        let location = format!("http://{other}:{port}/sse/messages?n=2&key=k");
        assert_eq!(response.header("location"), Some(location.as_str()));
    }
}

#[tokio::test]
async fn a_host_whose_port_is_not_digits_gets_no_redirect() {
    let (addr, _) = serve().await;
    let port = addr.port();
    for host in [
        format!("127.0.0.1:{port}@evil.example"),
        format!("localhost:{port}@evil.example"),
        "127.0.0.1:".to_string(),
        "127.0.0.1:123456".to_string(),
        "127.0.0.1:65536".to_string(),
    ] {
        let head = format!("GET /sse/redirect?to=%2Fsse%2Fmessages HTTP/1.1\r\nHost: {host}");
        let response = request(addr, &head, b"").await;
        assert_ne!(
            response.status,
            307,
            "{host}: {:?}",
            response.header("location")
        );
        assert_eq!(response.header("location"), None, "{host}");
    }
}

#[tokio::test]
async fn refuses_a_target_that_is_not_a_path_of_this_server() {
    let (addr, _) = serve().await;
    for to in [
        "",
        "http%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example%2F",
        "sse%2Fmessages",
    ] {
        let path = format!("/sse/redirect?to={to}");
        let response = request(addr, &format!("GET {path} HTTP/1.1"), b"").await;
        assert_eq!(response.status, 400, "{path}");
        assert!(response.text().starts_with("`to` must be "), "{path}");
    }
    let path = format!("/sse/redirect?to=%2F{}", "a".repeat(2_048));
    assert_eq!(
        request(addr, &format!("GET {path} HTTP/1.1"), b"")
            .await
            .status,
        400
    );
}
