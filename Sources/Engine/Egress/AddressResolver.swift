import Core
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Resolves a host name with the system's resolver (`getaddrinfo`, which honours
/// /etc/hosts and nsswitch like everything else on the box), on a Dispatch thread: it blocks,
/// and neither the event loops nor Swift's small cooperative pool may be held by it.
enum AddressResolver {
    struct Failed: Error, CustomStringConvertible {
        let host: String
        let reason: String
        var description: String { "cannot resolve \(host): \(reason)" }
    }

    /// Every address `host` has (a literal is its own), in the resolver's order, without repeats.
    /// Cancelling the caller ends the wait at once (the lookup itself runs to its end, unheard).
    static func resolve(_ host: String) async throws -> [IPAddress] {
        let pending = Mutex<CheckedContinuation<[IPAddress], any Error>?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                pending.withLock { $0 = continuation }
                if Task.isCancelled { pending.withLock { $0.take() }?.resume(throwing: CancellationError()) }
                DispatchQueue.global(qos: .userInitiated).async {
                    let result = Result { try resolveBlocking(host) }
                    pending.withLock { $0.take() }?.resume(with: result)
                }
            }
        } onCancel: {
            pending.withLock { $0.take() }?.resume(throwing: CancellationError())
        }
    }

    static func resolveBlocking(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { throw Failed(host: host, reason: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var next = list
        while let entry = next {
            if let address = self.address(entry.pointee.ai_addr), !addresses.contains(address) { addresses.append(address) }
            next = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw Failed(host: host, reason: "no IPv4 or IPv6 address") }
        return addresses
    }

    /// The address in a `sockaddr_in` or `sockaddr_in6`.
    static func address(_ socketAddress: UnsafePointer<sockaddr>?) -> IPAddress? {
        guard let socketAddress else { return nil }
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            return socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                withUnsafeBytes(of: v4.pointee.sin_addr) { IPAddress(bytes: Array($0)) }
            }
        case AF_INET6:
            return socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                withUnsafeBytes(of: v6.pointee.sin6_addr) { IPAddress(bytes: Array($0)) }
            }
        default:
            return nil
        }
    }

    /// This host's own interface addresses (`getifaddrs`): what reaches a listener on 0.0.0.0 or ::.
    static func localAddresses() -> [IPAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [IPAddress] = []
        var next = list
        while let entry = next {
            if let address = address(UnsafePointer(entry.pointee.ifa_addr)), !addresses.contains(address) { addresses.append(address) }
            next = entry.pointee.ifa_next
        }
        return addresses
    }
}
