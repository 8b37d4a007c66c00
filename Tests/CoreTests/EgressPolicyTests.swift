import Core
import Testing

/// The egress policy's pure parts: addresses, ranges, list entries and the decision.
@Suite struct EgressPolicyTests {
    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        ("::1", "::1"), ("::", "::"), ("fe80::1", "fe80::1"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:DB8::", "2001:db8::"), ("::ffff:127.0.0.1", "::ffff:127.0.0.1"), ("::ffff:7f00:1", "::ffff:127.0.0.1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
    ])
    func addressesParseAndPrint(_ text: String, _ printed: String) {
        #expect(IPAddress(text)?.description == printed, "\(text)")
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "0x7f.0.0.1", "127.1", "2130706433",
                      ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "fe80::1%eth0", "[::1]", "::g", "1:2:3:4:5:6:7::8:9", " 1.2.3.4"])
    func malformedAddressesAreRefused(_ text: String) {
        #expect(IPAddress(text) == nil, "\(text)")
    }

    @Test func mappedAddressesAreTheIPv4TheyCarry() {
        #expect(Self.ip("::ffff:127.0.0.1").normalized == Self.ip("127.0.0.1"))
        #expect(Self.ip("::ffff:169.254.169.254").normalized == Self.ip("169.254.169.254"))
        #expect(Self.ip("::1").normalized == Self.ip("::1"))
        #expect(IPAddress(bytes: [127, 0, 0, 1]) == Self.ip("127.0.0.1"))
        #expect(IPAddress(bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, 1])?.normalized == Self.ip("10.0.0.1"))
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }

    @Test(arguments: [
        ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false), ("0.0.0.0/0", "8.8.8.8", true),
        ("0.0.0.0/0", "::1", false), ("172.16.0.0/12", "172.31.255.255", true), ("172.16.0.0/12", "172.32.0.0", false),
        ("127.0.0.1", "127.0.0.1", true), ("127.0.0.1", "127.0.0.2", false), ("127.0.0.0/8", "::ffff:127.0.0.1", true),
        ("fe80::/10", "fe80::1", true), ("fe80::/10", "febf::1", true), ("fe80::/10", "fec0::1", false),
        ("fc00::/7", "fd12:3456::1", true), ("fc00::/7", "fe00::1", false), ("::1/128", "::1", true), ("::1", "::2", false),
        ("::ffff:127.0.0.0/104", "127.9.9.9", true), ("::ffff:127.0.0.0/104", "128.0.0.1", false), ("::/0", "2001:db8::1", true),
    ])
    func rangesHoldTheirAddresses(_ range: String, _ address: String, _ inside: Bool) throws {
        #expect(try CIDR.parse(range).contains(Self.ip(address)) == inside, "\(range) ∋ \(address)")
    }

    @Test(arguments: [
        ("10.0.0.0/33", "prefix length must be a number from 0 to 32"), ("fe80::/129", "from 0 to 128"), ("10.0.0.1/8", "did you mean 10.0.0.0/8"),
        ("10.0.0/8", "is not an IPv4 address"), ("10.0.0.0/", "prefix length"), ("10.0.0.0/8/9", "more than one"), ("10.0.0.0/-1", "prefix length"),
        ("fe80::1/10", "did you mean fe80::/10"),
    ])
    func malformedRangesSayWhy(_ text: String, _ reason: String) {
        #expect(throws: CIDR.Malformed.self) { try CIDR.parse(text) }
        do { _ = try CIDR.parse(text) } catch { #expect(error.description.contains(reason), "\(text): \(error.description)") }
    }

    @Test func entriesAreRangesOrHostNames() throws {
        #expect(try EgressRule.parse("10.0.0.0/8") == .range(try CIDR.parse("10.0.0.0/8")))
        #expect(try EgressRule.parse("::1") == .range(try CIDR.parse("::1/128")))
        #expect(try EgressRule.parse("API.Corp.Example") == .host("api.corp.example"))
        #expect(try EgressRule.parse("*.corp.example") == .hostSuffix("corp.example"))
        for bad in ["", "10.0.0.0/33", "300.1.1.1", "10.1", "*.", "*.-x", "a b", "http://x", "*x.example", "x..example"] {
            #expect(throws: CIDR.Malformed.self, "\(bad)") { try EgressRule.parse(bad) }
        }
        let suffix = EgressRule.hostSuffix("corp.example")
        let somewhere = Self.ip("10.0.0.1")
        #expect(suffix.matches(host: "api.corp.example", address: somewhere))
        #expect(suffix.matches(host: "A.B.CORP.EXAMPLE.", address: somewhere))
        #expect(!suffix.matches(host: "corp.example", address: somewhere))
        #expect(!suffix.matches(host: "evilcorp.example", address: somewhere))
    }

    static let listener = EgressPolicy.Listener(addresses: [try! CIDR.parse("127.0.0.1/32"), try! CIDR.parse("0.0.0.0/32")], port: 8700,
                                                name: "127.0.0.1:8700")

    static func policy(allow: [String] = [], deny: [String] = [], org: (String, allow: [String], deny: [String])? = nil) -> EgressPolicy {
        EgressPolicy(site: try! EgressRules.parse(allow: allow, deny: deny),
                     org: org.map { EgressPolicy.OrgRules(name: $0.0, rules: try! EgressRules.parse(allow: $0.allow, deny: $0.deny)) },
                     listeners: [listener])
    }

    @Test(arguments: [
        // host, address, port, decision (nil: allowed; else a piece of the rule's name)
        ("127.0.0.1", "127.0.0.1", 80, "loopback 127.0.0.0/8"), ("localhost", "::1", 80, "loopback ::1/128"),
        ("x", "::ffff:127.0.0.1", 80, "loopback"), ("169.254.169.254", "169.254.169.254", 80, "link-local"),
        ("x", "fe80::1", 80, "link-local fe80::/10"), ("x", "fd00:ec2::254", 80, "cloud metadata"), ("x", "0.0.0.0", 80, "0.0.0.0/8"),
        ("x", "::", 80, "unspecified"), ("x", "224.0.0.251", 80, "multicast"), ("x", "ff02::1", 80, "multicast"),
        ("x", "255.255.255.255", 80, "broadcast"), ("x", "127.0.0.1", 8700, "agentd's own listener 127.0.0.1:8700"),
        ("x", "0.0.0.0", 8700, "own listener"), ("x", "10.1.2.3", 80, nil), ("x", "172.16.0.1", 80, nil), ("x", "192.168.1.1", 80, nil),
        ("x", "fd12::1", 80, nil), ("x", "8.8.8.8", 443, nil), ("x", "2001:db8::1", 443, nil),
    ] as [(String, String, Int, String?)])
    func defaultsDenyTheLocalHostAndAllowPrivateRanges(_ host: String, _ address: String, _ port: Int, _ rule: String?) {
        Self.expect(Self.policy().decide(host: host, address: Self.ip(address), port: port), rule, "\(host) \(address):\(port)")
    }

    static func expect(_ decision: EgressPolicy.Decision, _ rule: String?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        switch (decision, rule) {
        case (.allowed, nil): break
        case (.denied(let named), let expected?):
            #expect(named.contains(expected), "\(what): denied by \(named), expected \(expected)", sourceLocation: sourceLocation)
        default: Issue.record("\(what): \(decision), expected \(rule ?? "allowed")", sourceLocation: sourceLocation)
        }
    }

    @Test func anAllowListNarrowsAndOnlyANarrowRangeLiftsABuiltInDeny() {
        let narrowed = Self.policy(allow: ["10.0.0.0/8", "*.corp.example"])
        Self.expect(narrowed.decide(host: "x", address: Self.ip("10.9.9.9"), port: 80), nil, "inside")
        Self.expect(narrowed.decide(host: "x", address: Self.ip("192.168.1.1"), port: 80), "not on egress.allow", "another private range")
        Self.expect(narrowed.decide(host: "x", address: Self.ip("8.8.8.8"), port: 80), "not on egress.allow", "public")
        Self.expect(narrowed.decide(host: "api.corp.example", address: Self.ip("192.168.1.1"), port: 80), nil, "allowed by name")
        // A name on the allow list that resolves to loopback is still refused (rebinding).
        Self.expect(narrowed.decide(host: "api.corp.example", address: Self.ip("127.0.0.1"), port: 80), "loopback", "name to loopback")

        let loopback = Self.policy(allow: ["127.0.0.1/32"])
        Self.expect(loopback.decide(host: "x", address: Self.ip("127.0.0.1"), port: 9000), nil, "explicitly allowed loopback")
        Self.expect(loopback.decide(host: "x", address: Self.ip("::ffff:127.0.0.1"), port: 9000), nil, "the same, mapped")
        Self.expect(loopback.decide(host: "x", address: Self.ip("127.0.0.2"), port: 9000), "loopback", "the rest of loopback")
        Self.expect(loopback.decide(host: "x", address: Self.ip("127.0.0.1"), port: 8700), "own listener", "agentd itself")
        Self.expect(Self.policy(allow: ["0.0.0.0/0"]).decide(host: "x", address: Self.ip("127.0.0.1"), port: 80), "loopback", "/0 lifts nothing")
        Self.expect(Self.policy(allow: ["localhost"]).decide(host: "localhost", address: Self.ip("127.0.0.1"), port: 80), "loopback", "names lift nothing")
    }

    @Test func denyListsWinAndAnOrgCanOnlyNarrow() {
        let site = Self.policy(deny: ["10.1.0.0/16", "*.hr.example"])
        Self.expect(site.decide(host: "x", address: Self.ip("10.1.2.3"), port: 80), "egress.deny \"10.1.0.0/16\"", "denied range")
        Self.expect(site.decide(host: "pay.hr.example", address: Self.ip("10.2.0.1"), port: 80), "egress.deny \"*.hr.example\"", "denied name")
        Self.expect(site.decide(host: "x", address: Self.ip("10.2.0.1"), port: 80), nil, "elsewhere")

        let org = Self.policy(allow: ["10.0.0.0/8"], org: ("acme", allow: ["10.5.0.0/16", "127.0.0.1/32"], deny: ["10.5.5.0/24"]))
        Self.expect(org.decide(host: "x", address: Self.ip("10.5.1.1"), port: 80), nil, "inside both allow lists")
        Self.expect(org.decide(host: "x", address: Self.ip("10.6.1.1"), port: 80), "not on egress.orgs.acme.allow", "narrowed by the org")
        Self.expect(org.decide(host: "x", address: Self.ip("10.5.5.5"), port: 80), "egress.orgs.acme.deny \"10.5.5.0/24\"", "denied by the org")
        // The org's allow lifts no site rule nor built-in deny.
        Self.expect(org.decide(host: "x", address: Self.ip("127.0.0.1"), port: 80), "loopback", "org cannot allow loopback")
        Self.expect(org.decide(host: "x", address: Self.ip("192.168.0.1"), port: 80), "not on egress.allow", "org cannot widen the site")
    }
}
