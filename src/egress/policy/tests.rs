//! Every rule of the egress policy, IPv4 written as IPv6 included, with and without the
//! operator's settings.

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

fn nets(list: &[&str]) -> Vec<IpNet> {
    list.iter()
        .map(|net| net.parse().expect("a CIDR"))
        .collect()
}

fn rule_of(policy: &Policy, text: &str) -> Option<Rule> {
    policy.check(ip(text)).err().map(|refusal| refusal.rule)
}

#[test]
fn always_refused_ranges_are_refused_whatever_is_allowed() {
    let everything = Policy::new(&nets(&["0.0.0.0/0", "::/0"]), false);
    for (address, rule) in [
        ("169.254.169.254", Rule::Metadata),
        ("169.254.170.2", Rule::Metadata),
        ("100.100.100.200", Rule::Metadata),
        ("fd00:ec2::254", Rule::Metadata),
        ("169.254.1.1", Rule::LinkLocal),
        ("fe80::1", Rule::LinkLocal),
        ("febf::1", Rule::LinkLocal),
        ("0.0.0.0", Rule::Unspecified),
        ("0.1.2.3", Rule::Unspecified),
        ("::", Rule::Unspecified),
        ("224.0.0.1", Rule::Multicast),
        ("239.255.255.250", Rule::Multicast),
        ("ff02::1", Rule::Multicast),
        ("255.255.255.255", Rule::Broadcast),
        ("192.0.0.170", Rule::Reserved),
        ("198.19.0.1", Rule::Reserved),
        ("240.0.0.1", Rule::Reserved),
        ("255.255.255.254", Rule::Reserved),
        // 6to4 and Teredo forms of 127.0.0.1 and 169.254.169.254, local-use NAT64, site-local.
        ("2002:7f00:1::1", Rule::Reserved),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Rule::Reserved),
        ("64:ff9b:1::a9fe:a9fe", Rule::Reserved),
        ("fec0::1", Rule::Reserved),
        // The same, written as IPv6.
        ("::ffff:169.254.169.254", Rule::Metadata),
        ("::ffff:0.0.0.0", Rule::Unspecified),
        ("64:ff9b::a9fe:a9fe", Rule::Metadata),
    ] {
        for policy in [&Policy::default(), &everything] {
            assert_eq!(rule_of(policy, address), Some(rule), "{address}");
        }
    }
}

#[test]
fn loopback_is_refused_unless_listed() {
    let default = Policy::default();
    for address in [
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:7f00:1",
    ] {
        assert_eq!(
            rule_of(&default, address),
            Some(Rule::Loopback),
            "{address}"
        );
    }
    let one = Policy::new(&nets(&["127.0.0.1/32"]), false);
    assert_eq!(one.check(ip("127.0.0.1")), Ok(()));
    assert_eq!(one.check(ip("::ffff:127.0.0.1")), Ok(()));
    assert_eq!(rule_of(&one, "127.0.0.2"), Some(Rule::Loopback));
    assert_eq!(rule_of(&one, "::1"), Some(Rule::Loopback));
    let all = Policy::new(&nets(&["127.0.0.0/8", "::1/128"]), false);
    assert_eq!(all.check(ip("127.0.0.2")), Ok(()));
    assert_eq!(all.check(ip("::1")), Ok(()));
    // A mapped range in the list means its IPv4 addresses.
    let mapped = Policy::new(&nets(&["::ffff:127.0.0.0/104"]), false);
    assert_eq!(mapped.check(ip("127.9.9.9")), Ok(()));
}

#[test]
fn private_ranges_are_allowed_unless_denied() {
    let private = [
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "100.64.0.1",
        "fc00::1",
        "fd12:3456::1",
        "::ffff:10.1.2.3",
    ];
    let default = Policy::default();
    let denied = Policy::new(&[], true);
    let denied_but_one = Policy::new(&nets(&["10.1.0.0/16"]), true);
    for address in private {
        assert_eq!(default.check(ip(address)), Ok(()), "{address}");
        assert_eq!(rule_of(&denied, address), Some(Rule::Private), "{address}");
    }
    assert_eq!(denied_but_one.check(ip("10.1.2.3")), Ok(()));
    assert_eq!(rule_of(&denied_but_one, "10.2.0.1"), Some(Rule::Private));
}

#[test]
fn public_addresses_pass() {
    let strict = Policy::new(&[], true);
    for address in [
        "1.1.1.1",
        "8.8.8.8",
        "172.32.0.1",
        "100.128.0.1",
        "2606:4700::1111",
        "2001:4860:4860::8888",
    ] {
        assert_eq!(Rule::of(ip(address)), None, "{address}");
        assert_eq!(strict.check(ip(address)), Ok(()), "{address}");
    }
}

#[test]
fn an_endpoint_passes_exactly_and_never_an_always_refused_one() {
    let mut policy = Policy::default();
    policy.allow_endpoint("127.0.0.1:8080".parse().unwrap());
    policy.allow_endpoint("169.254.169.254:80".parse().unwrap());
    assert_eq!(
        policy.check_endpoint("127.0.0.1:8080".parse().unwrap()),
        Ok(())
    );
    assert_eq!(
        policy.check_endpoint("[::ffff:127.0.0.1]:8080".parse().unwrap()),
        Ok(())
    );
    for refused in ["127.0.0.1:8081", "127.0.0.2:8080"] {
        let err = policy.check_endpoint(refused.parse().unwrap()).unwrap_err();
        assert_eq!(err.rule, Rule::Loopback, "{refused}");
    }
    assert_eq!(
        policy.check(ip("127.0.0.1")).unwrap_err().rule,
        Rule::Loopback
    );
    let metadata = policy.check_endpoint("169.254.169.254:80".parse().unwrap());
    assert_eq!(metadata.unwrap_err().rule, Rule::Metadata);
}

#[test]
fn refusals_name_the_rule_and_the_remedy_not_the_address() {
    let refusal = Policy::default().check(ip("127.0.0.1")).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "refused by the egress policy: loopback (allow it with FLIGHTDECK_EGRESS_ALLOW)"
    );
    let metadata = Policy::default().check(ip("169.254.169.254")).unwrap_err();
    assert_eq!(
        metadata.to_string(),
        "refused by the egress policy: cloud metadata (always refused)"
    );
    let private = Policy::new(&[], true).check(ip("10.0.0.1")).unwrap_err();
    assert!(private
        .to_string()
        .contains("FLIGHTDECK_EGRESS_DENY_PRIVATE"));
}

#[test]
fn an_allow_entry_inside_an_always_refused_range_is_found() {
    let held = |net: &str| Rule::always_refused_holding(&net.parse().unwrap());
    assert_eq!(held("169.254.169.254/32"), Some(Rule::Metadata));
    assert_eq!(held("169.254.0.0/16"), Some(Rule::LinkLocal));
    assert_eq!(held("fe80::/64"), Some(Rule::LinkLocal));
    assert_eq!(held("::ffff:169.254.0.0/112"), Some(Rule::LinkLocal));
    assert_eq!(held("224.0.0.0/8"), Some(Rule::Multicast));
    assert_eq!(held("127.0.0.0/8"), None);
    assert_eq!(held("10.0.0.0/8"), None);
    // Wider than an always-refused range: accepted, and the range in it stays refused.
    assert_eq!(held("0.0.0.0/0"), None);
}
