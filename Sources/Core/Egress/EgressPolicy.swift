/// Where outbound calls (http steps, model servers) may go: a pure decision over the name a
/// step asked for and each address that name resolved to, made at connect time (DESIGN §5).
///
/// The order, first match wins:
/// 1. agentd's own listeners (address and port): always denied; nothing lifts this.
/// 2. the site's `deny`, then the org's `deny`.
/// 3. the built-in denies (loopback, link-local and metadata, 0.0.0.0/8, multicast,
///    broadcast), unless the site's `allow` has a range inside the denied one (an admin who
///    writes `127.0.0.1/32` means it; `0.0.0.0/0` does not lift loopback). Host names never lift
///    a built-in deny: a name is only as good as the resolver that answered.
/// 4. the site's `allow`, when not empty: the name or the address must be on it.
/// 5. the org's `allow`, when not empty: likewise. An org can only narrow: its lists come
///    after the site's, and its `allow` lifts nothing.
/// 6. the environment's lists (`agentctl envs set ENV --egress-deny …`), likewise after the
///    org's: its `deny` with the other denies (step 2), its `allow` after the org's.
/// 7. otherwise allowed: private ranges are where on-site services live.
public struct EgressPolicy: Sendable, Hashable {
    /// A listening socket of agentd's: the addresses that reach it, and its port.
    public struct Listener: Sendable, Hashable {
        public var addresses: [CIDR]
        public var port: Int
        /// As the config says it, e.g. `0.0.0.0:8700`.
        public var name: String

        public init(addresses: [CIDR], port: Int, name: String) {
            self.addresses = addresses
            self.port = port
            self.name = name
        }
    }

    public enum Decision: Sendable, Hashable {
        case allowed
        /// `rule` names what refused, as a person would look for it in the config.
        case denied(rule: String)
    }

    public var site: EgressRules
    /// The calling org's lists (`[egress.orgs.NAME]`), if it has any.
    public var org: OrgRules?
    /// The lists of the environment the call is made in, if it has any (`name` is the
    /// environment's, for the refusal's message).
    public var environment: OrgRules?
    public var listeners: [Listener]

    public struct OrgRules: Sendable, Hashable {
        public var name: String
        public var rules: EgressRules
        public init(name: String, rules: EgressRules) {
            self.name = name
            self.rules = rules
        }
    }

    public init(site: EgressRules = EgressRules(), org: OrgRules? = nil, environment: OrgRules? = nil, listeners: [Listener] = []) {
        self.site = site
        self.listeners = listeners
        self.org = org
        self.environment = environment
    }

    /// The ranges denied unless the site's allow list names a range inside them.
    public static let builtInDenies: [(range: CIDR, name: String)] = [
        ("127.0.0.0/8", "loopback"), ("::1/128", "loopback"),
        ("169.254.0.0/16", "link-local (cloud metadata 169.254.169.254)"), ("fe80::/10", "link-local"),
        ("fd00:ec2::254/128", "cloud metadata"), ("100.100.100.200/32", "cloud metadata"),
        ("0.0.0.0/8", "this network (0.0.0.0 reaches the local host)"), ("::/128", "unspecified (reaches the local host)"),
        ("224.0.0.0/4", "multicast"), ("ff00::/8", "multicast"), ("255.255.255.255/32", "broadcast"),
    ].map { (try! CIDR.parse($0.0), $0.1) }

    /// Decides one resolved address of `host` (the name as the URL says it; an address literal
    /// is its own host) on `port`.
    public func decide(host: String, address: IPAddress, port: Int) -> Decision {
        let address = address.normalized
        for listener in listeners where listener.port == port && listener.addresses.contains(where: { $0.contains(address) }) {
            return .denied(rule: "agentd's own listener \(listener.name)")
        }
        if let rule = site.deny.first(where: { $0.matches(host: host, address: address) }) {
            return .denied(rule: "egress.deny \"\(rule)\"")
        }
        if let org, let rule = org.rules.deny.first(where: { $0.matches(host: host, address: address) }) {
            return .denied(rule: "egress.orgs.\(org.name).deny \"\(rule)\"")
        }
        if let environment, let rule = environment.rules.deny.first(where: { $0.matches(host: host, address: address) }) {
            return .denied(rule: "environment \(environment.name)'s egress deny \"\(rule)\"")
        }
        for denied in Self.builtInDenies where denied.range.contains(address) {
            let lifted = site.allow.contains { rule in
                if case .range(let allowed) = rule { return denied.range.covers(allowed) && allowed.contains(address) }
                return false
            }
            if !lifted { return .denied(rule: "built-in deny of \(denied.name) \(denied.range)") }
        }
        if !site.allow.isEmpty, !site.allow.contains(where: { $0.matches(host: host, address: address) }) {
            return .denied(rule: "not on egress.allow")
        }
        if let org, !org.rules.allow.isEmpty, !org.rules.allow.contains(where: { $0.matches(host: host, address: address) }) {
            return .denied(rule: "not on egress.orgs.\(org.name).allow")
        }
        if let environment, !environment.rules.allow.isEmpty, !environment.rules.allow.contains(where: { $0.matches(host: host, address: address) }) {
            return .denied(rule: "not on environment \(environment.name)'s egress allow")
        }
        return .allowed
    }
}
