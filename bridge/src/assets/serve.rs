//! The HTTP response for an embedded UI file: the encoding the request
//! accepts, `Vary: Accept-Encoding`, the cache policy and a `304` when the
//! request already holds this representation.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse as _, Response};

use super::negotiate;
use super::Asset;

/// How the response may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CachePolicy {
    /// The file's own: `immutable` for content-hashed names, else
    /// `no-cache` (revalidate with the ETag every time).
    Asset,
    /// `no-store`: nothing is kept, not even under its URL (the page
    /// requested with the token in its query, so the token never lands in
    /// the browser's cache index).
    NoStore,
}

/// `Cache-Control` of a content-hashed file: a year, and never revalidated.
pub(crate) const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of every other file: kept, but revalidated (a `304`).
pub(crate) const REVALIDATE: &str = "no-cache";

/// The response to a GET (or HEAD) of `asset` with the request's `headers`.
pub(crate) fn response(asset: Asset, headers: &HeaderMap, policy: CachePolicy) -> Response {
    let accept = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok());
    let encoding = negotiate::choose(accept, &asset.encodings());
    let etag = asset.etag(encoding);
    let cache_control = match policy {
        CachePolicy::NoStore => "no-store",
        CachePolicy::Asset if asset.immutable() => IMMUTABLE,
        CachePolicy::Asset => REVALIDATE,
    };
    let common = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ),
        (header::VARY, HeaderValue::from_static("Accept-Encoding")),
        (
            header::ETAG,
            HeaderValue::from_str(&etag).expect("an ETag is hex and quotes"),
        ),
    ];
    let if_none_match = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok());
    if policy == CachePolicy::Asset && negotiate::none_match(if_none_match, &etag) {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    let mut response = (
        common,
        [(header::CONTENT_TYPE, asset.content_type)],
        asset.body(encoding).into_owned(),
    )
        .into_response();
    if let Some(token) = encoding.token() {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    use axum::body::to_bytes;

    use crate::assets::{self, Encoding};

    fn request(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(name, HeaderValue::from_str(value).expect("valid"));
        }
        headers
    }

    fn header_of<'a>(response: &'a Response, name: &header::HeaderName) -> Option<&'a str> {
        response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    async fn body(response: Response) -> Vec<u8> {
        to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("in-memory body")
            .to_vec()
    }

    #[tokio::test]
    async fn the_page_is_sent_in_the_accepted_encoding_and_revalidated() {
        let page = assets::index();
        let gzip = response(
            page,
            &request(&[(header::ACCEPT_ENCODING, "gzip, deflate")]),
            CachePolicy::Asset,
        );
        assert_eq!(gzip.status(), StatusCode::OK);
        assert_eq!(header_of(&gzip, &header::CONTENT_ENCODING), Some("gzip"));
        assert_eq!(header_of(&gzip, &header::VARY), Some("Accept-Encoding"));
        assert_eq!(header_of(&gzip, &header::CACHE_CONTROL), Some(REVALIDATE));
        let etag = header_of(&gzip, &header::ETAG).expect("etag").to_owned();
        assert_eq!(etag, page.etag(Encoding::Gzip));
        let mut inflated = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&body(gzip).await[..]),
            &mut inflated,
        )
        .expect("gzip");
        assert_eq!(inflated, page.identity().as_ref());

        let identity = response(page, &request(&[]), CachePolicy::Asset);
        assert_eq!(header_of(&identity, &header::CONTENT_ENCODING), None);
        assert_ne!(header_of(&identity, &header::ETAG), Some(etag.as_str()));
        assert_eq!(body(identity).await, page.identity().as_ref());

        let again = response(
            page,
            &request(&[
                (header::ACCEPT_ENCODING, "gzip"),
                (header::IF_NONE_MATCH, &etag),
            ]),
            CachePolicy::Asset,
        );
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header_of(&again, &header::ETAG), Some(etag.as_str()));
        assert_eq!(header_of(&again, &header::VARY), Some("Accept-Encoding"));
        assert!(body(again).await.is_empty());

        // The same tag for another encoding is another representation.
        let other = response(
            page,
            &request(&[(header::IF_NONE_MATCH, &etag)]),
            CachePolicy::Asset,
        );
        assert_eq!(other.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn no_store_never_answers_304() {
        let page = assets::index();
        let etag = page.etag(Encoding::Identity);
        let response = response(
            page,
            &request(&[(header::IF_NONE_MATCH, &etag)]),
            CachePolicy::NoStore,
        );
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_of(&response, &header::CACHE_CONTROL),
            Some("no-store")
        );
    }
}
