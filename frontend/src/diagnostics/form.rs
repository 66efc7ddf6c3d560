//! The Diagnostics form: what the user typed, and how it becomes the
//! shared crate's [`CheckInput`] and the list of checks to run.

use smtplab_shared::diagnose::{CheckInput, CheckKind, DEFAULT_OUTSIDE_ADDRESS};
use smtplab_shared::posture::ReportOptions;
use smtplab_shared::smtp::{AuthMechanism, AuthSpec, Secret, Timeouts, TlsMode};

/// Which button started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunMode {
    /// "Check this domain": checks 4 and 6 (then 5 and 8 on the primary MX
    /// when asked).
    Domain,
    /// "Check this server": checks 1, 2, (3), 5, 7, 8 on host:port.
    Server,
    /// "Domain report": the report's checks on the domain, in one pass
    /// (DNS blocklists only when opted in with zones).
    Report,
}

/// A text field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiagField {
    /// The mail domain.
    Domain,
    /// The server host.
    Host,
    /// The server port (also the port of the MX hosts).
    Port,
    /// The mailbox to test.
    User,
    /// The sender address.
    From,
    /// The open-relay test's recipient.
    Outside,
    /// The EHLO name.
    EhloName,
    /// AUTH user name (empty: no AUTH).
    AuthUser,
    /// AUTH password.
    AuthPassword,
    /// Greeting and reply timeout, in seconds.
    TimeoutSecs,
    /// The DNS blocklist zones of the domain report.
    DnsblZones,
}

/// The form's contents, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiagForm {
    /// The mail domain.
    pub(crate) domain: String,
    /// The server.
    pub(crate) host: String,
    /// Its port, as typed.
    pub(crate) port: String,
    /// The mailbox to test.
    pub(crate) user: String,
    /// The sender.
    pub(crate) from: String,
    /// The open-relay recipient.
    pub(crate) outside: String,
    /// The EHLO name.
    pub(crate) ehlo_name: String,
    /// AUTH user name; empty means no AUTH.
    pub(crate) auth_user: String,
    /// AUTH password: a [`Secret`], so `Debug` never prints it (and never
    /// in a report).
    pub(crate) auth_password: Secret,
    /// Timeout in seconds, as typed.
    pub(crate) timeout_secs: String,
    /// Domain mode: also run checks 5 and 8 on the primary MX.
    pub(crate) test_primary_mx: bool,
    /// Server mode: also run check 3 (sends a real message).
    pub(crate) include_delivery: bool,
    /// Report mode: also look the MX addresses up in DNS blocklists (off:
    /// those lookups reach third parties).
    pub(crate) dnsbl: bool,
    /// The blocklist zones, as typed (spaces or commas between them).
    pub(crate) dnsbl_zones: String,
}

impl Default for DiagForm {
    fn default() -> Self {
        Self {
            domain: String::new(),
            host: String::new(),
            port: "25".to_owned(),
            user: String::new(),
            from: String::new(),
            outside: DEFAULT_OUTSIDE_ADDRESS.to_owned(),
            ehlo_name: "smtplab.localhost".to_owned(),
            auth_user: String::new(),
            auth_password: Secret::default(),
            timeout_secs: "30".to_owned(),
            test_primary_mx: false,
            include_delivery: false,
            dnsbl: false,
            dnsbl_zones: String::new(),
        }
    }
}

/// Why the form cannot start a run (before any check validates it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiagFormError {
    /// The port is not a number in 1..=65535.
    BadPort,
    /// The timeout is not a whole number of seconds in 1..=600.
    BadTimeout,
    /// Domain mode without a domain.
    NoDomain,
    /// Server mode without a host.
    NoHost,
    /// Blocklists ticked without a zone.
    NoDnsblZones,
}

impl DiagForm {
    /// Sets one text field.
    pub(crate) fn set(&mut self, field: DiagField, value: String) {
        let slot = match field {
            DiagField::AuthPassword => {
                self.auth_password = Secret::new(value);
                return;
            }
            DiagField::Domain => &mut self.domain,
            DiagField::Host => &mut self.host,
            DiagField::Port => &mut self.port,
            DiagField::User => &mut self.user,
            DiagField::From => &mut self.from,
            DiagField::Outside => &mut self.outside,
            DiagField::EhloName => &mut self.ehlo_name,
            DiagField::AuthUser => &mut self.auth_user,
            DiagField::TimeoutSecs => &mut self.timeout_secs,
            DiagField::DnsblZones => &mut self.dnsbl_zones,
        };
        *slot = value;
    }

    /// The value of one text field.
    pub(crate) fn get(&self, field: DiagField) -> &str {
        match field {
            DiagField::Domain => &self.domain,
            DiagField::Host => &self.host,
            DiagField::Port => &self.port,
            DiagField::User => &self.user,
            DiagField::From => &self.from,
            DiagField::Outside => &self.outside,
            DiagField::EhloName => &self.ehlo_name,
            DiagField::AuthUser => &self.auth_user,
            DiagField::AuthPassword => self.auth_password.expose(),
            DiagField::TimeoutSecs => &self.timeout_secs,
            DiagField::DnsblZones => &self.dnsbl_zones,
        }
    }

    /// The checks a run in `mode` performs, in order. In domain mode the
    /// primary-MX checks (5, 8) come last: their host is only known once
    /// check 4 has found it.
    pub(crate) fn kinds(&self, mode: RunMode) -> Vec<CheckKind> {
        match mode {
            RunMode::Domain => {
                let mut kinds = vec![CheckKind::DomainServers, CheckKind::DomainReceives];
                if self.test_primary_mx {
                    kinds.extend([CheckKind::UserReceives, CheckKind::OpenRelay]);
                }
                kinds
            }
            RunMode::Server => {
                let mut kinds = vec![CheckKind::Reachability, CheckKind::Service];
                if self.include_delivery {
                    kinds.push(CheckKind::Delivery);
                }
                kinds.extend([
                    CheckKind::UserReceives,
                    CheckKind::CanSend,
                    CheckKind::OpenRelay,
                ]);
                kinds
            }
            RunMode::Report => CheckKind::POSTURE
                .into_iter()
                .filter(|k| *k != CheckKind::Dnsbl || self.dnsbl)
                .collect(),
        }
    }

    /// The blocklist zones typed, lower case, without trailing dots or
    /// repeats (none unless the blocklists are ticked).
    pub(crate) fn zones(&self) -> Vec<String> {
        let mut zones: Vec<String> = Vec::new();
        if !self.dnsbl {
            return zones;
        }
        for zone in self.dnsbl_zones.split([' ', ',', '\n', '\t']) {
            let zone = zone.trim().trim_end_matches('.').to_ascii_lowercase();
            if !zone.is_empty() && !zones.contains(&zone) {
                zones.push(zone);
            }
        }
        zones
    }

    /// The domain report's options: the blocklist zones when opted in.
    pub(crate) fn report_options(&self) -> ReportOptions {
        ReportOptions {
            dnsbl_zones: self.zones(),
        }
    }

    /// The shared crate's input for a run in `mode`; `date` and
    /// `message_id` are the browser's, for the delivery check.
    ///
    /// # Errors
    /// A [`DiagFormError`] for a field no check could use.
    pub(crate) fn to_input(
        &self,
        mode: RunMode,
        date: &str,
        message_id: &str,
    ) -> Result<CheckInput, DiagFormError> {
        let port: u16 = self
            .port
            .trim()
            .parse()
            .map_err(|_| DiagFormError::BadPort)?;
        if port == 0 {
            return Err(DiagFormError::BadPort);
        }
        let secs: u64 = self
            .timeout_secs
            .trim()
            .parse()
            .map_err(|_| DiagFormError::BadTimeout)?;
        if !(1..=600).contains(&secs) {
            return Err(DiagFormError::BadTimeout);
        }
        match mode {
            RunMode::Domain | RunMode::Report if self.domain.trim().is_empty() => {
                return Err(DiagFormError::NoDomain)
            }
            RunMode::Report if self.dnsbl && self.zones().is_empty() => {
                return Err(DiagFormError::NoDnsblZones)
            }
            RunMode::Server if self.host.trim().is_empty() => return Err(DiagFormError::NoHost),
            _ => {}
        }
        let mut input = CheckInput::new(self.host.trim(), port, self.ehlo_name.trim());
        input.domain = self.domain.trim().to_owned();
        input.user_address = self.user.trim().to_owned();
        input.from_address = self.from.trim().to_owned();
        if !self.outside.trim().is_empty() {
            input.outside_address = self.outside.trim().to_owned();
        }
        input.timeouts = Timeouts {
            greeting_ms: secs * 1000,
            reply_ms: secs * 1000,
        };
        if !self.auth_user.trim().is_empty() {
            input.auth = Some(AuthSpec {
                mechanism: AuthMechanism::Plain,
                username: self.auth_user.trim().to_owned(),
                password: self.auth_password.clone(),
            });
        }
        // STARTTLS when offered (implicit TLS on 465), with the guided
        // session's TLS choices: credentials are then tested as a mail
        // client sends them, and a server that offers AUTH only after
        // STARTTLS is tested for real. The MX table stays plaintext.
        input.tls = if port == 465 {
            TlsMode::Implicit
        } else {
            TlsMode::StartTlsIfOffered
        };
        // The MX sessions go to the addresses the bridge's `resolve` found,
        // so the table tests what DNS answered.
        input.mx_connect_by_address = true;
        date.clone_into(&mut input.date_rfc2822);
        message_id.clone_into(&mut input.message_id);
        Ok(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_mode_runs_the_server_checks_in_order() {
        let mut form = DiagForm::default();
        assert_eq!(
            form.kinds(RunMode::Server),
            [
                CheckKind::Reachability,
                CheckKind::Service,
                CheckKind::UserReceives,
                CheckKind::CanSend,
                CheckKind::OpenRelay
            ]
        );
        form.include_delivery = true;
        assert_eq!(form.kinds(RunMode::Server)[2], CheckKind::Delivery);
        assert_eq!(
            form.kinds(RunMode::Domain),
            [CheckKind::DomainServers, CheckKind::DomainReceives]
        );
        form.test_primary_mx = true;
        assert_eq!(form.kinds(RunMode::Domain).len(), 4);
    }

    #[test]
    fn the_report_runs_seven_checks_and_blocklists_only_when_opted_in_with_zones() {
        let mut form = DiagForm::default();
        let kinds = form.kinds(RunMode::Report);
        assert_eq!(kinds.len(), 7);
        assert!(!kinds.contains(&CheckKind::Dnsbl));
        form.set(DiagField::DnsblZones, "zen.example.".into());
        assert!(form.zones().is_empty(), "typed but not ticked");
        assert_eq!(
            form.to_input(RunMode::Report, "d", "m"),
            Err(DiagFormError::NoDomain)
        );
        form.set(DiagField::Domain, "example.test".into());
        assert!(form.to_input(RunMode::Report, "d", "m").is_ok());
        form.dnsbl = true;
        assert_eq!(form.kinds(RunMode::Report).last(), Some(&CheckKind::Dnsbl));
        form.set(
            DiagField::DnsblZones,
            " Zen.Example., bl.example  zen.example".into(),
        );
        assert_eq!(
            form.report_options().dnsbl_zones,
            ["zen.example", "bl.example"]
        );
        form.set(DiagField::DnsblZones, " , ".into());
        assert_eq!(
            form.to_input(RunMode::Report, "d", "m"),
            Err(DiagFormError::NoDnsblZones)
        );
    }

    #[test]
    fn the_input_carries_port_timeouts_and_auth() {
        let mut form = DiagForm::default();
        form.set(DiagField::Host, " 127.0.0.1 ".into());
        form.set(DiagField::Port, "2526".into());
        form.set(DiagField::TimeoutSecs, "3".into());
        form.set(DiagField::AuthUser, "alice@example.test".into());
        form.set(DiagField::AuthPassword, "pw".into());
        assert_eq!(form.get(DiagField::AuthPassword), "pw");
        assert!(
            !format!("{form:?}").contains("\"pw\""),
            "Debug never shows it"
        );
        let input = form.to_input(RunMode::Server, "d", "m").expect("valid");
        assert_eq!((input.host.as_str(), input.port), ("127.0.0.1", 2526));
        assert_eq!(input.timeouts.greeting_ms, 3000);
        assert_eq!(
            input.auth.as_ref().map(|a| a.username.as_str()),
            Some("alice@example.test")
        );
        assert_eq!(input.outside_address, DEFAULT_OUTSIDE_ADDRESS);
        assert_eq!(
            form.to_input(RunMode::Domain, "d", "m"),
            Err(DiagFormError::NoDomain)
        );
        form.set(DiagField::Port, "0".into());
        assert_eq!(
            form.to_input(RunMode::Server, "d", "m"),
            Err(DiagFormError::BadPort)
        );
        form.set(DiagField::Port, "25".into());
        form.set(DiagField::TimeoutSecs, "x".into());
        assert_eq!(
            form.to_input(RunMode::Server, "d", "m"),
            Err(DiagFormError::BadTimeout)
        );
    }
}
