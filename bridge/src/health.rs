//! What a platform asks a replica: `GET /healthz` (alive: 200 `ok` while
//! the process runs) and `GET /readyz` (200 `ready` while it accepts
//! sessions, 503 `draining` from the shutdown signal on, so a load balancer
//! sends new sessions elsewhere), on the main listener and on the metrics
//! listener (`--metrics-listen`), which also serves `GET /metrics`. None of
//! them needs a token or passes the Host check: they reveal nothing but
//! liveness, readiness and counts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::metrics::{self, Metrics};

/// Whether the bridge still accepts sessions.
#[derive(Debug, Default)]
pub struct Readiness {
    /// Set once at the shutdown signal; never cleared.
    draining: AtomicBool,
}

impl Readiness {
    /// Ready.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// From now on: not ready, new sessions refused.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether the shutdown signal came.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

/// A short plain-text answer that is never cached.
fn plain(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// `GET /healthz`.
pub async fn healthz() -> Response {
    plain(StatusCode::OK, "ok\n")
}

/// `GET /readyz`.
pub async fn readyz(State(ready): State<Arc<Readiness>>) -> Response {
    if ready.is_draining() {
        plain(StatusCode::SERVICE_UNAVAILABLE, "draining\n")
    } else {
        plain(StatusCode::OK, "ready\n")
    }
}

/// `/healthz` and `/readyz`, for merging into a router outside its guard.
pub fn probes(ready: Arc<Readiness>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(ready)
}

/// The metrics listener's router: the probes and `GET /metrics`; anything
/// else is 404.
pub fn metrics_router(ready: Arc<Readiness>, metrics: Arc<Metrics>) -> Router {
    let scrape = get(move || {
        let metrics = Arc::clone(&metrics);
        async move {
            (
                [
                    (header::CONTENT_TYPE, metrics::CONTENT_TYPE),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                metrics.encode(),
            )
                .into_response()
        }
    });
    Router::new()
        .route("/metrics", scrape)
        .merge(probes(ready))
        .fallback(|| async { plain(StatusCode::NOT_FOUND, "not found\n") })
}
