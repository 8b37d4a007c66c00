import AsyncHTTPClient
import Core
import Foundation
import NIOCore

/// Every outbound HTTP call of the engine (http steps, model servers) goes through here, past
/// the egress policy. Each call gets its own client whose `dnsOverride` pins the host to the
/// one address `EgressGuard` checked (the Host header and TLS SNI and certificate checks keep
/// the name), and whose connection initializer checks the connected peer once more. The price
/// is no connection reuse between calls; a call is one step attempt, so little is lost.
/// Redirects are never followed (`redirectConfiguration = .disallow`): a 3xx is the step's
/// answer, so no hop escapes the check.
struct OutboundHTTP: Sendable {
    let configuration: HTTPClient.Configuration
    let egress: EgressGuard

    /// Scheme, host and port of a URL, as AsyncHTTPClient reads them.
    struct Target {
        let host: String
        let port: Int

        init?(_ url: String) {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  var host = parsed.host, !host.isEmpty else { return nil }
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.host = host
            port = parsed.port ?? (scheme == "https" ? 443 : 80)
        }
    }

    /// Sends `request` for `org` (a step of an execution in `environment`) and hands the
    /// response to `handle`, which must read the body: the connection is closed when it
    /// returns. Throws `EgressDenied` before connecting when the policy refuses.
    func execute<T: Sendable>(_ request: HTTPClientRequest, deadline: NIODeadline, org: OrgID?, environment: DeployEnvironment? = nil,
                              _ handle: (HTTPClientResponse) async throws -> T) async throws -> T {
        guard let target = Target(request.url) else { throw HTTPClientError.invalidURL }
        let address = try await egress.check(host: target.host, port: target.port, org: org, environment: environment)
        var configuration = configuration
        configuration.redirectConfiguration = .disallow
        // Keyed both ways AsyncHTTPClient may spell the host (a name, or an IPv6 literal in
        // brackets), so the connection always goes to the checked address.
        configuration.dnsOverride = [target.host: address.description, "[\(target.host)]": address.description]
        let pinned = address.normalized
        let verify: @Sendable (Channel) -> EventLoopFuture<Void> = { channel in
            guard let remote = channel.remoteAddress, let peer = AddressResolver.address(remote), peer.normalized == pinned else {
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(EgressDenied(host: target.host, address: channel.remoteAddress?.ipAddress ?? "?",
                                                                       port: target.port, rule: "the connection did not go to the checked address \(pinned)"))
            }
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        configuration.http1_1ConnectionDebugInitializer = verify
        configuration.http2ConnectionDebugInitializer = verify
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await handle(try await client.execute(request, deadline: deadline))
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Nothing is shared between calls; kept so the engine's stop reads as before.
    func shutdown() async throws {}
}

extension AddressResolver {
    static func address(_ socket: SocketAddress) -> IPAddress? {
        switch socket {
        case .v4(let v4): withUnsafeBytes(of: v4.address.sin_addr) { IPAddress(bytes: Array($0)) }
        case .v6(let v6): withUnsafeBytes(of: v6.address.sin6_addr) { IPAddress(bytes: Array($0)) }
        case .unixDomainSocket: nil
        }
    }
}
