//! The domain posture lab checked by itself, with real clients: each MX
//! listener offers STARTTLS on the one port and presents the intended
//! certificate, the test CA judges those certificates as the lab says,
//! dnsmasq answers MX, A, TXT, PTR and TLSA as intended (NXDOMAIN where
//! the lab has nothing), and the policy server serves both MTA-STS
//! policies with a certificate the test CA vouches for.
//!
//! These are fixture self-tests: the posture report's own trials run the
//! CLI against the same lab.

#[path = "posture_lab/dns.rs"]
mod dns;
#[path = "posture_lab/https.rs"]
mod https;
#[path = "posture_lab/starttls.rs"]
mod starttls;

use std::time::Duration;

use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RecordType;
use libtest_mimic::Failed;
use rustls::pki_types::UnixTime;
use rustls::{CertificateError, Error as TlsError};
use smtplab_e2e::posture_lab::{
    sha256_hex, LabMx, BAD_POLICY, ELSEWHERE_ADDR, ELSEWHERE_HOST, GOOD_POLICY, MISMATCH_CERT_NAME,
    NOMAIL_ADDR, NOMAIL_DOMAIN, POLICY_HOST_ADDR, POLICY_HOST_PTR, POLICY_PATH, SPF_INCLUDES,
};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::PostureLab;

use dns::{query, reverse_name, Answer};

fn main() {
    run_with_rig(
        "posture lab",
        PostureLab::start,
        &[
            (
                "each_mx_offers_starttls_on_the_one_port_and_presents_its_certificate",
                each_mx_presents_its_certificate,
            ),
            (
                "the_test_ca_judges_each_mx_certificate_as_intended",
                certificates_judged_as_intended,
            ),
            ("dns_answers_mx_and_a_as_intended", mx_and_a),
            ("dns_answers_txt_as_intended", txt),
            ("dns_answers_ptr_as_intended", ptr),
            ("dns_answers_tlsa_as_intended", tlsa),
            (
                "https_serves_both_policies_by_host_with_a_ca_signed_certificate",
                policies,
            ),
        ],
    );
}

fn each_mx_presents_its_certificate(lab: &PostureLab) -> Result<(), Failed> {
    for mx in LabMx::ALL {
        let shown = starttls::presented(lab.smtp_addr(mx), mx.host())
            .map_err(|e| format!("{}: {e}\n{}", mx.host(), lab.mail_server().log_tail(20)))?;
        check(
            shown.greeting.starts_with(&format!("220 {} ", mx.host())),
            format!("{} greets {:?}", mx.host(), shown.greeting),
        )?;
        check(
            shown.ehlo.iter().any(|l| l.get(4..) == Some("STARTTLS")),
            format!("{} EHLO {:?}", mx.host(), shown.ehlo),
        )?;
        let expected = lab.certificate(mx);
        check_eq(
            sha256_hex(&shown.certificate),
            expected.cert_sha256_hex.clone(),
            mx.host(),
        )?;
        // The SPKI hashed for DANE is the one inside what is presented.
        let spki = &expected.identity.spki_der;
        check(
            shown.certificate.windows(spki.len()).any(|w| w == spki),
            format!("{}: SPKI not in the presented certificate", mx.host()),
        )?;
    }
    Ok(())
}

fn certificates_judged_as_intended(lab: &PostureLab) -> Result<(), Failed> {
    let now = UnixTime::now();
    let in_days =
        |days: u64| UnixTime::since_unix_epoch(Duration::from_secs(now.as_secs() + days * 86_400));
    let cert = |mx: LabMx| lab.certificate(mx).identity.cert_der.clone();
    let ca = lab.ca_pem();
    starttls::verify(ca, &cert(LabMx::Mx1Good), LabMx::Mx1Good.host(), now)?;
    starttls::verify(
        ca,
        &cert(LabMx::Mx1Good),
        LabMx::Mx1Good.host(),
        in_days(80),
    )?;
    starttls::verify(ca, &cert(LabMx::Mx2Good), LabMx::Mx2Good.host(), now)?;
    starttls::verify(ca, &cert(LabMx::Mx2Good), LabMx::Mx2Good.host(), in_days(9))?;
    let expired = starttls::verify(
        ca,
        &cert(LabMx::Mx2Good),
        LabMx::Mx2Good.host(),
        in_days(11),
    );
    check(
        matches!(
            expired,
            Err(TlsError::InvalidCertificate(CertificateError::Expired))
                | Err(TlsError::InvalidCertificate(
                    CertificateError::ExpiredContext { .. }
                ))
        ),
        format!("mx2.good.test in 11 days: {expired:?}"),
    )?;
    let mismatch = starttls::verify(ca, &cert(LabMx::Mx1Bad), LabMx::Mx1Bad.host(), now);
    check(
        matches!(
            mismatch,
            Err(TlsError::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
        ),
        format!("mx1.bad.test: {mismatch:?}"),
    )?;
    starttls::verify(ca, &cert(LabMx::Mx1Bad), MISMATCH_CERT_NAME, now)?;
    let untrusted = starttls::verify(ca, &cert(LabMx::Mx2Bad), LabMx::Mx2Bad.host(), now);
    check(
        matches!(
            untrusted,
            Err(TlsError::InvalidCertificate(
                CertificateError::UnknownIssuer
            ))
        ),
        format!("mx2.bad.test: {untrusted:?}"),
    )
}

fn mx_and_a(lab: &PostureLab) -> Result<(), Failed> {
    let dns = lab.dns_addr();
    for (domain, hosts) in [
        ("good.test", [LabMx::Mx1Good, LabMx::Mx2Good]),
        ("bad.test", [LabMx::Mx1Bad, LabMx::Mx2Bad]),
    ] {
        let mut answers = query(dns, domain, RecordType::MX)?.answers;
        answers.sort_by_key(|a| format!("{a:?}"));
        let expected: Vec<Answer> = hosts
            .iter()
            .map(|h| Answer::Mx(h.preference(), h.host().to_owned()))
            .collect();
        check_eq(answers, expected, domain)?;
        for host in hosts {
            let answers = query(dns, host.host(), RecordType::A)?.answers;
            check_eq(answers, vec![Answer::A(host.addr())], host.host())?;
            // The name exists: no IPv6 address is NODATA, not NXDOMAIN.
            let v6 = query(dns, host.host(), RecordType::AAAA)?;
            check(
                v6.code == ResponseCode::NoError && v6.answers.is_empty(),
                format!("{} AAAA: {v6:?}", host.host()),
            )?;
        }
    }
    for (name, addr) in [
        ("mta-sts.good.test", POLICY_HOST_ADDR),
        ("mta-sts.bad.test", POLICY_HOST_ADDR),
        (ELSEWHERE_HOST, ELSEWHERE_ADDR),
        ("nomail.test", NOMAIL_ADDR),
    ] {
        check_eq(
            query(dns, name, RecordType::A)?.answers,
            vec![Answer::A(addr)],
            name,
        )?;
    }
    let nomail = query(dns, "nomail.test", RecordType::MX)?;
    check(
        nomail.code == ResponseCode::NoError && nomail.answers.is_empty(),
        format!("nomail.test MX: {nomail:?}"),
    )?;
    let missing = query(dns, "missing.test", RecordType::MX)?;
    check_eq(missing.code, ResponseCode::NXDomain, "missing.test MX")
}

fn txt(lab: &PostureLab) -> Result<(), Failed> {
    let dns = lab.dns_addr();
    let texts = |name: &str| -> Result<Vec<Answer>, String> {
        let mut answers = query(dns, name, RecordType::TXT)?.answers;
        answers.sort_by_key(|a| format!("{a:?}"));
        Ok(answers)
    };
    let one = |text: &str| vec![Answer::Txt(text.to_owned())];
    let expected = [
        ("good.test", one("v=spf1 mx include:_spf.good.test -all")),
        ("_spf.good.test", one("v=spf1 ip4:127.0.0.0/8 -all")),
        (
            "_dmarc.good.test",
            one("v=DMARC1; p=reject; rua=mailto:dmarc@good.test; adkim=s; aspf=s"),
        ),
        ("_mta-sts.good.test", one("v=STSv1; id=20261206T000000")),
        (
            "_smtp._tls.good.test",
            one("v=TLSRPTv1; rua=mailto:tlsrpt@good.test"),
        ),
        (
            "bad.test",
            vec![
                Answer::Txt("v=spf1 +all".to_owned()),
                Answer::Txt(lab.spf_over_the_limit()),
            ],
        ),
        ("_dmarc.bad.test", one("v=DMARC1; p=none")),
        ("_mta-sts.bad.test", one("v=STSv1; id=1")),
    ];
    for (name, mut want) in expected {
        want.sort_by_key(|a| format!("{a:?}"));
        check_eq(texts(name)?, want, name)?;
    }
    check(
        lab.spf_over_the_limit().matches("include:").count() == 11,
        lab.spf_over_the_limit(),
    )?;
    for include in SPF_INCLUDES {
        check_eq(texts(include)?, one("v=spf1 -all"), include)?;
    }
    let tlsrpt = query(dns, "_smtp._tls.bad.test", RecordType::TXT)?;
    check_eq(tlsrpt.code, ResponseCode::NXDomain, "_smtp._tls.bad.test")?;
    let nomail = query(dns, "nomail.test", RecordType::TXT)?;
    check(
        nomail.code == ResponseCode::NoError && nomail.answers.is_empty(),
        format!("nomail.test TXT: {nomail:?}"),
    )
}

fn ptr(lab: &PostureLab) -> Result<(), Failed> {
    let dns = lab.dns_addr();
    for (mx, target) in [
        (LabMx::Mx1Good, Some(LabMx::Mx1Good.host())),
        (LabMx::Mx2Good, Some(LabMx::Mx2Good.host())),
        (LabMx::Mx1Bad, Some(ELSEWHERE_HOST)),
        (LabMx::Mx2Bad, None),
    ] {
        let name = reverse_name(mx.addr());
        let response = query(dns, &name, RecordType::PTR)?;
        match target {
            Some(target) => check_eq(
                response.answers,
                vec![Answer::Ptr(target.to_owned())],
                &name,
            )?,
            None => check_eq(response.code, ResponseCode::NXDomain, &name)?,
        }
    }
    // The other addresses of the lab point back to one name each.
    for (addr, target) in [
        (POLICY_HOST_ADDR, POLICY_HOST_PTR),
        (ELSEWHERE_ADDR, ELSEWHERE_HOST),
        (NOMAIL_ADDR, NOMAIL_DOMAIN),
    ] {
        let name = reverse_name(addr);
        let answers = query(dns, &name, RecordType::PTR)?.answers;
        check_eq(answers, vec![Answer::Ptr(target.to_owned())], &name)?;
    }
    Ok(())
}

fn tlsa(lab: &PostureLab) -> Result<(), Failed> {
    let dns = lab.dns_addr();
    for mx in LabMx::ALL {
        let name = lab.tlsa_name(mx);
        check(
            name.starts_with(&format!("_{}._tcp.", lab.smtp_port())),
            &name,
        )?;
        let response = query(dns, &name, RecordType::TLSA)?;
        match lab.tlsa_record(mx) {
            Some(record) => check_eq(response.answers, vec![Answer::Tlsa(record)], &name)?,
            None => check_eq(response.code, ResponseCode::NXDomain, &name)?,
        }
    }
    // The good records hash what the MX present.
    let mx1 = lab.certificate(LabMx::Mx1Good);
    check_eq(
        lab.tlsa_record(LabMx::Mx1Good),
        Some(format!("3 1 1 {}", sha256_hex(&mx1.identity.spki_der))),
        "mx1.good.test TLSA",
    )?;
    let mx2 = lab.certificate(LabMx::Mx2Good);
    check_eq(
        lab.tlsa_record(LabMx::Mx2Good),
        Some(format!("3 0 1 {}", sha256_hex(&mx2.identity.cert_der))),
        "mx2.good.test TLSA",
    )
}

fn policies(lab: &PostureLab) -> Result<(), Failed> {
    let ca = lab.ca_pem();
    let addr = lab.https_addr();
    check_eq(
        addr.ip(),
        std::net::IpAddr::V4(POLICY_HOST_ADDR),
        "policy host address",
    )?;
    for (host, policy) in [
        ("mta-sts.good.test", GOOD_POLICY),
        ("mta-sts.bad.test", BAD_POLICY),
    ] {
        let response = https::get(addr, host, POLICY_PATH, ca)?;
        check_eq(response.status.as_str(), "HTTP/1.1 200 OK", host)?;
        check(
            response
                .headers
                .iter()
                .any(|h| h.eq_ignore_ascii_case("content-type: text/plain")),
            format!("{host}: {:?}", response.headers),
        )?;
        check_eq(response.body.as_str(), policy, host)?;
    }
    let elsewhere = https::get(addr, "mta-sts.good.test", "/index.html", ca)?;
    check_eq(
        elsewhere.status.as_str(),
        "HTTP/1.1 404 Not Found",
        "/index.html",
    )?;
    // The certificate names both hosts and nothing else of the lab.
    let names = &lab.policy_identity().names;
    check_eq(
        names.clone(),
        vec![
            "mta-sts.good.test".to_owned(),
            "mta-sts.bad.test".to_owned(),
        ],
        "policy certificate names",
    )?;
    // The CA file given to `--tls-ca` is the CA's PEM.
    let on_disk = std::fs::read_to_string(lab.ca_pem_path()).map_err(|e| e.to_string())?;
    check_eq(on_disk.as_str(), ca, "ca.pem")
}

fn check(ok: bool, what: impl std::fmt::Display) -> Result<(), Failed> {
    if ok {
        Ok(())
    } else {
        Err(what.to_string().into())
    }
}

fn check_eq<T: PartialEq + std::fmt::Debug>(
    got: T,
    want: T,
    what: impl std::fmt::Display,
) -> Result<(), Failed> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}").into())
    }
}
