//! The form's "Extensions" choices as typed (PIPELINING, BDAT and its
//! chunk size, forced 8BITMIME, DSN, stopping at the first refused
//! recipient) and their conversion to the engine's [`EnvelopeOptions`].

use smtplab_shared::smtp::{DsnNotify, DsnOptions, DsnRet, EnvelopeOptions};

use super::FormError;

/// The BDAT chunk size offered until the user types another.
pub(crate) const DEFAULT_CHUNK: &str = "65536";

/// Every NOTIFY value, in the checkboxes' order.
pub(crate) const NOTIFY: [DsnNotify; 4] = [
    DsnNotify::Success,
    DsnNotify::Failure,
    DsnNotify::Delay,
    DsnNotify::Never,
];

/// One editable extension choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExtField {
    /// PIPELINING: `true` / `false`.
    Pipelining,
    /// BDAT instead of DATA: `true` / `false`.
    Bdat,
    /// The BDAT chunk size, as typed.
    BdatChunk,
    /// Force `BODY=8BITMIME`: `true` / `false`.
    EightBit,
    /// Ask for DSN: `true` / `false`.
    Dsn,
    /// RET: `` (none), `full` or `hdrs`.
    DsnRet,
    /// ENVID, as typed (empty: none).
    Envid,
    /// This NOTIFY value on or off: `true` / `false`.
    Notify(DsnNotify),
    /// ORCPT: `true` / `false`.
    Orcpt,
    /// Stop at the first refused recipient: `true` / `false`.
    Strict,
}

/// The extension choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extensions {
    /// Pipeline MAIL, RCPT and DATA when offered.
    pub(crate) pipelining: bool,
    /// Send the message with BDAT.
    pub(crate) bdat: bool,
    /// The BDAT chunk size as typed.
    pub(crate) bdat_chunk: String,
    /// Put `BODY=8BITMIME` on MAIL even for a 7-bit message.
    pub(crate) eight_bit: bool,
    /// Ask for delivery status notifications.
    pub(crate) dsn: bool,
    /// RET=.
    pub(crate) ret: Option<DsnRet>,
    /// ENVID= as typed.
    pub(crate) envid: String,
    /// NOTIFY= values ticked, in [`NOTIFY`] order.
    pub(crate) notify: Vec<DsnNotify>,
    /// ORCPT= on every RCPT.
    pub(crate) orcpt: bool,
    /// End the session at the first refused recipient.
    pub(crate) strict: bool,
}

impl Default for Extensions {
    fn default() -> Self {
        Self {
            pipelining: false,
            bdat: false,
            bdat_chunk: DEFAULT_CHUNK.to_owned(),
            eight_bit: false,
            dsn: false,
            ret: None,
            envid: String::new(),
            notify: Vec::new(),
            orcpt: false,
            strict: false,
        }
    }
}

/// The `<option>` value of a RET choice.
pub(crate) fn ret_value(ret: Option<DsnRet>) -> &'static str {
    match ret {
        None => "",
        Some(DsnRet::Full) => "full",
        Some(DsnRet::Hdrs) => "hdrs",
    }
}

impl Extensions {
    /// Stores a new value for `field`.
    pub(crate) fn set(&mut self, field: ExtField, value: &str) {
        let on = value == "true";
        match field {
            ExtField::Pipelining => self.pipelining = on,
            ExtField::Bdat => self.bdat = on,
            ExtField::BdatChunk => self.bdat_chunk = value.to_owned(),
            ExtField::EightBit => self.eight_bit = on,
            ExtField::Dsn => self.dsn = on,
            ExtField::DsnRet => {
                self.ret = [DsnRet::Full, DsnRet::Hdrs]
                    .into_iter()
                    .find(|r| ret_value(Some(*r)) == value);
            }
            ExtField::Envid => self.envid = value.to_owned(),
            ExtField::Notify(n) => {
                self.notify.retain(|x| *x != n);
                if on {
                    self.notify.push(n);
                    self.notify
                        .sort_by_key(|x| NOTIFY.iter().position(|y| y == x));
                }
            }
            ExtField::Orcpt => self.orcpt = on,
            ExtField::Strict => self.strict = on,
        }
    }

    /// The engine's options, checked.
    ///
    /// # Errors
    /// A chunk size that is not a number from 1 to 4294967295, NOTIFY=NEVER
    /// with another value, an ENVID that is not 1 to 100 printable ASCII
    /// characters.
    pub(crate) fn to_options(&self) -> Result<EnvelopeOptions, FormError> {
        let bdat_chunk = if self.bdat {
            let text = self.bdat_chunk.trim();
            let size: u32 = text
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| FormError::BadChunk(text.to_owned()))?;
            Some(size)
        } else {
            None
        };
        let dsn = if self.dsn {
            if self.notify.contains(&DsnNotify::Never) && self.notify.len() > 1 {
                return Err(FormError::NotifyNeverAlone);
            }
            let envid = self.envid.trim();
            if envid.len() > 100 || !envid.bytes().all(|b| (b' '..=b'~').contains(&b)) {
                return Err(FormError::BadEnvid);
            }
            Some(DsnOptions {
                ret: self.ret,
                envid: (!envid.is_empty()).then(|| envid.to_owned()),
                notify: self.notify.clone(),
                orcpt: self.orcpt,
            })
        } else {
            None
        };
        Ok(EnvelopeOptions {
            pipelining: self.pipelining,
            bdat_chunk,
            eight_bit_mime: self.eight_bit,
            dsn,
            strict_recipients: self.strict,
        })
    }

    /// The options as far as they are valid (a saved draft).
    pub(crate) fn to_draft_options(&self) -> EnvelopeOptions {
        self.to_options().unwrap_or(EnvelopeOptions {
            pipelining: self.pipelining,
            bdat_chunk: None,
            eight_bit_mime: self.eight_bit,
            dsn: None,
            strict_recipients: self.strict,
        })
    }

    /// The choices showing `options`.
    pub(crate) fn from_options(options: &EnvelopeOptions) -> Self {
        let dsn = options.dsn.clone().unwrap_or_default();
        Self {
            pipelining: options.pipelining,
            bdat: options.bdat_chunk.is_some(),
            bdat_chunk: options
                .bdat_chunk
                .map_or_else(|| DEFAULT_CHUNK.to_owned(), |n| n.to_string()),
            eight_bit: options.eight_bit_mime,
            dsn: options.dsn.is_some(),
            ret: dsn.ret,
            envid: dsn.envid.unwrap_or_default(),
            notify: dsn.notify,
            orcpt: dsn.orcpt,
            strict: options.strict_recipients,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_ticked_asks_for_nothing() {
        assert_eq!(
            Extensions::default().to_options(),
            Ok(EnvelopeOptions::default())
        );
    }

    #[test]
    fn ticked_choices_reach_the_options_and_come_back() {
        let mut ext = Extensions::default();
        for (field, value) in [
            (ExtField::Pipelining, "true"),
            (ExtField::Bdat, "true"),
            (ExtField::BdatChunk, " 1024 "),
            (ExtField::EightBit, "true"),
            (ExtField::Dsn, "true"),
            (ExtField::DsnRet, "hdrs"),
            (ExtField::Envid, "run-1"),
            (ExtField::Notify(DsnNotify::Failure), "true"),
            (ExtField::Notify(DsnNotify::Success), "true"),
            (ExtField::Orcpt, "true"),
            (ExtField::Strict, "true"),
        ] {
            ext.set(field, value);
        }
        let options = ext.to_options().expect("valid");
        assert_eq!(
            options,
            EnvelopeOptions {
                pipelining: true,
                bdat_chunk: Some(1024),
                eight_bit_mime: true,
                dsn: Some(DsnOptions {
                    ret: Some(DsnRet::Hdrs),
                    envid: Some("run-1".into()),
                    notify: vec![DsnNotify::Success, DsnNotify::Failure],
                    orcpt: true,
                }),
                strict_recipients: true,
            }
        );
        let back = Extensions::from_options(&options);
        assert_eq!(back.to_options(), Ok(options));
        ext.set(ExtField::Notify(DsnNotify::Success), "false");
        assert_eq!(ext.notify, vec![DsnNotify::Failure]);
    }

    #[test]
    fn bad_chunk_never_with_others_and_bad_envid_are_refused() {
        let mut ext = Extensions::default();
        ext.set(ExtField::Bdat, "true");
        ext.set(ExtField::BdatChunk, "0");
        assert_eq!(ext.to_options(), Err(FormError::BadChunk("0".into())));
        ext.set(ExtField::BdatChunk, "lots");
        assert_eq!(ext.to_options(), Err(FormError::BadChunk("lots".into())));
        assert_eq!(ext.to_draft_options().bdat_chunk, None);
        ext.set(ExtField::Bdat, "false");
        ext.set(ExtField::Dsn, "true");
        ext.set(ExtField::Notify(DsnNotify::Never), "true");
        assert!(ext.to_options().is_ok());
        ext.set(ExtField::Notify(DsnNotify::Delay), "true");
        assert_eq!(ext.to_options(), Err(FormError::NotifyNeverAlone));
        ext.set(ExtField::Notify(DsnNotify::Never), "false");
        ext.set(ExtField::Envid, "é");
        assert_eq!(ext.to_options(), Err(FormError::BadEnvid));
        ext.set(ExtField::DsnRet, "bogus");
        assert_eq!(ext.ret, None);
    }
}
