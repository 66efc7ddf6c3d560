//! SMTP with no IO: replies and their parser, EHLO capabilities, commands,
//! AUTH payloads, explanations, the session spec, the DATA encoding and the
//! session engine.
//!
//! # Layout
//! - [`reply`]: [`Reply`], [`ReplyCode`], [`EnhancedCode`], the incremental [`ReplyParser`].
//! - [`capability`]: [`Capabilities`] and [`Extension`] from an EHLO reply.
//! - [`command`]: [`Command`] and its exact wire line.
//! - [`envelope`]: [`EnvelopeOptions`] and the MAIL/RCPT parameters they give.
//! - [`auth`]: AUTH LOGIN/PLAIN payloads, [`Secret`], [`Credentials`].
//! - [`explain`]: one-sentence explanations of codes and extensions.
//! - [`spec`]: [`SessionSpec`] (serde JSON), its validation, [`compose_message`].
//! - [`message`]: CRLF normalisation and dot-stuffing for DATA.
//! - [`session`]: the sans-IO [`Session`] engine and its events.
//! - [`swaks`]: a spec as an equivalent `swaks` command line ([`swaks_command`]).
//!
//! The TLS layer under the engine lives in [`crate::tls`]; its types that
//! appear in the engine's API are re-exported here.

pub mod auth;
pub mod capability;
pub mod command;
pub mod envelope;
pub mod explain;
pub mod message;
pub mod reply;
pub mod session;
pub mod spec;
pub mod swaks;

pub use crate::tls::{
    CertInfo, TlsContext, TlsFailure, TlsFailureKind, TlsOptions, TlsReport, TlsSetupError,
    Verification,
};
pub use auth::{
    base64_encode, decode_challenge, decode_printable_challenge, plain_initial_response, AuthError,
    Credentials, Secret,
};
pub use capability::{Capabilities, Extension, Mechanism};
pub use command::{Command, CommandError};
pub use envelope::{DsnNotify, DsnOptions, DsnRet, EnvelopeOptions, Requirement};
pub use explain::{
    explain_code, explain_code_ja, explain_enhanced, explain_enhanced_ja, explain_extension,
    explain_extension_ja, explain_reply, explain_reply_ja, ReplyTo,
};
pub use message::{encode_data, wire_size, EncodedMessage};
pub use reply::{
    EnhancedCode, ParseError, Reply, ReplyCode, ReplyParser, Severity, Unparsed, UNPARSED_LINES,
};
pub use session::{
    AbortReason, Event, FailReason, Outcome, ProtocolError, RefusedRecipient, SentLine, Session,
    Step, StepList, StepRow, StepStatus, StepTiming, TlsSkipReason, Verdict, MAX_TRANSMIT_BYTES,
};
pub use spec::{
    compose_message, AddressField, AddressProblem, AuthMechanism, AuthSpec, SessionSpec, SpecError,
    Stage, Timeouts, TlsMode,
};
pub use swaks::{message_parts, shell_quote, swaks_command, MessageParts};
