import Client
import Foundation
import Testing

/// The audit chain through the real daemon and agentctl.
@Suite(.serialized) struct AuditTests {
    static var agentctl: String { TestDaemon.binaries + "/agentctl" }

    @Test func orgChangesAreAuditedWithTheRequestID() async throws {
        try await TestDaemon.run { daemon in
            let created = try await daemon.socket.send(.POST, "/api/v1/orgs", body: Data(#"{"name":"acme"}"#.utf8),
                                                       headers: [("Content-Type", "application/json"), ("X-Request-Id", "trace-7")])
            #expect(created.status == 201)
            let page = try #require(try await daemon.socket.call(.GET, "/api/v1/audit?action=org.created").json)
            let events = page["items"] as? [[String: Any]] ?? []
            // The default org (created by agentd itself) and acme.
            #expect(events.map { $0["actor"] as? String } == ["system", "uid:0"])
            let acme = try #require(events.last)
            #expect(acme["request_id"] as? String == "trace-7")
            #expect((acme["details"] as? [String: String])?["name"] == "acme")
            #expect((acme["hash"] as? String)?.count == 64)
        }
    }

    @Test func badFiltersAreProblems() async throws {
        try await TestDaemon.run { daemon in
            for query in ["action=org.exploded", "since=yesterday", "until=5x"] {
                let response = try await daemon.socket.send(.GET, "/api/v1/audit?\(query)")
                #expect(response.status == 400, "\(query)")
                #expect(response.json?["code"] as? String == "invalid_parameter", "\(query)")
            }
        }
    }

    @Test func verifyNamesTheRowEditedInTheDatabaseFile() async throws {
        try await TestDaemon.run { daemon in
            for index in 0..<4 {
                _ = try await daemon.socket.call(.POST, "/api/v1/orgs", json: ["name": "org-\(index)"])
            }
            let good = try await runProgram(Self.agentctl, ["audit", "verify", "--socket", daemon.socketPath])
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.contains("ok"), "\(good.stdout)")

            // An attacker with the file edits one row directly.
            let python = try await runProgram("/usr/bin/env", ["python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit_event SET actor='uid:1000' WHERE seq=3\"); c.commit()",
                daemon.databasePath])
            #expect(python.status == 0, "\(python.stderr)")

            let bad = try await runProgram(Self.agentctl, ["audit", "verify", "--socket", daemon.socketPath])
            #expect(bad.status == 1)
            #expect(bad.stdout.contains("row 3"), "\(bad.stdout)\(bad.stderr)")
            let json = try await runProgram(Self.agentctl, ["audit", "verify", "-o", "json", "--socket", daemon.socketPath])
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(object?["broken_seq"] as? Int == 3)
            #expect(object?["ok"] as? Bool == false)
        }
    }

    @Test func listAndExportThroughAgentctl() async throws {
        try await TestDaemon.run { daemon in
            _ = try await daemon.socket.call(.POST, "/api/v1/orgs", json: ["name": "acme"])
            _ = try await daemon.socket.call(.DELETE, "/api/v1/orgs/acme")
            let list = try await runProgram(Self.agentctl, ["audit", "list", "--action", "org.deleted", "--since", "1h",
                                                      "--socket", daemon.socketPath])
            #expect(list.status == 0, "\(list.stderr)")
            let lines = list.stdout.split(separator: "\n")
            #expect(lines.count == 2, "\(list.stdout)")
            #expect(lines.last?.contains("org.deleted") == true)

            let export = try await runProgram(Self.agentctl, ["audit", "export", "--socket", daemon.socketPath])
            #expect(export.status == 0, "\(export.stderr)")
            let records = export.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(records.map { $0["seq"] as? Int } == [1, 2, 3])
            #expect(records.map { $0["action"] as? String } == ["org.created", "org.created", "org.deleted"])
        }
    }
}
