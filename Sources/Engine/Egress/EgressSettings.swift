import Core

/// The `[egress]` configuration as the engine takes it (DESIGN §5): the site's lists, each
/// org's (by org name or ID; they only narrow), and agentd's own TCP listeners.
public struct EgressSettings: Sendable, Hashable {
    public var site: EgressRules
    /// `[egress.orgs.NAME]`: keyed by org name (or `org_…` ID).
    public var orgs: [String: EgressRules]
    /// `host:port` of each TCP listener; a port of 0 is added once bound (`EgressGuard.addListener`).
    public var listeners: [String]

    public init(site: EgressRules = EgressRules(), orgs: [String: EgressRules] = [:], listeners: [String] = []) {
        self.site = site
        self.orgs = orgs
        self.listeners = listeners
    }
}

/// An outbound call the egress policy refused: a non-retryable `egress_denied` step error that
/// names the rule and the address. No connection was made (or, caught at connect time, none
/// was used).
struct EgressDenied: Error, CustomStringConvertible {
    let host: String
    let address: String
    let port: Int
    let rule: String

    var description: String {
        let target = address == host ? "\(address):\(port)" : "\(host) (\(address)):\(port)"
        return "the egress policy refuses \(target): \(rule)"
    }

    var stepError: StepError { StepError(.egressDenied, description) }
}

extension Engine.Settings {
    /// These settings with `egress` as the egress policy.
    public func with(egress: EgressSettings) -> Engine.Settings {
        var settings = self
        settings.egress = egress
        return settings
    }
}
