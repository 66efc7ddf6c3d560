//! The geometry of the certificate chain picture: where each box sits,
//! where each validity bar starts and ends, and where "today" is marked.
//!
//! All bars share one time axis (the earliest not-before to the latest
//! not-after of the readable certificates), so the picture shows at a
//! glance which certificate expires first. Today may lie outside that
//! span (everything expired, or nothing valid yet): its marker is then
//! clamped to the track's edge and says on which side today really is.
//! Pure functions in SVG user units, unit-tested natively; the
//! `CertChain` component only draws them.

use smtplab_shared::tls::CertInfo;

/// The picture's width, in SVG user units.
pub(crate) const WIDTH: f64 = 640.0;
/// The space left and right of the boxes.
pub(crate) const MARGIN: f64 = 8.0;
/// The height of the badge row above the first box.
pub(crate) const BADGE_HEIGHT: f64 = 36.0;
/// The height of one certificate box.
pub(crate) const BOX_HEIGHT: f64 = 116.0;
/// The gap between two boxes, where the "issued by" link is drawn.
pub(crate) const GAP: f64 = 30.0;
/// The inner padding of a box; the validity track spans the box minus it.
pub(crate) const PADDING: f64 = 14.0;
/// The narrowest a validity bar is drawn, so a short one stays visible.
pub(crate) const MIN_BAR: f64 = 3.0;
/// How far from a track's end the today label switches from centred to
/// end-anchored, so it never runs out of the box.
const LABEL_ROOM: f64 = 28.0;

/// A time span mapped onto the tracks: `start` and `end` in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Axis {
    /// The earliest not-before.
    pub(crate) start: i64,
    /// The latest not-after (always after `start`).
    pub(crate) end: i64,
}

/// A horizontal track: where a box's validity bar may be drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Track {
    /// Left edge.
    pub(crate) x: f64,
    /// Width.
    pub(crate) width: f64,
}

/// The track inside every box.
pub(crate) const TRACK: Track = Track {
    x: MARGIN + PADDING,
    width: WIDTH - 2.0 * (MARGIN + PADDING),
};

impl Track {
    /// The right edge.
    pub(crate) fn right(self) -> f64 {
        self.x + self.width
    }
}

/// One bar: its left edge and width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bar {
    /// Left edge.
    pub(crate) x: f64,
    /// Width (at least [`MIN_BAR`]).
    pub(crate) width: f64,
}

/// Where today lies against the axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Before every certificate's not-before: clamped to the left edge.
    Before,
    /// Inside the axis.
    Within,
    /// After every certificate's not-after: clamped to the right edge.
    After,
}

impl Side {
    /// The `data-side` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::Within => "within",
            Self::After => "after",
        }
    }
}

/// The today marker: its x, the side today is on, and how its label is
/// anchored (`start`, `middle`, `end`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TodayMark {
    /// Where the marker line is drawn.
    pub(crate) x: f64,
    /// Whether it was clamped, and to which edge.
    pub(crate) side: Side,
    /// The label's `text-anchor`.
    pub(crate) anchor: &'static str,
}

/// The shared axis of the readable certificates; `None` when none is
/// readable.
pub(crate) fn chain_axis(chain: &[CertInfo]) -> Option<Axis> {
    let readable = chain.iter().filter(|c| c.parse_error.is_none());
    let (start, end) = readable.fold(None, |span: Option<(i64, i64)>, c| {
        let (lo, hi) = (
            c.not_before_unix.min(c.not_after_unix),
            c.not_after_unix.max(c.not_before_unix),
        );
        Some(span.map_or((lo, hi), |(s, e)| (s.min(lo), e.max(hi))))
    })?;
    Some(Axis {
        start,
        end: end.max(start + 1),
    })
}

impl Axis {
    /// The x of instant `t` on `track`, unclamped.
    fn x(self, t: i64, track: Track) -> f64 {
        // Seconds since 1970 fit an f64 exactly far beyond any certificate.
        #[allow(clippy::cast_precision_loss)]
        let fraction = (t - self.start) as f64 / (self.end - self.start) as f64;
        track.x + fraction * track.width
    }
}

/// The bar of a certificate valid from `not_before` to `not_after`.
pub(crate) fn validity_bar(axis: Axis, not_before: i64, not_after: i64, track: Track) -> Bar {
    let left = axis
        .x(not_before.min(not_after), track)
        .clamp(track.x, track.right());
    let right = axis
        .x(not_after.max(not_before), track)
        .clamp(track.x, track.right());
    let width = (right - left).max(MIN_BAR);
    Bar {
        x: left.min(track.right() - width),
        width,
    }
}

/// The today marker at `today` (Unix seconds).
pub(crate) fn today_mark(axis: Axis, today: i64, track: Track) -> TodayMark {
    let raw = axis.x(today, track);
    let side = if today < axis.start {
        Side::Before
    } else if today > axis.end {
        Side::After
    } else {
        Side::Within
    };
    let x = raw.clamp(track.x, track.right());
    let anchor = if x - track.x < LABEL_ROOM {
        "start"
    } else if track.right() - x < LABEL_ROOM {
        "end"
    } else {
        "middle"
    };
    TodayMark { x, side, anchor }
}

/// The top of box `index` (0 = the server's certificate).
pub(crate) fn box_top(index: usize) -> f64 {
    // A chain has a handful of certificates; the count fits an f64 exactly.
    #[allow(clippy::cast_precision_loss)]
    let i = index as f64;
    BADGE_HEIGHT + i * (BOX_HEIGHT + GAP)
}

/// The height of a picture of `count` boxes.
pub(crate) fn picture_height(count: usize) -> f64 {
    box_top(count.max(1)) - GAP + MARGIN
}

/// `text` cut to fit `room` units, where an ASCII character takes one and
/// a wider one (CJK) two, with an ellipsis when cut.
pub(crate) fn fit_text(text: &str, room: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if text.chars().map(width).sum::<usize>() <= room {
        return text.to_owned();
    }
    let mut used = 1; // the ellipsis
    let mut out = String::new();
    for c in text.chars() {
        used += width(c);
        if used > room {
            break;
        }
        out.push(c);
    }
    out.push('\u{2026}');
    out
}

/// The date part of a certificate time as the report spells it
/// (`2025-01-01 00:00:00 UTC` → `2025-01-01`).
pub(crate) fn short_date(time: &str) -> &str {
    time.split_whitespace().next().unwrap_or(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn cert(not_before: i64, not_after: i64) -> CertInfo {
        CertInfo {
            subject: "CN=mx.example.test".into(),
            issuer: "CN=Test CA".into(),
            sans: vec![],
            not_before: "2025-01-01 00:00:00 UTC".into(),
            not_after: "2026-01-01 00:00:00 UTC".into(),
            not_before_unix: not_before,
            not_after_unix: not_after,
            days_left: None,
            key_type: "EC P-256".into(),
            key_bits: Some(256),
            sha256: "AB:CD".into(),
            self_issued: false,
            parse_error: None,
            dane: None,
        }
    }

    const TEN: Track = Track {
        x: 10.0,
        width: 100.0,
    };

    #[test]
    fn the_axis_spans_the_readable_certificates() {
        let mut bad = cert(0, 1);
        bad.parse_error = Some("bad DER".into());
        let chain = [cert(100 * DAY, 200 * DAY), bad, cert(50 * DAY, 500 * DAY)];
        assert_eq!(
            chain_axis(&chain),
            Some(Axis {
                start: 50 * DAY,
                end: 500 * DAY
            })
        );
        assert_eq!(chain_axis(&chain[1..2]), None);
        assert_eq!(chain_axis(&[]), None);
        // A zero-length validity still gives an axis to divide by.
        let point = chain_axis(&[cert(7, 7)]).expect("an axis");
        assert!(point.end > point.start);
    }

    #[test]
    fn bars_run_from_not_before_to_not_after_on_the_shared_axis() {
        let axis = Axis {
            start: 0,
            end: 400 * DAY,
        };
        let whole = validity_bar(axis, 0, 400 * DAY, TEN);
        assert_eq!((whole.x, whole.width), (10.0, 100.0));
        let middle = validity_bar(axis, 100 * DAY, 300 * DAY, TEN);
        assert_eq!((middle.x, middle.width), (35.0, 50.0));
        // Swapped dates are drawn the right way round.
        assert_eq!(validity_bar(axis, 300 * DAY, 100 * DAY, TEN), middle);
        // A tiny validity stays visible, and inside the track.
        let tiny = validity_bar(axis, 400 * DAY, 400 * DAY, TEN);
        assert_eq!(tiny.width, MIN_BAR);
        assert!((tiny.x + tiny.width - TEN.right()).abs() < 1e-9);
    }

    #[test]
    fn today_is_marked_inside_or_clamped_to_the_edge_it_lies_beyond() {
        let axis = Axis {
            start: 0,
            end: 400 * DAY,
        };
        let mid = today_mark(axis, 200 * DAY, TEN);
        assert_eq!(
            (mid.x, mid.side, mid.anchor),
            (60.0, Side::Within, "middle")
        );
        let expired = today_mark(axis, 900 * DAY, TEN);
        assert_eq!(
            (expired.x, expired.side, expired.anchor),
            (110.0, Side::After, "end")
        );
        let early = today_mark(axis, -3 * DAY, TEN);
        assert_eq!(
            (early.x, early.side, early.anchor),
            (10.0, Side::Before, "start")
        );
        assert_eq!(today_mark(axis, 0, TEN).side, Side::Within);
        assert_eq!(Side::After.as_str(), "after");
    }

    #[test]
    fn boxes_stack_below_the_badge_with_a_gap_for_each_link() {
        assert_eq!(box_top(0), BADGE_HEIGHT);
        assert_eq!(box_top(2) - box_top(1), BOX_HEIGHT + GAP);
        assert_eq!(picture_height(1), BADGE_HEIGHT + BOX_HEIGHT + MARGIN);
        assert_eq!(picture_height(0), picture_height(1));
        assert!(TRACK.right() < WIDTH - MARGIN);
    }

    #[test]
    fn long_names_are_cut_to_fit_with_an_ellipsis() {
        assert_eq!(fit_text("CN=Test CA", 20), "CN=Test CA");
        assert_eq!(fit_text("CN=abcdefghij", 8), "CN=abcd\u{2026}");
        assert_eq!(fit_text("証明書の名前", 7), "証明書\u{2026}");
        assert_eq!(short_date("2025-01-01 00:00:00 UTC"), "2025-01-01");
        assert_eq!(short_date(""), "");
    }
}
