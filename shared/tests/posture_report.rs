//! The domain report (`posture::DomainReport`) over a scripted resolver and
//! policy server: which lookups each check asks for, the verdicts of a
//! domain that passes and of one that fails each check, a null MX, a
//! failed MX lookup, DANE against real certificates (rcgen), and misuse.
//! The STARTTLS sessions themselves are tested end to end against Postfix
//! (tests/e2e/domain_report.rs and the CLI's posture trials).

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::HashMap;

use smtplab_shared::diagnose::{
    Action, Check, CheckInput, CheckKind, CheckResult, CheckVerdict, Report, SessionRecord,
};
use smtplab_shared::posture::{
    dane_check, DaneFinding, LookupFailure, PolicyAnswer, ReportOptions, Tlsa,
};
use smtplab_shared::tls::CertInfo;
use smtplab_shared::wire::{DnsRecord, ErrorCode, RecordType};

/// A scripted DNS: answers by (name, type); anything else is NXDOMAIN.
#[derive(Default)]
struct Zone {
    records: HashMap<(String, RecordType), Vec<DnsRecord>>,
    policies: HashMap<String, String>,
}

impl Zone {
    fn add(&mut self, name: &str, rtype: RecordType, record: DnsRecord) -> &mut Self {
        self.records
            .entry((name.to_owned(), rtype))
            .or_default()
            .push(record);
        self
    }

    fn txt(&mut self, name: &str, text: &str) -> &mut Self {
        self.add(name, RecordType::Txt, DnsRecord::Txt { text: text.into() })
    }

    fn host(&mut self, name: &str, address: &str) -> &mut Self {
        let address = address.parse().expect("address");
        self.add(name, RecordType::A, DnsRecord::Address { address })
    }

    fn ptr(&mut self, address: &str, name: &str) -> &mut Self {
        let reverse = smtplab_shared::wire::reverse_name(address.parse().expect("address"));
        self.add(
            &reverse,
            RecordType::Ptr,
            DnsRecord::Name { name: name.into() },
        )
    }

    fn mx(&mut self, domain: &str, preference: u16, exchange: &str) -> &mut Self {
        self.add(
            domain,
            RecordType::Mx,
            DnsRecord::Mx {
                preference,
                exchange: exchange.into(),
            },
        )
    }

    /// Runs `check` to its end; returns its results and every action asked.
    fn run(&self, mut check: Check) -> (Vec<CheckResult>, Vec<Action>) {
        let mut asked = Vec::new();
        while !check.is_done() {
            let action = check.poll_action().expect("an action while not done");
            assert_eq!(check.poll_action(), None, "one action at a time");
            asked.push(action.clone());
            match action {
                Action::Resolve { name, rtype } => {
                    let has_name = self.records.keys().any(|(n, _)| *n == name);
                    match self.records.get(&(name.clone(), rtype)) {
                        Some(records) => check.handle_answer(&name, rtype, records, None),
                        None if has_name => {
                            check.handle_resolve_error(&name, rtype, ErrorCode::NoRecords, "none")
                        }
                        None => check.handle_resolve_error(&name, rtype, ErrorCode::Nxdomain, "no"),
                    }
                    .expect("asked");
                }
                Action::FetchMtaSts { domain } => {
                    let answer = match self.policies.get(&domain) {
                        Some(body) => PolicyAnswer::Fetched {
                            url: format!("https://mta-sts.{domain}/.well-known/mta-sts.txt"),
                            body: body.clone(),
                            content_type: Some("text/plain".into()),
                        },
                        None => PolicyAnswer::Failed {
                            code: ErrorCode::Https,
                            message: "404 Not Found".into(),
                        },
                    };
                    check.handle_policy(answer).expect("asked");
                }
                Action::RunSession(plan) => {
                    let record = SessionRecord::failed(ErrorCode::Refused, "connection refused");
                    check.handle_session(&plan.label, &record).expect("asked");
                }
            }
            assert!(asked.len() < 500, "runaway report");
        }
        (check.results(), asked)
    }
}

fn input(domain: &str) -> CheckInput {
    let mut input = CheckInput::new("", 2525, "client.smtplab.test");
    input.domain = domain.into();
    input
}

fn verdict(results: &[CheckResult], kind: CheckKind) -> &CheckResult {
    results
        .iter()
        .find(|r| r.kind == kind)
        .expect("result of that kind")
}

const DNS_KINDS: [CheckKind; 5] = [
    CheckKind::Spf,
    CheckKind::Dmarc,
    CheckKind::MtaSts,
    CheckKind::TlsRpt,
    CheckKind::ReverseDns,
];

fn good_zone() -> Zone {
    let mut zone = Zone::default();
    zone.mx("good.test", 10, "mx1.good.test")
        .mx("good.test", 20, "mx2.good.test")
        .host("mx1.good.test", "192.0.2.1")
        .host("mx2.good.test", "192.0.2.2")
        .ptr("192.0.2.1", "mx1.good.test")
        .ptr("192.0.2.2", "mx2.good.test")
        .txt("good.test", "v=spf1 mx include:_spf.good.test -all")
        .txt("good.test", "google-site-verification=abc")
        .txt("_spf.good.test", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt(
            "_dmarc.good.test",
            "v=DMARC1; p=reject; rua=mailto:d@good.test",
        )
        .txt("_mta-sts.good.test", "v=STSv1; id=20261206")
        .txt(
            "_smtp._tls.good.test",
            "v=TLSRPTv1; rua=mailto:tls@good.test",
        );
    zone.policies.insert(
        "good.test".into(),
        "version: STSv1\nmode: enforce\nmx: mx1.good.test\nmx: *.good.test\nmax_age: 86400\n"
            .into(),
    );
    zone
}

#[test]
fn a_good_domain_passes_every_dns_check_with_a_cell_per_mx() {
    let check =
        Check::posture(&input("good.test"), &DNS_KINDS, &ReportOptions::default()).expect("valid");
    let (results, asked) = good_zone().run(check);
    assert_eq!(
        results.iter().map(|r| r.kind).collect::<Vec<_>>(),
        DNS_KINDS,
        "one result per check, in report order"
    );
    for r in &results {
        assert_eq!(r.verdict, CheckVerdict::Pass, "{:?}: {}", r.kind, r.summary);
    }
    // No TLS or DANE was asked for, so no session and no TLSA lookup ran.
    assert!(asked.iter().all(|a| !matches!(a, Action::RunSession(_))));
    assert!(!asked.iter().any(|a| matches!(
        a,
        Action::Resolve {
            rtype: RecordType::Tlsa,
            ..
        }
    )));
    let sts = verdict(&results, CheckKind::MtaSts);
    assert_eq!(
        sts.cells
            .iter()
            .map(|c| (c.server.as_str(), c.verdict))
            .collect::<Vec<_>>(),
        [
            ("mx1.good.test", CheckVerdict::Pass),
            ("mx2.good.test", CheckVerdict::Pass)
        ]
    );
    assert!(
        sts.evidence.iter().any(|l| l.contains("mode: enforce")),
        "{:?}",
        sts.evidence
    );
    let rdns = verdict(&results, CheckKind::ReverseDns);
    assert_eq!(rdns.cells.len(), 2);
    assert!(
        rdns.evidence
            .iter()
            .any(|l| l.starts_with("DNS: 1.2.0.192.in-addr.arpa PTR: mx1.good.test")),
        "{:?}",
        rdns.evidence
    );
    let spf = verdict(&results, CheckKind::Spf);
    assert!(
        spf.details
            .iter()
            .any(|f| f.label == "DNS lookups" && f.value.starts_with("2 ")),
        "{:?}",
        spf.details
    );
    // The text report starts with the grid.
    let mut report = Report::new(&input("good.test"), "now");
    for r in results {
        report.push(r);
    }
    let text = report.to_text();
    assert!(text.contains("summary (check × server):"), "{text}");
    assert_eq!(report.grid_servers(), ["mx1.good.test", "mx2.good.test"]);
}

#[test]
fn a_bad_domain_fails_or_warns_each_dns_check() {
    let mut zone = Zone::default();
    zone.mx("bad.test", 10, "mx1.bad.test")
        .host("mx1.bad.test", "192.0.2.4")
        .host("mx2.bad.test", "192.0.2.5")
        .mx("bad.test", 20, "mx2.bad.test")
        .ptr("192.0.2.4", "host.elsewhere.test")
        .host("host.elsewhere.test", "192.0.2.9")
        .txt("bad.test", "v=spf1 +all")
        .txt("bad.test", "v=spf1 -all")
        .txt("_dmarc.bad.test", "v=DMARC1; p=none")
        .txt("_mta-sts.bad.test", "v=STSv1; id=1");
    zone.policies.insert(
        "bad.test".into(),
        "version: STSv1\nmode: enforce\nmx: mail.other.test\nmax_age: 86400\n".into(),
    );
    let check =
        Check::posture(&input("bad.test"), &DNS_KINDS, &ReportOptions::default()).expect("valid");
    let (results, _) = zone.run(check);
    let expect = [
        (CheckKind::Spf, CheckVerdict::Fail),
        (CheckKind::Dmarc, CheckVerdict::Warn),
        (CheckKind::MtaSts, CheckVerdict::Fail),
        (CheckKind::TlsRpt, CheckVerdict::Warn),
        (CheckKind::ReverseDns, CheckVerdict::Fail),
    ];
    for (kind, want) in expect {
        let r = verdict(&results, kind);
        assert_eq!(r.verdict, want, "{kind:?}: {} {:?}", r.summary, r.details);
    }
    let rdns = verdict(&results, CheckKind::ReverseDns);
    assert_eq!(
        rdns.cells.iter().map(|c| c.verdict).collect::<Vec<_>>(),
        [CheckVerdict::Warn, CheckVerdict::Fail],
        "mx1 not forward-confirmed, mx2 without PTR"
    );
    assert!(
        rdns.cells[0].note.contains("no PTR name resolves back"),
        "{:?}",
        rdns.cells
    );
    let spf = verdict(&results, CheckKind::Spf);
    assert!(
        spf.summary.contains("publishes 2 SPF records"),
        "{}",
        spf.summary
    );
    let sts = verdict(&results, CheckKind::MtaSts);
    assert!(
        sts.cells.iter().all(|c| c.verdict == CheckVerdict::Fail),
        "{:?}",
        sts.cells
    );
}

#[test]
fn a_policy_that_cannot_be_fetched_fails_mta_sts() {
    let mut zone = good_zone();
    zone.policies.clear();
    let check = Check::posture(
        &input("good.test"),
        &[CheckKind::MtaSts],
        &ReportOptions::default(),
    )
    .expect("valid");
    let (results, asked) = zone.run(check);
    assert!(asked.contains(&Action::FetchMtaSts {
        domain: "good.test".into()
    }));
    assert_eq!(results[0].verdict, CheckVerdict::Fail);
    assert!(results[0].summary.contains("404"), "{}", results[0].summary);
}

#[test]
fn tls_runs_one_session_per_address_to_that_address_and_fails_when_refused() {
    let mut zone = good_zone();
    zone.host("mx1.good.test", "192.0.2.11");
    let check = Check::posture(
        &input("good.test"),
        &[CheckKind::MxTls, CheckKind::Dane],
        &ReportOptions::default(),
    )
    .expect("valid");
    let (results, asked) = zone.run(check);
    let sessions: Vec<(String, String)> = asked
        .iter()
        .filter_map(|a| match a {
            Action::RunSession(plan) => {
                Some((plan.spec.host.clone(), plan.connect_to().to_owned()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        sessions,
        [
            ("mx1.good.test".into(), "192.0.2.1".into()),
            ("mx1.good.test".into(), "192.0.2.11".into()),
            ("mx2.good.test".into(), "192.0.2.2".into()),
        ]
    );
    assert!(asked.contains(&Action::Resolve {
        name: "_2525._tcp.mx1.good.test".into(),
        rtype: RecordType::Tlsa
    }));
    let tls = verdict(&results, CheckKind::MxTls);
    assert_eq!(tls.verdict, CheckVerdict::Fail);
    assert!(
        tls.cells
            .iter()
            .all(|c| c.note.contains("connection refused")),
        "{:?}",
        tls.cells
    );
    // No TLSA records: DANE is simply not used.
    assert_eq!(
        verdict(&results, CheckKind::Dane).verdict,
        CheckVerdict::Pass
    );
}

#[test]
fn a_null_mx_or_a_failed_mx_lookup_leaves_no_server_to_check() {
    let mut zone = Zone::default();
    zone.mx("null.test", 0, ".");
    let check = Check::posture(
        &input("null.test"),
        &[CheckKind::MxTls],
        &ReportOptions::default(),
    )
    .expect("valid");
    let (results, _) = zone.run(check);
    assert_eq!(
        results[0].verdict,
        CheckVerdict::Pass,
        "{}",
        results[0].summary
    );
    assert!(results[0].summary.contains("null MX"));
    let check = Check::posture(
        &input("gone.test"),
        &[CheckKind::ReverseDns],
        &ReportOptions::default(),
    )
    .expect("valid");
    let (results, _) = Zone::default().run(check);
    assert_eq!(results[0].verdict, CheckVerdict::Fail);
    assert!(
        results[0].summary.contains("nxdomain"),
        "{}",
        results[0].summary
    );
}

#[test]
fn blocklists_run_only_with_zones_and_report_a_listing() {
    let mut zone = good_zone();
    zone.host("1.2.0.192.bl.test", "127.0.0.2");
    let none = Check::posture(
        &input("good.test"),
        &[CheckKind::Dnsbl],
        &ReportOptions::default(),
    )
    .expect("valid");
    assert!(
        none.is_done() && none.results().is_empty(),
        "no zones: nothing runs"
    );
    let options = ReportOptions {
        dnsbl_zones: vec!["bl.test".into()],
    };
    let check = Check::posture(&input("good.test"), &[CheckKind::Dnsbl], &options).expect("valid");
    let (results, _) = zone.run(check);
    let cells: Vec<_> = results[0]
        .cells
        .iter()
        .map(|c| (c.server.as_str(), c.verdict))
        .collect();
    assert_eq!(
        cells,
        [
            ("mx1.good.test", CheckVerdict::Fail),
            ("mx2.good.test", CheckVerdict::Pass)
        ]
    );
    assert!(results[0].cells[0]
        .note
        .contains("listed in bl.test (127.0.0.2)"));
}

#[test]
fn answers_nobody_asked_for_are_refused() {
    let mut check = Check::posture(
        &input("good.test"),
        &[CheckKind::Spf],
        &ReportOptions::default(),
    )
    .expect("valid");
    assert!(
        check
            .handle_answer("good.test", RecordType::Txt, &[], None)
            .is_err(),
        "not polled yet"
    );
    let Some(Action::Resolve { name, rtype }) = check.poll_action() else {
        panic!("a lookup")
    };
    assert_eq!((name.as_str(), rtype), ("good.test", RecordType::Txt));
    assert!(check
        .handle_answer("other.test", RecordType::Txt, &[], None)
        .is_err());
    assert!(check
        .handle_policy(PolicyAnswer::Failed {
            code: ErrorCode::Https,
            message: String::new()
        })
        .is_err());
    assert!(check
        .handle_session("tls:x", &SessionRecord::failed(ErrorCode::Refused, "no"))
        .is_err());
    assert!(Check::posture(&input(""), &[CheckKind::Spf], &ReportOptions::default()).is_err());
}

/// Two certificates from rcgen: a CA and a server certificate it signs.
fn chain() -> (Vec<CertInfo>, Vec<u8>) {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["mx.dane.test".to_owned()]).expect("params");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf = params.signed_by(&key, &issuer).expect("leaf");
    let infos = [leaf.der().to_vec(), ca.der().to_vec()]
        .iter()
        .map(|der| CertInfo::from_der(der, Some(1_800_000_000)))
        .collect();
    (infos, leaf.der().to_vec())
}

fn tlsa(usage: u8, selector: u8, matching_type: u8, data: &str) -> Tlsa {
    Tlsa {
        usage,
        selector,
        matching_type,
        data: data.into(),
    }
}

#[test]
fn dane_matches_the_key_or_the_certificate_and_is_judged_only_when_validated() {
    let (chain, leaf_der) = chain();
    let leaf = chain[0].dane.clone().expect("digests");
    let ca = chain[1].dane.clone().expect("digests");
    assert_eq!(leaf.spki_sha256.len(), 64);
    assert_eq!(leaf.cert_sha512.len(), 128);
    for record in [
        tlsa(3, 1, 1, &leaf.spki_sha256),
        tlsa(3, 0, 1, &leaf.cert_sha256),
        tlsa(3, 1, 2, &leaf.spki_sha512),
        tlsa(3, 0, 2, &leaf.cert_sha512),
        tlsa(2, 0, 1, &ca.cert_sha256),
        tlsa(3, 0, 0, &smtplab_shared::tls::hex(&leaf_der)),
    ] {
        let a = dane_check(Ok(std::slice::from_ref(&record)), Some(true), Some(&chain));
        assert_eq!(a.verdict, CheckVerdict::Pass, "{record}: {:?}", a.findings);
        assert!(a
            .findings
            .iter()
            .any(|f| matches!(f, DaneFinding::Matched { .. })));
    }
    // DANE-EE never matches a CA certificate, DANE-TA never the leaf.
    assert_eq!(
        dane_check(
            Ok(&[tlsa(3, 0, 1, &ca.cert_sha256)]),
            Some(true),
            Some(&chain)
        )
        .verdict,
        CheckVerdict::Fail
    );
    assert_eq!(
        dane_check(
            Ok(&[tlsa(2, 0, 1, &leaf.cert_sha256)]),
            Some(true),
            Some(&chain)
        )
        .verdict,
        CheckVerdict::Fail
    );
    let wrong = [tlsa(3, 1, 1, &"ab".repeat(32))];
    let a = dane_check(Ok(&wrong), Some(true), Some(&chain));
    assert_eq!(a.verdict, CheckVerdict::Fail);
    assert!(a.findings.contains(&DaneFinding::NoMatch { usable: 1 }));
    // Unvalidated or unsigned: shown, not judged.
    let a = dane_check(Ok(&wrong), None, Some(&chain));
    assert_eq!(
        (a.verdict, a.findings.clone()),
        (CheckVerdict::Warn, vec![DaneFinding::NotValidated])
    );
    assert_eq!(
        dane_check(Ok(&wrong), Some(false), Some(&chain)).verdict,
        CheckVerdict::Warn
    );
    // None published; PKIX usages; no certificate; a failed lookup.
    assert_eq!(
        dane_check(Err(LookupFailure::Nxdomain), None, None).findings,
        [DaneFinding::NotPublished]
    );
    assert_eq!(
        dane_check(
            Ok(&[tlsa(1, 1, 1, &leaf.spki_sha256)]),
            Some(true),
            Some(&chain)
        )
        .verdict,
        CheckVerdict::Warn
    );
    assert_eq!(
        dane_check(Ok(&[tlsa(3, 1, 1, &leaf.spki_sha256)]), Some(true), None).findings,
        [DaneFinding::NoCertificate]
    );
    assert_eq!(
        dane_check(Err(LookupFailure::Servfail), Some(true), None).verdict,
        CheckVerdict::Warn
    );
}
