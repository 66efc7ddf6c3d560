//! The probe: a WebSocket opened at mount only to read the bridge's
//! `hello`, so the banner shows the policy (or why the bridge cannot be
//! used) before anything runs. It sends nothing but `close`.

use std::cell::RefCell;
use std::rc::Rc;

use smtplab_shared::wire::{ClientMessage, ErrorCode, ServerMessage, PROTOCOL_VERSION};

use super::Driver;
use crate::problem::BridgeProblem;
use crate::socket::{Socket, SocketEvent};
use crate::state::{Action, BridgeStatus};

/// The WebSocket opened at mount, only to read `hello`.
pub(super) struct ProbeLink {
    /// Socket id.
    id: u64,
    /// The WebSocket.
    socket: Socket,
    /// `hello` arrived (or the failure was reported).
    greeted: bool,
}

impl Driver {
    pub(super) fn probe(this: &Rc<RefCell<Self>>) {
        let id = this.borrow_mut().take_id();
        match Self::open(this, id, Self::on_probe_event) {
            Ok(socket) => {
                this.borrow_mut().probe = Some(ProbeLink {
                    id,
                    socket,
                    greeted: false,
                });
            }
            Err(_) => Self::diagnose(this, |_, _| {}),
        }
    }

    fn on_probe_event(this: &Rc<RefCell<Self>>, id: u64, event: SocketEvent) {
        let mut d = this.borrow_mut();
        let dispatch = d.dispatch.clone();
        let Some(probe) = d.probe.as_mut().filter(|p| p.id == id) else {
            return;
        };
        match event {
            SocketEvent::Control(ServerMessage::Hello { version, policy }) => {
                probe.greeted = true;
                let status = if version == PROTOCOL_VERSION {
                    BridgeStatus::Ready(policy)
                } else {
                    BridgeStatus::Problem(BridgeProblem::Version(version))
                };
                dispatch.dispatch(Action::Bridge(status));
                // The probe only wanted `hello`: free the bridge's session slot.
                probe.socket.send_control(&ClientMessage::Close);
            }
            SocketEvent::Control(ServerMessage::Error {
                code: ErrorCode::Limit,
                message,
            }) => {
                dispatch.dispatch(Action::Bridge(BridgeStatus::Problem(BridgeProblem::Busy(
                    message,
                ))));
            }
            SocketEvent::Closed { .. } if !probe.greeted => {
                probe.greeted = true; // report once
                drop(d);
                Self::diagnose(this, |_, _| {});
            }
            _ => {}
        }
    }
}
