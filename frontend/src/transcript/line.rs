//! One printable transcript line and its marker (swaks' `->`, `<-`,
//! `<**`, `~>`, `<~`, `<~*`, `===`, `***`): the vocabulary every part of
//! the transcript writes in.

/// The marker at the start of a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// `->`: the client sent this.
    Client,
    /// `<-`: an expected server reply.
    Server,
    /// `<**`: a reply the session did not expect.
    Unexpected,
    /// `~>`: the client sent this over TLS.
    ClientTls,
    /// `<~`: an expected server reply over TLS.
    ServerTls,
    /// `<~*`: an unexpected reply over TLS.
    UnexpectedTls,
    /// `===`: connection information.
    Info,
    /// `***`: a failure.
    Error,
    /// An explanation of the reply above (no marker, indented).
    Explain,
}

impl Marker {
    /// The marker as printed, three characters wide.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Client => " ->",
            Self::Server => "<- ",
            Self::Unexpected => "<**",
            Self::ClientTls => " ~>",
            Self::ServerTls => "<~ ",
            Self::UnexpectedTls => "<~*",
            Self::Info => "===",
            Self::Error => "***",
            Self::Explain => "   ",
        }
    }

    /// A CSS class for the line.
    pub(crate) fn class(self) -> &'static str {
        match self {
            Self::Client | Self::ClientTls => "t-client",
            Self::Server | Self::ServerTls => "t-server",
            Self::Unexpected | Self::UnexpectedTls => "t-unexpected",
            Self::Info => "t-info",
            Self::Error => "t-error",
            Self::Explain => "t-explain",
        }
    }
}

/// One printable line of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// The marker.
    pub(crate) marker: Marker,
    /// The text after the marker.
    pub(crate) text: String,
    /// True when `text` is a masked credential (so the view can style it).
    pub(crate) masked: bool,
}

/// A line that is not a masked credential.
pub(super) fn plain(marker: Marker, text: String) -> Line {
    Line {
        marker,
        text,
        masked: false,
    }
}
