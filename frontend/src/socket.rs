//! A WebSocket to the bridge with typed events: text frames decode to
//! [`ServerMessage`], binary frames are the relayed TCP bytes.
//!
//! Only the `use_bridge` hook uses this; components never see a socket.

use std::rc::Rc;

use smtplab_shared::wire::{ClientMessage, ServerMessage};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// Something that happened on the socket.
#[derive(Debug)]
pub(crate) enum SocketEvent {
    /// A control message from the bridge.
    Control(ServerMessage),
    /// Bytes from the mail server.
    Bytes(Vec<u8>),
    /// A text frame that is not a known control message.
    Malformed(String),
    /// The socket failed (the browser gives no detail).
    Failed,
    /// The socket closed.
    Closed {
        /// The close code (1006: closed without a close frame).
        code: u16,
    },
}

/// An open WebSocket and the handlers that keep its events flowing.
pub(crate) struct Socket {
    /// The browser socket.
    ws: WebSocket,
    /// Kept alive as long as the socket: JavaScript calls them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    /// As above.
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
    /// As above.
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    /// Opens `url`; every event goes to `on_event`.
    ///
    /// # Errors
    /// The browser's refusal (a malformed URL, or a blocked scheme) in words.
    pub(crate) fn open(url: &str, on_event: Rc<dyn Fn(SocketEvent)>) -> Result<Self, String> {
        let ws = WebSocket::new(url).map_err(|e| format!("{e:?}"))?;
        ws.set_binary_type(BinaryType::Arraybuffer);

        let handler = Rc::clone(&on_event);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            if let Some(text) = data.as_string() {
                match ServerMessage::decode(&text) {
                    Ok(msg) => handler(SocketEvent::Control(msg)),
                    Err(e) => handler(SocketEvent::Malformed(e.to_string())),
                }
            } else if let Ok(buffer) = data.dyn_into::<js_sys::ArrayBuffer>() {
                handler(SocketEvent::Bytes(
                    js_sys::Uint8Array::new(&buffer).to_vec(),
                ));
            }
        });
        let handler = Rc::clone(&on_event);
        let on_error =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| handler(SocketEvent::Failed));
        let handler = on_event;
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            handler(SocketEvent::Closed { code: event.code() })
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Self {
            ws,
            _on_message: on_message,
            _on_error: on_error,
            _on_close: on_close,
        })
    }

    /// Sends a control message; a closed socket drops it (its close event
    /// reports the end).
    pub(crate) fn send_control(&self, msg: &ClientMessage) {
        let _ = self.ws.send_with_str(&msg.encode());
    }

    /// Closes the socket; its close event still comes.
    pub(crate) fn close(&self) {
        let _ = self.ws.close();
    }

    /// Sends bytes for the mail server.
    pub(crate) fn send_bytes(&self, bytes: &[u8]) {
        let _ = self.ws.send_with_u8_array(bytes);
    }

    /// Bytes queued by `send` and not yet handed to the network.
    pub(crate) fn buffered_amount(&self) -> u32 {
        self.ws.buffered_amount()
    }
}

impl Drop for Socket {
    /// Detaches the handlers, then closes: a dropped socket reports nothing.
    fn drop(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
