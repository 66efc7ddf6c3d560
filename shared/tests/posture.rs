//! The SPF walk (`smtplab_shared::posture::SpfWalk`) over a scripted
//! resolver: a chain of includes, a loop, 10 and 11 lookups, a redirect, a
//! TXT lookup failure, a missing include target, several records, a broken
//! included record, and misuse.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::HashMap;

use smtplab_shared::posture::spf::{Link, SpfWalkError};
use smtplab_shared::posture::{
    CheckVerdict, LookupFailure, SpfChain, SpfError, SpfFinding, SpfWalk,
};

/// A scripted resolver: TXT answers by name; a name not in it is NXDOMAIN.
struct Zone(HashMap<String, Result<Vec<String>, LookupFailure>>);

impl Zone {
    fn new(records: &[(&str, &str)]) -> Self {
        let mut zone = HashMap::new();
        for (name, txt) in records {
            zone.entry((*name).to_owned())
                .or_insert_with(|| Ok(Vec::new()))
                .as_mut()
                .expect("no failure scripted yet")
                .push((*txt).to_owned());
        }
        Self(zone)
    }

    fn fail(mut self, name: &str, failure: LookupFailure) -> Self {
        self.0.insert(name.into(), Err(failure));
        self
    }

    /// Runs the walk to its end; returns the chain and the names asked, in order.
    fn walk(&self, domain: &str) -> (SpfChain, Vec<String>) {
        let mut walk = SpfWalk::new(domain);
        let mut asked = Vec::new();
        while !walk.is_done() {
            let name = walk.poll_lookup().expect("a lookup while not done");
            assert_eq!(walk.poll_lookup(), None, "asked once");
            let answer = self
                .0
                .get(&name)
                .cloned()
                .unwrap_or(Err(LookupFailure::Nxdomain));
            walk.handle_txt(&name, answer).expect("the asked name");
            asked.push(name);
            assert!(asked.len() <= 20, "the walk must end");
        }
        (walk.into_result().expect("done"), asked)
    }
}

fn domains(chain: &SpfChain) -> Vec<&str> {
    chain.chain.iter().map(|(d, _)| d.as_str()).collect()
}

#[test]
fn googles_chain_of_includes_passes_with_four_lookups() {
    let zone = Zone::new(&[
        ("gmail.com", "v=spf1 redirect=_spf.google.com"),
        ("gmail.com", "google-site-verification=abc"),
        (
            "_spf.google.com",
            "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all",
        ),
        (
            "_netblocks.google.com",
            "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ~all",
        ),
        (
            "_netblocks2.google.com",
            "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ~all",
        ),
        (
            "_netblocks3.google.com",
            "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ~all",
        ),
    ]);
    let (chain, asked) = zone.walk("Gmail.com.");
    assert_eq!(
        asked,
        [
            "gmail.com",
            "_spf.google.com",
            "_netblocks.google.com",
            "_netblocks2.google.com",
            "_netblocks3.google.com"
        ]
    );
    assert_eq!(domains(&chain), asked);
    // redirect + 3 includes
    assert_eq!(chain.lookups, 4);
    assert_eq!(chain.verdict, CheckVerdict::Pass);
    // judged at the redirect's target; the includes' ~all say nothing
    assert_eq!(
        chain.findings,
        [SpfFinding::SoftFailAll {
            domain: "_spf.google.com".into()
        }]
    );
}

#[test]
fn includes_are_walked_depth_first() {
    let zone = Zone::new(&[
        (
            "example.com",
            "v=spf1 include:a.example.net include:b.example.net -all",
        ),
        ("a.example.net", "v=spf1 include:a1.example.net -all"),
        ("a1.example.net", "v=spf1 ip4:192.0.2.1 -all"),
        ("b.example.net", "v=spf1 mx -all"),
    ]);
    let (chain, asked) = zone.walk("example.com");
    assert_eq!(
        asked,
        [
            "example.com",
            "a.example.net",
            "a1.example.net",
            "b.example.net"
        ]
    );
    assert_eq!(chain.lookups, 4);
    assert_eq!(chain.verdict, CheckVerdict::Pass);
}

#[test]
fn an_include_loop_fails() {
    let zone = Zone::new(&[
        ("example.com", "v=spf1 include:_spf.example.com -all"),
        (
            "_spf.example.com",
            "v=spf1 ip4:192.0.2.0/24 include:EXAMPLE.com. -all",
        ),
    ]);
    let (chain, asked) = zone.walk("example.com");
    assert_eq!(asked, ["example.com", "_spf.example.com"]);
    assert_eq!(chain.verdict, CheckVerdict::Fail);
    assert_eq!(
        chain.findings.last(),
        Some(&SpfFinding::Loop {
            domain: "example.com".into(),
            from: "_spf.example.com".into(),
            link: Link::Include
        })
    );
}

#[test]
fn the_same_include_twice_in_separate_branches_is_no_loop() {
    let zone = Zone::new(&[
        (
            "example.com",
            "v=spf1 include:a.example.net include:b.example.net -all",
        ),
        ("a.example.net", "v=spf1 include:shared.example.net -all"),
        ("b.example.net", "v=spf1 include:shared.example.net -all"),
        ("shared.example.net", "v=spf1 ip4:192.0.2.1 -all"),
    ]);
    let (chain, asked) = zone.walk("example.com");
    assert_eq!(asked.len(), 5);
    assert_eq!(chain.lookups, 4);
    assert_eq!(chain.verdict, CheckVerdict::Pass);
}

/// `example.com` includes `n1`, which includes `n2`, … each record adding
/// `extra` lookups of its own (`a` mechanisms).
fn include_ladder(steps: usize, extra: usize) -> Zone {
    let mut records: Vec<(String, String)> = Vec::new();
    for step in 0..=steps {
        let name = if step == 0 {
            "example.com".to_owned()
        } else {
            format!("n{step}.example.net")
        };
        let mut text = "v=spf1".to_owned();
        if step < steps {
            text.push_str(&format!(" include:n{}.example.net", step + 1));
        }
        if step == steps {
            for _ in 0..extra {
                text.push_str(" a");
            }
        }
        text.push_str(" -all");
        records.push((name, text));
    }
    let refs: Vec<(&str, &str)> = records
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    Zone::new(&refs)
}

#[test]
fn ten_lookups_pass() {
    let (chain, _) = include_ladder(9, 1).walk("example.com");
    assert_eq!(chain.lookups, 10);
    assert_eq!(chain.verdict, CheckVerdict::Pass);
    assert_eq!(chain.chain.len(), 10);
}

#[test]
fn eleven_lookups_fail() {
    let (chain, asked) = include_ladder(9, 2).walk("example.com");
    assert_eq!(chain.lookups, 11);
    assert_eq!(chain.verdict, CheckVerdict::Fail);
    assert_eq!(
        chain.findings.last(),
        Some(&SpfFinding::TooManyLookups { lookups: 11 })
    );
    assert_eq!(asked.len(), 10);
}

#[test]
fn a_long_include_chain_stops_at_the_eleventh_lookup() {
    let (chain, asked) = include_ladder(30, 0).walk("example.com");
    assert_eq!(chain.lookups, 11);
    assert_eq!(asked.len(), 11, "no TXT lookup past the limit");
    assert_eq!(chain.verdict, CheckVerdict::Fail);
}

#[test]
fn a_redirect_is_followed_and_judged_at_its_target() {
    let zone = Zone::new(&[
        ("example.com", "v=spf1 mx redirect=_spf.example.org"),
        ("_spf.example.org", "v=spf1 ip4:192.0.2.0/24 ?all"),
    ]);
    let (chain, asked) = zone.walk("example.com");
    assert_eq!(asked, ["example.com", "_spf.example.org"]);
    assert_eq!(chain.lookups, 2);
    assert_eq!(chain.verdict, CheckVerdict::Warn);
    assert_eq!(
        chain.findings,
        [SpfFinding::NeutralAll {
            domain: "_spf.example.org".into()
        }]
    );
}

#[test]
fn a_redirect_beside_all_is_not_followed() {
    let zone = Zone::new(&[("example.com", "v=spf1 mx redirect=_spf.example.org -all")]);
    let (chain, asked) = zone.walk("example.com");
    assert_eq!(asked, ["example.com"]);
    assert_eq!(chain.lookups, 1);
    assert_eq!(chain.verdict, CheckVerdict::Pass);
}

#[test]
fn a_redirect_to_a_domain_without_spf_fails() {
    let zone = Zone::new(&[("example.com", "v=spf1 redirect=nospf.example.org")]);
    let (chain, _) = zone.walk("example.com");
    assert_eq!(chain.verdict, CheckVerdict::Fail);
    assert_eq!(
        chain.findings,
        [SpfFinding::MissingTarget {
            domain: "nospf.example.org".into(),
            from: "example.com".into(),
            link: Link::Redirect
        }]
    );
}

#[test]
fn a_txt_lookup_failure_in_the_chain_warns() {
    let zone = Zone::new(&[("example.com", "v=spf1 include:_spf.provider.example -all")])
        .fail("_spf.provider.example", LookupFailure::Servfail);
    let (chain, _) = zone.walk("example.com");
    assert_eq!(chain.verdict, CheckVerdict::Warn);
    assert_eq!(
        chain.findings.last(),
        Some(&SpfFinding::LookupFailed {
            domain: "_spf.provider.example".into(),
            failure: LookupFailure::Servfail
        })
    );
    assert_eq!(chain.chain.len(), 1);
}

#[test]
fn an_include_without_spf_is_a_permerror() {
    let zone = Zone::new(&[
        ("example.com", "v=spf1 include:gone.example.net -all"),
        ("gone.example.net", "some verification token"),
    ]);
    let (chain, _) = zone.walk("example.com");
    assert_eq!(chain.verdict, CheckVerdict::Fail);
    assert!(chain.findings.contains(&SpfFinding::MissingTarget {
        domain: "gone.example.net".into(),
        from: "example.com".into(),
        link: Link::Include
    }));
}

#[test]
fn a_domain_without_spf_fails() {
    let (chain, _) = Zone::new(&[]).walk("example.com");
    assert_eq!(chain.verdict, CheckVerdict::Fail);
    assert_eq!(
        chain.findings,
        [SpfFinding::NoRecord {
            domain: "example.com".into()
        }]
    );
    let zone = Zone::new(&[]).fail("example.com", LookupFailure::NoRecords);
    assert_eq!(zone.walk("example.com").0.verdict, CheckVerdict::Fail);
}

#[test]
fn two_spf_records_fail() {
    let zone = Zone::new(&[
        ("example.com", "v=spf1 mx -all"),
        ("example.com", "v=spf1 include:_spf.google.com ~all"),
    ]);
    let (chain, asked) = zone.walk("example.com");
    assert_eq!(asked, ["example.com"]);
    assert_eq!(chain.verdict, CheckVerdict::Fail);
    assert_eq!(
        chain.findings,
        [SpfFinding::SeveralRecords {
            domain: "example.com".into(),
            count: 2
        }]
    );
}

#[test]
fn a_broken_included_record_fails_with_its_term() {
    let zone = Zone::new(&[
        ("example.com", "v=spf1 include:_spf.example.net -all"),
        (
            "_spf.example.net",
            "v=spf1 ip4:10.0.0.0/8 ip4:10.1.2.3/40 ~all",
        ),
    ]);
    let (chain, _) = zone.walk("example.com");
    assert_eq!(chain.verdict, CheckVerdict::Fail);
    assert_eq!(
        chain.findings.last(),
        Some(&SpfFinding::Syntax {
            domain: "_spf.example.net".into(),
            error: SpfError::BadCidr {
                term: "ip4:10.1.2.3/40".into()
            }
        })
    );
}

#[test]
fn plus_all_in_an_included_record_fails() {
    let zone = Zone::new(&[
        ("example.com", "v=spf1 include:lax.example.net -all"),
        ("lax.example.net", "v=spf1 +all"),
    ]);
    let (chain, _) = zone.walk("example.com");
    assert_eq!(chain.verdict, CheckVerdict::Fail);
    assert!(chain.findings.contains(&SpfFinding::PassAll {
        domain: "lax.example.net".into()
    }));
}

#[test]
fn an_answer_nobody_asked_for_is_misuse() {
    let mut walk = SpfWalk::new("example.com");
    assert_eq!(
        walk.handle_txt("example.com", Ok(Vec::new())),
        Err(SpfWalkError::Unexpected {
            name: "example.com".into()
        }),
        "not asked yet"
    );
    assert_eq!(walk.poll_lookup().as_deref(), Some("example.com"));
    assert!(walk.handle_txt("other.example", Ok(Vec::new())).is_err());
    assert!(!walk.is_done());
    walk.handle_txt("example.com", Ok(vec!["v=spf1 -all".into()]))
        .expect("asked");
    assert!(walk.is_done());
    assert_eq!(walk.result().map(|c| c.verdict), Some(CheckVerdict::Pass));
}

#[test]
fn the_chain_serializes_with_codes() {
    let zone = Zone::new(&[("example.com", "v=spf1 +all")]);
    let (chain, _) = zone.walk("example.com");
    let json = serde_json::to_value(&chain).expect("json");
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["findings"][0]["code"], "pass_all");
    assert_eq!(json["chain"][0][0], "example.com");
    assert_eq!(json["chain"][0][1]["terms"][0]["term"], "directive");
    assert_eq!(json["chain"][0][1]["terms"][0]["qualifier"], "pass");
    assert_eq!(json["chain"][0][1]["terms"][0]["mechanism"]["kind"], "all");
}
