#if canImport(Glibc)
import Glibc
#endif
import Core
import Hummingbird
import Logging
import NIOCore
import Platform

/// The typed per-request value carried from middleware to route: listener, request id, caller.
public struct AgentRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's channel; `IdentityMiddleware` asks it for the socket peer's credentials.
    public let channel: any Channel
    /// True for a request on the Unix socket, false for TCP.
    public let isUnixSocket: Bool
    /// Set by `RequestIDMiddleware`: the caller's `X-Request-Id` when sane, else a new `req_…` ID.
    public var requestID: String = ""
    /// Set by `IdentityMiddleware`; nil when the caller could not be identified.
    public var caller: Caller?
    /// Set by `IdentityMiddleware` when the caller could not be identified: why, for the 401.
    public var identityFailure: APIError?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        if case .unixDomainSocket = source.channel.localAddress {
            self.isUnixSocket = true
        } else {
            self.isUnixSocket = false
        }
    }

    /// The kernel's credentials for the socket peer (`SO_PEERCRED`); nil on TCP or on failure.
    /// Nothing the client sends can change them.
    func peerCredentials() async -> PeerCredentials? {
        guard isUnixSocket, let provider = channel as? any SocketOptionProvider else { return nil }
        let credentials: UCred? = try? await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(soPeerCred)).get()
        return credentials?.credentials
    }
}
