import Core
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Sends each event as an RFC 5424 record, octet-counted, over one TLS connection (RFC 5425)
/// kept open between batches; a connection that closed or failed is made again for the next
/// batch. The collector's certificate is checked against `trustRoots` and its host name.
final class SyslogTLSAuditSink: AuditSink {
    let host: String
    let port: Int
    let hostname: String
    private let context: NIOSSLContext
    private let channel = Mutex<Channel?>(nil)

    init(host: String, port: Int, caBundle: String?, hostname: String) throws {
        self.host = host
        self.port = port
        self.hostname = hostname
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caBundle { tls.trustRoots = .file(caBundle) }
        tls.minimumTLSVersion = .tlsv12
        context = try NIOSSLContext(configuration: tls)
    }

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    func write(_ records: [AuditRecord]) async throws {
        let channel = try await connected()
        var buffer = channel.allocator.buffer(capacity: records.count * 512)
        for record in records { buffer.writeString(SyslogRecord.frame(SyslogRecord.message(record, hostname: hostname))) }
        do {
            try await channel.writeAndFlush(buffer).get()
        } catch {
            forget(channel)
            throw Refused(description: "writing to \(host):\(port) failed: \(error)")
        }
        // why: a collector that went away after the write was buffered closes the connection;
        // a batch is only counted as sent on a connection still open once it was flushed.
        guard channel.isActive else {
            forget(channel)
            throw Refused(description: "\(host):\(port) closed the connection")
        }
    }

    private func connected() async throws -> Channel {
        if let open = channel.withLock({ $0 }), open.isActive { return open }
        let context = self.context, serverName = IPAddress(host) == nil ? host : nil
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                }
            }
        let made: Channel
        do {
            made = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw Refused(description: "cannot connect to \(host):\(port): \(error)")
        }
        channel.withLock { $0 = made }
        return made
    }

    private func forget(_ failed: Channel) {
        channel.withLock { if $0 === failed { $0 = nil } }
        failed.close(promise: nil)
    }

    func close() async {
        let open = channel.withLock { current -> Channel? in defer { current = nil }; return current }
        try? await open?.close().get()
    }
}
