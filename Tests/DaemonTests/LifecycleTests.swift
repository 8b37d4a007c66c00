import Client
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Start-up refusals, graceful shutdown and who may use the socket.
@Suite(.serialized) struct LifecycleTests {
    @Test func sigtermFinishesAnInFlightRequestThenExitsZero() async throws {
        let daemon = try await TestDaemon.start()
        // A request whose body is still arriving when SIGTERM lands.
        let body = #"{"name":"in-flight"}"#
        let connection = try RawSocket(path: daemon.socketPath)
        try connection.send("POST /api/v1/orgs HTTP/1.1\r\nHost: agentd\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body.prefix(5))
        // The daemon is serving other connections, so it has taken ours too.
        #expect(try await daemon.socket.send(.GET, "/healthz").status == 200)
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(try await daemon.log.waitFor { $0.contains("msg=\"shutting down\"") } != nil)
        try connection.send(String(body.dropFirst(5)))
        let response = try connection.receiveAll()
        #expect(response.hasPrefix("HTTP/1.1 201"), "\(response)")
        #expect(try await daemon.waitForExit() == 0, "\(daemon.log.text)")
        #expect(daemon.log.text.contains("msg=stopped"))
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))

        let again = try await TestDaemon.start(directory: daemon.directory)
        #expect(try await again.socket.send(.GET, "/api/v1/orgs/in-flight").status == 200)
        #expect(try await again.stop() == 0)
    }

    @Test func aDatabaseFromANewerAgentdIsRefusedNamingBothVersions() async throws {
        let first = try await TestDaemon.start()
        let binaryVersion = try #require(try await first.socket.call(.GET, "/api/v1/status").json?["schema_version"] as? Int)
        #expect(try await first.stop() == 0)
        let python = try await runProgram("/usr/bin/env", ["python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 99'); c.commit()",
            first.databasePath])
        #expect(python.status == 0, "\(python.stderr)")

        let second = try TestDaemon(directory: first.directory)
        try second.process.run()
        #expect(try await second.waitForExit() == 1)
        let text = second.log.text
        #expect(text.contains("schema version 99"), "\(text)")
        #expect(text.contains("this agentd's \(binaryVersion)"), "\(text)")
    }

    @Test func aSecondDaemonOnTheSameSocketIsRefused() async throws {
        let first = try await TestDaemon.start()
        let second = try TestDaemon(directory: first.directory, arguments: [])
        try second.process.run()
        #expect(try await second.waitForExit() == 1)
        #expect(second.log.text.contains("already serving"), "\(second.log.text)")
        #expect(try await first.socket.send(.GET, "/healthz").status == 200, "the first daemon keeps its socket")
        #expect(try await first.stop() == 0)
    }

    @Test func aSocketUserWhoIsNotAnAdministratorGets401() async throws {
        try await TestDaemon.run { daemon in
            // uid 65534 may reach the socket (the helper opens it); the daemon must still refuse it.
            let result = try await daemon.getAsNobody("/api/v1/orgs")
            #expect(result.stdout.hasPrefix("HTTP/1.1 401"), "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("\"code\":\"unauthenticated\""))
            #expect(result.stdout.contains("uid:65534"))
        }
    }
}

/// A blocking Unix-socket client for speaking raw HTTP in tests.
final class RawSocket {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw TestFailure("connect failed: errno \(errno)") }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw TestFailure("write failed: errno \(errno)") }
    }

    /// Reads until the server closes the connection.
    func receiveAll() throws -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 { throw TestFailure("read failed: errno \(errno)") }
            if count == 0 { break }
            data += buffer[0..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The vault's master key: created in dev, checked at every start, refused when wrong or exposed.
@Suite(.serialized) struct MasterKeyStartTests {
    @Test func aDifferentKeyStopsTheStartNamingTheExpectedKeyAndWhereItLooked() async throws {
        let first = try await TestDaemon.start()
        #expect(try await first.stop() == 0)
        let keyring = first.directory + "/.agentd/master.keyring"
        let mode = (try FileManager.default.attributesOfItem(atPath: keyring)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        try FileManager.default.removeItem(atPath: keyring)
        let made = try await runProgram(TestDaemon.binaries + "/agentd", ["keygen", keyring])
        #expect(made.status == 0, "\(made.stderr)")

        let second = try TestDaemon(directory: first.directory)
        try second.process.run()
        #expect(try await second.waitForExit() == 1)
        let text = second.log.text
        #expect(text.contains("master key mk1"), "\(text)")
        #expect(text.contains(keyring), "\(text)")
    }

    @Test func aKeyringOthersCanReadStopsTheStart() async throws {
        let first = try await TestDaemon.start()
        #expect(try await first.stop() == 0)
        chmod(first.directory + "/.agentd/master.keyring", 0o644)
        let second = try TestDaemon(directory: first.directory)
        try second.process.run()
        #expect(try await second.waitForExit() == 1)
        #expect(second.log.text.contains("chmod 600"), "\(second.log.text)")
    }

    @Test func keygenRefusesToOverwrite() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/master.keyring"
        #expect(try await runProgram(TestDaemon.binaries + "/agentd", ["keygen", path]).status == 0)
        let again = try await runProgram(TestDaemon.binaries + "/agentd", ["keygen", path])
        #expect(again.status == 1)
    }
}
