import Foundation
import Testing

@Suite struct CheckConfigTests {
    static var agentd: String { TestDaemon.binaries + "/agentd" }

    func check(_ toml: String, environment: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/agentd.toml"
        try toml.write(toFile: file, atomically: true, encoding: .utf8)
        return try await runProgram(Self.agentd, ["check-config", file], environment: environment)
    }

    @Test func aGoodFilePassesAndShowsTheEffectiveSettings() async throws {
        let result = try await check("""
            [server]
            listen = "0.0.0.0:9000"
            socket = "/run/agentd/agentd.sock"
            socket_mode = "0660"
            max_body_bytes = 2097152
            [database]
            path = "/srv/agentd/agentd.db"
            synchronous = "normal"
            [writer]
            batch_max = 128
            batch_window_us = 200
            [log]
            level = "debug"
            [privacy]
            mask_logs = false
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("server.listen = 0.0.0.0:9000"))
        #expect(result.stdout.contains("privacy.mask_logs = false"), "\(result.stdout)")
        #expect(result.stdout.contains("database.synchronous = normal"))
    }

    @Test(arguments: [
        ("[server]\nlisten = \"nowhere\"", "server.listen", "host:port"),
        ("[server]\nlistn = \"127.0.0.1:1\"", "server.listn", "not a known key"),
        ("[servr]\nlisten = \"127.0.0.1:1\"", "servr", "not a known section"),
        ("[server]\nmax_body_bytes = \"lots\"", "server.max_body_bytes", "must be an integer"),
        ("[server]\nmax_body_bytes = 10", "server.max_body_bytes", "must be from 1024"),
        ("[server]\nsocket_mode = \"0666\"", "server.socket_mode", "others"),
        ("[database]\nsynchronous = \"off\"", "database.synchronous", "\"full\" or \"normal\""),
        ("[log]\nlevel = 3", "log.level", "must be a string"),
        ("[privacy]\nmask_logs = \"yes\"", "privacy.mask_logs", "must be"),
        ("[privacy]\nmask_log = true", "privacy.mask_log", "not a known key"),
        ("[server\nlisten = 1", "(file)", "not valid TOML"),
    ])
    func aBadFileNamesTheKeyAndWhy(_ toml: String, _ key: String, _ reason: String) async throws {
        let result = try await check(toml)
        #expect(result.status == 1)
        #expect(result.stderr.contains(key), "\(result.stderr)")
        #expect(result.stderr.contains(reason), "\(result.stderr)")
    }

    @Test func environmentOverridesAreCheckedToo() async throws {
        let good = try await check("", environment: ["AGENTD_SERVER_LISTEN": "127.0.0.1:9100"])
        #expect(good.status == 0)
        #expect(good.stdout.contains("server.listen = 127.0.0.1:9100"))
        let bad = try await check("", environment: ["AGENTD_WRITER_BATCH_MAX": "0"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("writer.batch_max"))
        let typo = try await check("", environment: ["AGENTD_SERVER_LISTN": "x"])
        #expect(typo.status == 1)
        #expect(typo.stderr.contains("AGENTD_SERVER_LISTN"))
    }

    @Test func aMissingFileIsAnError() async throws {
        let result = try await runProgram(Self.agentd, ["check-config", "/nonexistent/agentd.toml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("does not exist"))
    }

    @Test func serveRefusesABadConfigurationWithExitStatus78() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await runProgram(Self.agentd, ["serve", "--dev", "--listen", "bad"], directory: directory)
        #expect(result.status == 78)
        #expect(result.stderr.contains("server.listen"))
    }
}
