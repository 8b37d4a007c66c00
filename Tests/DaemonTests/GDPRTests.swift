import Client
import Foundation
import Testing

/// A person's right of access and to erasure, through agentctl and the API, on the real
/// binary and its database file.
@Suite struct GDPRTests {
    static let login = "alice.liddell"
    static let email = "alice.liddell@wonder.example"

    /// Whether `text` occurs anywhere in the database file or its write-ahead log, as bytes.
    static func fileHolds(_ daemon: TestDaemon, _ text: String) -> [String] {
        [daemon.databasePath, daemon.databasePath + "-wal"].filter { path in
            guard let data = FileManager.default.contents(atPath: path) else { return false }
            return data.range(of: Data(text.utf8)) != nil
        }
    }

    @Test func exportGathersAPersonAndErasureLeavesNoTraceAndAVerifiableChain() async throws {
        try await TestDaemon.run { daemon in
            func ctl(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
                try await runProgram(TestDaemon.binaries + "/agentctl", arguments + ["--socket", daemon.socketPath])
            }
            // Alice works: a key, a password, a workflow she applies, an execution whose input names her.
            let alice = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: Self.login, role: "developer"))
            _ = try await daemon.socket.call(.PATCH, "/api/v1/users/\(Self.login)", json: ["display_name": "Alice Liddell"])
            _ = try await daemon.socket.call(.PUT, "/api/v1/users/\(Self.login)/password", json: ["password": "through the looking glass"])
            try await Run.apply(alice, "workflow: letters\nnodes:\n  a: {kind: transform, config: {output: {to: \"{{ input.contact }}\"}}}\n")
            let execution = try await Run.start(alice, "letters", input: ["contact": Self.email, "note": "written for Alice Liddell"])
            _ = try await Run.finish(alice, execution)
            // Someone else's execution, which must come through untouched.
            try await Run.apply(daemon.socket, "workflow: others\nnodes:\n  a: {kind: transform, config: {output: {to: \"{{ input.contact }}\"}}}\n")
            let other = try await Run.start(daemon.socket, "others", input: ["contact": "bob@builder.example"])
            _ = try await Run.finish(daemon.socket, other)

            // Export: through agentctl, as JSON, with her rows and no credential verifier.
            let exported = try await ctl(["gdpr", "export", "user:\(Self.login)"])
            #expect(exported.status == 0, "\(exported.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any])
            let tables = try #require(document["tables"] as? [String: [[String: Any]]])
            #expect(tables["user_account"]?.first?["display_name"] as? String == "Alice Liddell")
            #expect(tables["api_key"]?.first?["secret_hash"] as? String == "[withheld]")
            #expect(tables["password"]?.first?["hash"] as? String == "[withheld]")
            #expect(tables["execution"]?.contains { ($0["input"] as? String)?.contains(Self.email) == true } == true)
            #expect(tables["execution"]?.contains { $0["id"] as? String == other } == false, "bob's execution is not hers")
            #expect((tables["audit_event"]?.count ?? 0) >= 3, "the key, the password and the execution are audited about or by her")

            // Refused: a developer lacks compliance.manage; an org admin is not an installation admin;
            // no such person; an erasure that does not repeat the login; a body that is not JSON.
            let developer = try await alice.send(.GET, "/api/v1/people/\(Self.login)/export")
            #expect(developer.status == 403 && developer.json?["code"] as? String == "permission_denied")
            let orgAdmin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "queen", role: "admin"))
            let notInstallation = try await orgAdmin.send(.GET, "/api/v1/people/\(Self.login)/export")
            #expect(notInstallation.status == 403 && notInstallation.json?["code"] as? String == "installation_admin_required")
            #expect(try await daemon.socket.send(.GET, "/api/v1/people/nobody-here/export").status == 404)
            let unconfirmed = try await daemon.socket.send(.POST, "/api/v1/people/\(Self.login)/erase",
                                                          body: Data(#"{"confirm":"alice"}"#.utf8), headers: [("Content-Type", "application/json")])
            #expect(unconfirmed.status == 422 && unconfirmed.json?["code"] as? String == "confirmation_required")
            let malformed = try await daemon.socket.send(.POST, "/api/v1/people/\(Self.login)/erase",
                                                        body: Data("{confirm".utf8), headers: [("Content-Type", "application/json")])
            #expect(malformed.status == 400)
            #expect(try await ctl(["gdpr", "erase", "user:\(Self.login)"]).stderr.contains("--yes"), "no terminal to confirm on")
            #expect(try await alice.send(.GET, "/api/v1/whoami").status == 200, "nothing was erased by the refused calls")

            // Erase.
            let erased = try await ctl(["gdpr", "erase", "user:\(Self.login)", "--yes", "--output", "json"])
            #expect(erased.status == 0, "\(erased.stderr)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(erased.stdout.utf8)) as? [String: Any])
            let pseudonym = try #require(result["pseudonym"] as? String)
            #expect(pseudonym.hasPrefix("erased:") && pseudonym.count == 23)
            #expect((result["removed"] as? [String: Int])?["user_account"] == 1)
            #expect(((result["pseudonymised"] as? [String: Int])?["audit_event"] ?? 0) >= 3)
            #expect(result["log_truncated"] as? Bool == true)

            // Gone: her key no longer opens the API, and she cannot be found.
            #expect(try await alice.send(.GET, "/api/v1/whoami").status == 401)
            #expect(try await daemon.socket.send(.GET, "/api/v1/people/\(Self.login)/export").status == 404)
            // The execution is there, with the pseudonym where she was; bob's is untouched.
            let kept = try #require(try await daemon.socket.call(.GET, "/api/v1/executions/\(execution)").json)
            let input = try JSONSerialization.data(withJSONObject: kept["input"] ?? [:])
            #expect(String(decoding: input, as: UTF8.self).contains(pseudonym) && !String(decoding: input, as: UTF8.self).contains("Liddell"))
            let bob = try #require(try await daemon.socket.call(.GET, "/api/v1/executions/\(other)").json)
            #expect((bob["input"] as? [String: Any])?["contact"] as? String == "bob@builder.example")

            // The chain verifies, through the sealed values erasure replaced; the erasure is audited
            // under the pseudonym.
            let verified = try await ctl(["audit", "verify"])
            #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
            let events = try await daemon.socket.call(.GET, "/api/v1/audit?action=person.erased").json?["items"] as? [[String: Any]] ?? []
            #expect(events.count == 1 && events.first?["target_id"] as? String == pseudonym)

            // No trace in the file or the log: not the login, not the name, not the e-mail address.
            for text in [Self.login, "Alice Liddell", Self.email] {
                #expect(Self.fileHolds(daemon, text).isEmpty, "\(text) is still in \(Self.fileHolds(daemon, text))")
            }
        }
    }

    /// An execution of hers that retention archived is in her export, and erasure pseudonymises
    /// it in the month's archive file too.
    @Test func archivedExecutionsAreExportedAndErased() async throws {
        let first = try await TestDaemon.start()
        let alice = IdentityTests.tcp(first, key: try await IdentityTests.keyFor(first, login: Self.login, role: "developer"))
        try await Run.apply(alice, "workflow: letters\nnodes:\n  a: {kind: transform, config: {output: {to: \"{{ input.contact }}\"}}}\n")
        let execution = try await Run.start(alice, "letters", input: ["contact": Self.email])
        _ = try await Run.finish(alice, execution)
        #expect(try await first.stop() == 0)

        let second = try await TestDaemon.start(directory: first.directory, environment: [
            "AGENTD_RETENTION_EXECUTIONS": "1s", "AGENTD_RETENTION_STEP_PAYLOADS": "1s", "AGENTD_RETENTION_PASS_MS": "200"])
        try await RetentionTests.waitGone(second.socket, [execution])
        let exported = try #require(try await second.socket.call(.GET, "/api/v1/people/\(Self.login)/export").json)
        let archived = exported["archived_executions"] as? [[String: Any]] ?? []
        #expect(archived.count == 1 && ((archived.first?["execution"] as? [String: Any])?["id"] as? String) == execution, "\(archived)")

        let erased = try #require(try await second.socket.call(.POST, "/api/v1/people/\(Self.login)/erase", json: ["confirm": Self.login]).json)
        #expect(erased["archived_executions"] as? Int == 1, "\(erased)")
        let pseudonym = try #require(erased["pseudonym"] as? String)
        let month = String(decoding: try await second.socket.call(.GET, "/api/v1/archive/\(RetentionTests.thisMonth)").body, as: UTF8.self)
        #expect(month.contains(execution) && month.contains(pseudonym) && !month.contains(Self.login), "\(month)")
        #expect(try await second.stop() == 0)
        try? FileManager.default.removeItem(atPath: first.directory)
    }

    /// A sealed audit row changed by hand (not by erasure) fails verification at that row, and
    /// a replaced value cannot be put back without the key.
    @Test func aSealedRowChangedByHandBreaksTheChain() async throws {
        let daemon = try await TestDaemon.start()
        _ = try await IdentityTests.keyFor(daemon, login: "mallory", role: "developer")
        #expect(try await daemon.socket.call(.GET, "/api/v1/audit/verify").json?["ok"] as? Bool == true)
        #expect(try await daemon.stop() == 0)
        let forged = try await runProgram("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            n = db.execute("UPDATE audit_event SET details = replace(details, 'mallory', 'someone') WHERE details LIKE '%mallory%'").rowcount
            print(n, db.execute("SELECT min(form) FROM audit_event").fetchone()[0])
            """, daemon.databasePath])
        #expect(forged.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(" 2"), "every row is sealed: \(forged.stdout) \(forged.stderr)")
        #expect(!forged.stdout.hasPrefix("0 "), "a row named mallory")
        let again = try await TestDaemon.start(directory: daemon.directory)
        let verified = try await again.socket.call(.GET, "/api/v1/audit/verify").json ?? [:]
        #expect(verified["ok"] as? Bool == false, "\(verified)")
        #expect(try await again.stop() == 0)
    }
}
