import Foundation
import Testing

/// agentctl as a person runs it: the real binary against the real daemon.
@Suite(.serialized) struct AgentctlTests {
    static var agentctl: String { TestDaemon.binaries + "/agentctl" }

    func agentctl(_ daemon: TestDaemon, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        // Options follow the subcommand: `agentctl orgs list --socket S`.
        try await runProgram(Self.agentctl, arguments + ["--socket", daemon.socketPath])
    }

    @Test func statusPrintsATableAndJSON() async throws {
        try await TestDaemon.run { daemon in
            let table = try await agentctl(daemon, ["status"])
            #expect(table.status == 0, "\(table.stderr)")
            for label in ["version", "schema version", "database", "database size", "uptime", "writer commits", "writer batch"] {
                #expect(table.stdout.contains(label), "missing \(label) in:\n\(table.stdout)")
            }
            #expect(table.stdout.contains(daemon.databasePath))

            let json = try await agentctl(daemon, ["status", "--output", "json"])
            #expect(json.status == 0)
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect((object?["schema_version"] as? Int ?? 0) >= 3)
        }
    }

    /// Without --socket, agentctl uses ./.agentd/agentd.sock only when it is the user's own: a
    /// socket someone else planted in the directory would hear what an administrator types.
    /// (Giving the socket to another user needs root.)
    @Test(.enabled(if: geteuid() == 0)) func aDevSocketInTheWorkingDirectoryIsUsedOnlyWhenItIsYours() async throws {
        try await TestDaemon.run { daemon in
            let own = try await runProgram(Self.agentctl, ["status"], directory: daemon.directory)
            #expect(own.status == 0 && own.stdout.contains(daemon.databasePath), "\(own.stderr)")

            let planted = (daemon.socketPath, daemon.directory + "/.agentd")
            var original = stat()
            #expect(lstat(planted.0, &original) == 0)
            #expect(chown(planted.0, 65534, 65534) == 0)
            defer { _ = chown(planted.0, original.st_uid, original.st_gid) }
            let foreign = try await runProgram(Self.agentctl, ["status"], directory: daemon.directory)
            #expect(foreign.stderr.components(separatedBy: "ignoring ./.agentd/agentd.sock: it belongs to uid 65534, not to you").count == 2,
                    "said once: \(foreign.stderr)")
            #expect(!foreign.stdout.contains(daemon.databasePath), "it talked to the foreign socket:\n\(foreign.stdout)")
            _ = chown(planted.0, original.st_uid, original.st_gid)

            #expect(chmod(planted.1, 0o777) == 0)
            defer { _ = chmod(planted.1, 0o750) }
            let open = try await runProgram(Self.agentctl, ["status"], directory: daemon.directory)
            #expect(open.stderr.contains("others may write to .agentd"), "\(open.stderr)")
            #expect(!open.stdout.contains(daemon.databasePath))
            _ = chmod(planted.1, 0o750)

            // Named explicitly, it is used whoever owns it.
            #expect(chown(planted.0, 65534, 65534) == 0)
            let explicit = try await runProgram(Self.agentctl, ["status", "--socket", ".agentd/agentd.sock"], directory: daemon.directory)
            #expect(explicit.status == 0, "\(explicit.stderr)")
        }
    }

    @Test func orgsLifecycleThroughTheCommandLine() async throws {
        try await TestDaemon.run { daemon in
            let created = try await agentctl(daemon, ["orgs", "create", "acme", "--display-name", "ACME Corp"])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout.contains("acme"))
            #expect(created.stdout.contains("ACME Corp"))

            let list = try await agentctl(daemon, ["orgs", "list"])
            #expect(list.stdout.split(separator: "\n").count == 3)  // header, default, acme
            #expect(list.stdout.hasPrefix("ID"))

            let renamed = try await agentctl(daemon, ["orgs", "rename", "acme", "acme-corp"])
            #expect(renamed.status == 0)
            let got = try await agentctl(daemon, ["orgs", "get", "acme-corp", "-o", "json"])
            let org = try JSONSerialization.jsonObject(with: Data(got.stdout.utf8)) as? [String: Any]
            #expect(org?["name"] as? String == "acme-corp")

            let deleted = try await agentctl(daemon, ["orgs", "delete", "acme-corp"])
            #expect(deleted.status == 0)
            #expect(deleted.stdout.contains("deleted acme-corp"))

            let page = try await agentctl(daemon, ["orgs", "list", "--limit", "1", "-o", "json"])
            let first = try JSONSerialization.jsonObject(with: Data(page.stdout.utf8)) as? [String: Any]
            #expect((first?["items"] as? [Any])?.count == 1)
        }
    }

    @Test func aProblemExitsOneWithTitleCodeAndDetail() async throws {
        try await TestDaemon.run { daemon in
            let duplicate = try await agentctl(daemon, ["orgs", "create", "default"])
            #expect(duplicate.status == 1)
            #expect(duplicate.stderr.contains("Already exists (already_exists)"))
            #expect(duplicate.stderr.contains("choose another name"))
            #expect(duplicate.stdout.isEmpty)

            let missing = try await agentctl(daemon, ["orgs", "get", "nobody"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("not_found"))

            let invalid = try await agentctl(daemon, ["orgs", "create", "Bad Name"])
            #expect(invalid.status == 1)
            #expect(invalid.stderr.contains("validation_failed"))
        }
    }

    @Test func anUnreachableDaemonExitsTwoAndSaysWhatToDo() async throws {
        let result = try await runProgram(Self.agentctl, ["status", "--socket", "/nonexistent/agentd.sock"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot reach agentd"))
        #expect(result.stderr.contains("make run"))
    }

    @Test func overTCPTheAPIAsksForAKey() async throws {
        try await TestDaemon.run { daemon in
            let result = try await runProgram(Self.agentctl, ["orgs", "list", "--url", "http://127.0.0.1:\(daemon.tcpPort)"])
            #expect(result.status == 1)
            #expect(result.stderr.contains("unauthenticated"))
        }
    }

    @Test func shellCompletionsAreGenerated() async throws {
        let bash = try await runProgram(Self.agentctl, ["--generate-completion-script", "bash"])
        #expect(bash.status == 0)
        #expect(bash.stdout.contains("orgs"))
        #expect(bash.stdout.contains("rename"))
    }
}
