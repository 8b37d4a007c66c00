import Core
import Foundation
import Synchronization

/// Applies the egress policy to one outbound call: resolves the host, decides every address
/// it has (one denied address refuses the call: a name that sometimes points inside is not to
/// be trusted), and says which checked address to connect to. `OutboundHTTP` then connects to
/// exactly that address, so a resolver that answers differently a second time (DNS rebinding)
/// changes nothing.
public final class EgressGuard: Sendable {
    let settings: EgressSettings
    private let listeners: Mutex<[EgressPolicy.Listener]>
    /// The org's name, for `[egress.orgs.NAME]`; read per call, as orgs can be renamed.
    private let orgName: @Sendable (OrgID) async throws -> String?
    /// An environment's lists (its settings' `egress`), read per call: they change online.
    private let environmentRules: (@Sendable (OrgID, DeployEnvironment) async throws -> EgressRules?)?

    init(_ settings: EgressSettings, orgName: @escaping @Sendable (OrgID) async throws -> String?,
         environmentRules: (@Sendable (OrgID, DeployEnvironment) async throws -> EgressRules?)? = nil) {
        self.settings = settings
        self.orgName = orgName
        self.environmentRules = environmentRules
        listeners = Mutex([])
        for listener in settings.listeners {
            guard let colon = listener.lastIndex(of: ":"), let port = Int(listener[listener.index(after: colon)...]), port > 0 else { continue }
            addListener(host: String(listener[..<colon]), port: port)
        }
    }

    /// Denies `host:port` (a listener of agentd's own) from now on. A wildcard host
    /// (0.0.0.0, ::) means every local address; 0.0.0.0 and :: themselves reach the local host
    /// on Linux and are always included.
    public func addListener(host: String, port: Int) {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var addresses: [IPAddress] = [IPAddress(v4: 0), IPAddress(v6: 0)]
        if let literal = IPAddress(bare) {
            if literal.bits == 0 {
                addresses += AddressResolver.localAddresses() + [IPAddress(v6: 1)]
            } else {
                addresses.append(literal)
            }
        } else {
            addresses += (try? AddressResolver.resolveBlocking(bare)) ?? []
        }
        var ranges = addresses.map { CIDR($0, prefix: $0.width) }
        // Every loopback address reaches a wildcard listener, not only those on an interface.
        if IPAddress(bare)?.bits == 0 { ranges.append(EgressPolicy.builtInDenies[0].range) }
        let listener = EgressPolicy.Listener(addresses: ranges, port: port, name: "\(host):\(port)")
        self.listeners.withLock { if !$0.contains(listener) { $0.append(listener) } }
    }

    /// The policy for a call made for `org` (nil: the site's rules only) in `environment`.
    func policy(for org: OrgID?, environment: DeployEnvironment? = nil) async throws -> EgressPolicy {
        var policy = EgressPolicy(site: settings.site, listeners: listeners.withLock { $0 })
        if let org, let environment, let environmentRules, let rules = try await environmentRules(org, environment) {
            policy.environment = EgressPolicy.OrgRules(name: environment.rawValue, rules: rules)
        }
        if let org, !settings.orgs.isEmpty {
            if let rules = settings.orgs[org.rawValue] {
                policy.org = EgressPolicy.OrgRules(name: org.rawValue, rules: rules)
            } else if let name = try await orgName(org), let rules = settings.orgs[name] {
                policy.org = EgressPolicy.OrgRules(name: name, rules: rules)
            }
        }
        return policy
    }

    /// Resolves `host` and decides each of its addresses; the first address, checked, is where
    /// the call goes. Throws `EgressDenied`, or `AddressResolver.Failed`.
    func check(host: String, port: Int, org: OrgID?, environment: DeployEnvironment? = nil) async throws -> IPAddress {
        let policy: EgressPolicy
        do { policy = try await self.policy(for: org, environment: environment) } catch {
            throw EgressDenied(host: host, address: host, port: port, rule: "the org's or environment's egress rules could not be read (\(error))")
        }
        let addresses = try await AddressResolver.resolve(host)
        for address in addresses {
            if case .denied(let rule) = policy.decide(host: host, address: address, port: port) {
                throw EgressDenied(host: host, address: address.normalized.description, port: port, rule: rule)
            }
        }
        return addresses[0]
    }

    /// For registration (`POST /models`): the refusal, if the URL's host resolves within
    /// `within` to an address the policy denies. A host that does not resolve (yet, or not
    /// quickly) is not refused here: the check at every call decides then.
    public func refusal(url: String, org: OrgID?, within: Duration = .seconds(2)) async -> String? {
        guard let target = OutboundHTTP.Target(url) else { return nil }
        return await withTaskGroup(of: String??.self) { group in
            group.addTask {
                do {
                    _ = try await self.check(host: target.host, port: target.port, org: org)
                    return .some(nil)
                } catch let denied as EgressDenied {
                    return .some(denied.description)
                } catch {
                    return .some(nil)
                }
            }
            group.addTask {
                try? await Task.sleep(for: within)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? nil
        }
    }
}
