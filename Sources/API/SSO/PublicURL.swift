import Foundation
import Synchronization

/// The URL people and IdPs reach agentd at (`[server] public_url`), which redirect URIs and
/// SP metadata are built from. Unset, it is the TCP listener's own address, known once bound.
public final class PublicURL: Sendable {
    private let value: Mutex<String?>

    public init(_ configured: String?) {
        value = Mutex(configured.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
    }

    /// Sets the address the listener bound to, unless one was configured.
    public func listenerBound(host: String, port: Int) {
        value.withLock { current in
            if current == nil { current = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
        }
    }

    public var text: String { value.withLock { $0 ?? "http://127.0.0.1:8700" } }
}
