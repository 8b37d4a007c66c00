import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one-request listener `agentctl login --sso` waits on at 127.0.0.1 (RFC 8252 §7.3): the
/// browser is sent back to it with the code from the IdP login, so the code never has to be
/// typed and never reaches a browser on another machine.
final class LoopbackListener: @unchecked Sendable {
    let port: Int
    private let socket: Int32

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw LoopbackError("cannot open a socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 4) == 0 else {
            close(socket)
            throw LoopbackError("cannot listen on 127.0.0.1")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        self.socket = socket
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(socket) }

    struct LoopbackError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Waits up to `seconds` for the browser's `GET /agentd-sso?code=…`, answers it with a page
    /// saying the terminal has it, and returns the code (nil: timed out).
    func code(within seconds: Int) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in continuation.resume(returning: wait(seconds)) }
        }
    }

    private func wait(_ seconds: Int) -> String? {
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        while Date() < deadline {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 1000) > 0 else { continue }
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else { continue }
            defer { close(connection) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            var received = 0
            // Only the request line matters; read until it is complete (or 4 KiB, or 5 s).
            let readDeadline = Date().addingTimeInterval(5)
            while received < buffer.count, !buffer[..<received].contains(10), Date() < readDeadline {
                var readable = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                guard poll(&readable, 1, 500) > 0 else { continue }
                let room = buffer.count - received
                let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress! + received, room) }
                if count <= 0 { break }
                received += count
            }
            let line = String(decoding: buffer[..<received].prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
            let parts = line.split(separator: " ")
            guard parts.count >= 2, parts[0] == "GET", parts[1].hasPrefix("/agentd-sso?"),
                  let code = URLComponents(string: String(parts[1]))?.queryItems?.first(where: { $0.name == "code" })?.value else {
                respond(connection, status: "404 Not Found", "Not here.")
                continue
            }
            respond(connection, status: "200 OK", "Signed in: go back to your terminal. You may close this window.")
            return code
        }
        return nil
    }

    private func respond(_ connection: Int32, status: String, _ text: String) {
        let body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>agentd</title></head><body><p>\(text)</p></body></html>"
        let response = "HTTP/1.1 \(status)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Cache-Control: no-store\r\nConnection: close\r\n\r\n" + body
        _ = response.withCString { write(connection, $0, strlen($0)) }
    }
}
