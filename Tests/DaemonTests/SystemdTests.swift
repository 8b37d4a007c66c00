import Client
import Foundation
import Synchronization
import Testing

/// A datagram socket the tests bind where systemd's would be: `NOTIFY_SOCKET`, or the
/// journal's native socket. Collects what arrives on a thread of its own.
final class DatagramListener: @unchecked Sendable {
    final class Inbox: Sendable {
        let datagrams = Mutex<[[UInt8]]>([])
    }

    let path: String
    private let descriptor: Int32
    private let inbox = Inbox()
    private let thread: Thread

    init(path: String) throws {
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        descriptor = fd
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
            buffer[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let inbox = self.inbox
        thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 1 << 17)
            while !Thread.current.isCancelled {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { inbox.datagrams.withLock { $0.append(Array(buffer[0..<count])) } }
            }
        }
        guard fd >= 0, bound == 0 else { throw TestFailure("cannot bind \(path)") }
        thread.start()
    }

    var datagrams: [[UInt8]] { inbox.datagrams.withLock { $0 } }

    /// Waits until `done` holds for what arrived so far.
    func wait(timeout: Duration = .seconds(20), until done: ([[UInt8]]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !done(datagrams) {
            guard ContinuousClock.now < deadline else { throw TestFailure("not seen in time; got \(datagrams.count) datagrams") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    deinit {
        thread.cancel()
        close(descriptor)
        unlink(path)
    }

    /// A journal native-protocol datagram's fields: `NAME=value` lines, or a name, a newline,
    /// a 64-bit little-endian length and that many bytes.
    static func journalFields(_ datagram: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        var index = 0
        while index < datagram.count {
            var end = index
            while end < datagram.count, datagram[end] != 61, datagram[end] != 10 { end += 1 }
            guard end < datagram.count else { break }
            let name = String(decoding: datagram[index..<end], as: UTF8.self)
            if datagram[end] == 61 {
                var stop = end + 1
                while stop < datagram.count, datagram[stop] != 10 { stop += 1 }
                fields[name] = String(decoding: datagram[(end + 1)..<stop], as: UTF8.self)
                index = stop + 1
            } else {
                guard end + 9 <= datagram.count else { break }
                var length = 0
                for shift in 0..<8 { length |= Int(datagram[end + 1 + shift]) << (8 * shift) }
                let start = end + 9
                fields[name] = String(decoding: datagram[start..<min(datagram.count, start + length)], as: UTF8.self)
                index = start + length + 1
            }
        }
        return fields
    }
}

@Suite(.serialized) struct SystemdTests {
    @Test func theNotifyProtocolSaysReadyStatusWatchdogAndStoppingInOrder() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listener = try DatagramListener(path: directory + "/notify.sock")
        let daemon = try await TestDaemon.start(directory: directory, environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "200000"])
        func messages() -> [String] { listener.datagrams.map { String(decoding: $0, as: UTF8.self) } }
        try await listener.wait { _ in messages().contains { $0.contains("WATCHDOG=1") } }
        #expect(try await daemon.stop() == 0)
        try await listener.wait { _ in messages().contains { $0.contains("STOPPING=1") } }
        let all = messages()
        let ready = try #require(all.firstIndex { $0.contains("READY=1") })
        let watchdog = try #require(all.firstIndex { $0.contains("WATCHDOG=1") })
        let stopping = try #require(all.firstIndex { $0.contains("STOPPING=1") })
        #expect(all.prefix(ready).contains { $0.hasPrefix("STATUS=") }, "a status before ready: \(all)")
        #expect(ready < stopping && watchdog < stopping, "\(all)")
        #expect(all[ready].contains("STATUS=serving"))
        // Fed at half the interval while it runs: more than one in the time it took.
        #expect(all.filter { $0.contains("WATCHDOG=1") }.count >= 1)
        #expect(daemon.log.text.contains("watchdog enabled"))
    }

    @Test func journalEventsCarryStableFieldsAndNoSecrets() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = try DatagramListener(path: directory + "/journal.sock")
        let daemon = try TestDaemon(directory: directory, environment: ["AGENTD_LOG_FORMAT": "journal", "AGENTD_LOG_JOURNAL_SOCKET": journal.path])
        try daemon.process.run()
        func events() -> [[String: String]] { journal.datagrams.map(DatagramListener.journalFields) }
        try await journal.wait { _ in events().contains { $0["MESSAGE"] == "ready" } }
        #expect(daemon.log.text.isEmpty, "nothing on stderr when logging to the journal: \(daemon.log.text)")

        let client = daemon.socket
        _ = try await client.call(.PUT, "/api/v1/secrets", json: ["environment": "dev", "path": "crm/api", "value": "journal-secret-73c9"])
        try await Run.apply(client, "workflow: logged\nnodes:\n  a: {kind: transform, config: {output: \"{{ secret('crm/api') }}\"}}\n")
        let id = try await Run.start(client, "logged")
        _ = try await Run.finish(client, id)
        try await journal.wait { _ in events().contains { $0["MESSAGE"] == "execution ended" } }
        #expect(try await daemon.stop() == 0)

        let all = events()
        #expect(all.allSatisfy { $0["SYSLOG_IDENTIFIER"] == "agentd" && ($0["MESSAGE_ID"]?.count ?? 0) == 32 && $0["PRIORITY"] != nil })
        let change = try #require(all.first { $0["MESSAGE"] == "change requested" && $0["AGENTD_ACTION"] == "putSecret" })
        #expect(change["PRIORITY"] == "6" && change["AGENTD_REQUEST_ID"]?.hasPrefix("req_") == true && change["AGENTD_ORG"]?.hasPrefix("org_") == true)
        #expect(change["AGENTD_STATUS"] == "200")
        let ended = try #require(all.first { $0["MESSAGE"] == "execution ended" })
        #expect(ended["AGENTD_EXECUTION"] == id && ended["AGENTD_WORKFLOW"] == "logged" && ended["AGENTD_STATUS"] == "succeeded")
        // One kind of event, one MESSAGE_ID, whatever its fields.
        let readyIDs = Set(all.filter { $0["MESSAGE"] == "listening" }.compactMap { $0["MESSAGE_ID"] })
        #expect(readyIDs.count == 1)
        #expect(!journal.datagrams.contains { String(decoding: $0, as: UTF8.self).contains("journal-secret-73c9") })
        // Each event seen is documented with its id.
        let documented = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/logging.md").path, encoding: .utf8)
        for event in all where event["AGENTD_SOURCE"].map({ ["agentd", "API", "Engine", "Storage", "Platform", "Security"].contains($0) }) == true {
            let row = "| `\(event["MESSAGE_ID"] ?? "")` | "
            #expect(documented.contains(row) && documented.contains(event["MESSAGE"] ?? "?"), "\(event["MESSAGE"] ?? "") is not in docs/logging.md")
        }
    }

    @Test func aReloadAppliesWhatItCanAndNamesWhatNeedsARestart() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/agentd.toml"
        try "[log]\nlevel = \"info\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        let listener = try DatagramListener(path: directory + "/notify.sock")
        let daemon = try await TestDaemon.start(directory: directory, arguments: ["--config", file], environment: ["NOTIFY_SOCKET": listener.path])
        try """
            [log]
            level = "debug"
            [limits]
            key_per_hour = 5
            [[models]]
            org = "default"
            name = "reloaded"
            base_url = "http://gpu01:8000/v1"
            model = "m"
            """.write(toFile: file, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        guard let line = try await daemon.log.waitFor(timeout: .seconds(20), { $0.contains("configuration reloaded") }) else {
            throw TestFailure("no reload in the log:\n\(daemon.log.text)")
        }
        #expect(line.contains("applied=log.level,models") && line.contains("restart_needed_for=limits"), "\(line)")
        #expect(try await daemon.socket.send(.GET, "/api/v1/models/reloaded").status == 200)
        try await listener.wait { datagrams in datagrams.map { String(decoding: $0, as: UTF8.self) }.contains { $0.contains("RELOADING=1") } }

        // A file that does not load changes nothing, and says so.
        try "[log]\nlevel = \"loud\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(try await daemon.log.waitFor(timeout: .seconds(20), { $0.contains("reload refused") }) != nil)
        #expect(try await daemon.stop() == 0)
    }
}
