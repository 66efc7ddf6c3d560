//! The one-message actions of a check ([`Request`]): a DNS `resolve`, or
//! the domain report's `fetch_mta_sts`. Each opens its own WebSocket, sends
//! its message after `hello` and ends with the first answer or `error`.

use smtplab_shared::posture::PolicyAnswer;
use smtplab_shared::wire::{ClientMessage, ErrorCode, RecordType, ServerMessage};

use super::answer::Answer;
use crate::socket::{Socket, SocketEvent};

/// What a one-message action asks the bridge.
pub(super) enum Request {
    /// `resolve`.
    Resolve {
        /// The name asked.
        name: String,
        /// The type asked.
        rtype: RecordType,
    },
    /// `fetch_mta_sts`.
    Fetch {
        /// The policy domain.
        domain: String,
    },
}

impl Request {
    /// The answer when the request could not be made or got no answer.
    pub(super) fn failed(&self, code: ErrorCode, message: String) -> Answer {
        match self {
            Self::Resolve { name, rtype } => {
                Answer::ResolveError(name.clone(), *rtype, code, message)
            }
            Self::Fetch { .. } => Answer::Policy(PolicyAnswer::Failed { code, message }),
        }
    }

    /// The control message carrying the request.
    fn message(&self) -> ClientMessage {
        match self {
            Self::Resolve { name, rtype } => ClientMessage::Resolve {
                name: name.clone(),
                rtype: *rtype,
                id: None,
            },
            Self::Fetch { domain } => ClientMessage::FetchMtaSts {
                domain: domain.clone(),
                id: None,
            },
        }
    }

    /// The answer a socket event gives, if any; sends the request on
    /// `hello`.
    pub(super) fn on_event(&self, socket: &Socket, event: SocketEvent) -> Option<Answer> {
        match event {
            SocketEvent::Control(ServerMessage::Hello { .. }) => {
                socket.send_control(&self.message());
                None
            }
            SocketEvent::Control(ServerMessage::Resolved {
                name,
                rtype,
                records,
                authenticated,
                ..
            }) if matches!(self, Self::Resolve { .. }) => {
                Some(Answer::Resolved(name, rtype, records, authenticated))
            }
            SocketEvent::Control(ServerMessage::MtaStsPolicy {
                url,
                body,
                content_type,
                ..
            }) if matches!(self, Self::Fetch { .. }) => {
                Some(Answer::Policy(PolicyAnswer::Fetched {
                    url,
                    body,
                    content_type,
                }))
            }
            SocketEvent::Control(ServerMessage::Error { code, message }) => {
                Some(self.failed(code, message))
            }
            SocketEvent::Closed { code } => Some(self.failed(
                ErrorCode::Internal,
                format!("the WebSocket closed ({code}) before an answer"),
            )),
            _ => None,
        }
    }
}
