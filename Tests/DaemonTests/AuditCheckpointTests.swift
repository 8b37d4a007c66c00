import Client
import Foundation
import Testing

/// Keyed checkpoints of the audit chain and the verifier documented in docs/security.md,
/// against the real daemon and its real database file, tampered with by python3's sqlite3
/// while agentd is stopped (as an attacker with the file would).
@Suite(.serialized) struct AuditCheckpointTests {
    static var agentctl: String { TestDaemon.binaries + "/agentctl" }
    static let environment = ["AGENTD_AUDIT_CHECKPOINT_EVERY": "5"]
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The python between `<!-- verifier:begin -->` and `<!-- verifier:end -->`, fences removed.
    static func documentedVerifier(into directory: String) throws -> String {
        let doc = try String(contentsOf: repository.appendingPathComponent("docs/security.md"), encoding: .utf8)
        guard let begin = doc.range(of: "<!-- verifier:begin -->"), let end = doc.range(of: "<!-- verifier:end -->"),
              begin.upperBound < end.lowerBound else {
            throw TestFailure("docs/security.md has no verifier markers")
        }
        let lines = doc[begin.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("```") }
        let path = directory + "/verify.py"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func python(_ code: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProgram("/usr/bin/env", ["python3", "-c", code] + arguments)
    }

    /// 11 orgs on top of the default org's event: 12 events, checkpoints at 5 and 10, and the
    /// stop's at 12. Names carry non-ASCII text; some rows have absent fields.
    static func audit(_ daemon: TestDaemon) async throws {
        for index in 0..<10 {
            let created = try await daemon.socket.send(.POST, "/api/v1/orgs", body: Data(#"{"name":"org-\#(index)","display_name":"Zoë \#(index)"}"#.utf8),
                                                       headers: [("Content-Type", "application/json")])
            #expect(created.status == 201)
        }
        #expect(try await daemon.socket.send(.DELETE, "/api/v1/orgs/org-0").status == 204)
    }

    static func verify(_ daemon: TestDaemon) async throws -> (status: Int32, text: String, json: [String: Any]) {
        let text = try await runProgram(agentctl, ["audit", "verify", "--socket", daemon.socketPath])
        let json = try await runProgram(agentctl, ["audit", "verify", "-o", "json", "--socket", daemon.socketPath])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(json.status == text.status)
        return (text.status, text.stdout + text.stderr, object)
    }

    @Test func theDocumentedVerifierPassesOnARealChainAndFailsOnATamperedOne() async throws {
        let daemon = try await TestDaemon.start(environment: Self.environment)
        defer { try? FileManager.default.removeItem(atPath: daemon.directory) }
        try await Self.audit(daemon)
        let script = try Self.documentedVerifier(into: daemon.directory)

        // From an export, while agentd runs.
        let export = try await runProgram(Self.agentctl, ["audit", "export", "--socket", daemon.socketPath])
        #expect(export.status == 0, "\(export.stderr)")
        let exportFile = daemon.directory + "/export.jsonl"
        try export.stdout.write(toFile: exportFile, atomically: true, encoding: .utf8)
        let fromExport = try await runProgram("/bin/sh", ["-c", #"python3 "$0" < "$1""#, script, exportFile])
        #expect(fromExport.status == 0, "\(fromExport.stdout)\(fromExport.stderr)")
        #expect(fromExport.stdout.contains("ok: 12 rows"), "\(fromExport.stdout)")
        #expect(try await daemon.stop() == 0)

        // From the database file and the key, with agentd stopped: the stop added checkpoint 3.
        let key = daemon.directory + "/.agentd/auth.key"
        let good = try await runProgram("/usr/bin/env", ["python3", script, daemon.databasePath, key])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("ok: 12 rows") && good.stdout.contains("ok: 3 checkpoints"), "\(good.stdout)")

        // Tail rows deleted: the chain still verifies, the checkpoints do not.
        let pristine = try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath))
        let truncate = try await Self.python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM audit_event WHERE seq > 11'); c.commit()",
                                            [daemon.databasePath])
        #expect(truncate.status == 0, "\(truncate.stderr)")
        let truncated = try await runProgram("/usr/bin/env", ["python3", script, daemon.databasePath, key])
        #expect(truncated.status != 0)
        #expect(truncated.stdout.contains("ok: 11 rows") && truncated.stderr.contains("truncated: checkpoint 3"), "\(truncated.stdout)\(truncated.stderr)")

        // One row edited.
        try pristine.write(to: URL(fileURLWithPath: daemon.databasePath))
        let edit = try await Self.python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit_event SET actor='uid:1000' WHERE seq=3\"); c.commit()",
                                        [daemon.databasePath])
        #expect(edit.status == 0, "\(edit.stderr)")
        let bad = try await runProgram("/usr/bin/env", ["python3", script, daemon.databasePath])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("broken at row 3"), "\(bad.stdout)\(bad.stderr)")
    }

    @Test func aCleanChainVerifiesWithItsCheckpointsAsTheJournalRecordedThem() async throws {
        let daemon = try await TestDaemon.start(environment: Self.environment)
        defer { try? FileManager.default.removeItem(atPath: daemon.directory) }
        try await Self.audit(daemon)
        let result = try await Self.verify(daemon)
        #expect(result.status == 0, "\(result.text)")
        #expect(result.text.contains("ok: 12 events and 2 checkpoints verified"), "\(result.text)")
        #expect(result.text.contains("2 newer events are not yet covered by a checkpoint"), "\(result.text)")
        let last = try #require(result.json["last_checkpoint"] as? [String: Any])
        #expect(last["number"] as? Int == 2 && last["count"] as? Int == 10)

        // The log line of checkpoint 2 carries the same head.
        let line = try #require(daemon.log.lines.last { $0.contains("msg=\"audit checkpoint\"") }, "\(daemon.log.text)")
        #expect(LogCollector.field("audit_checkpoint", in: line) == "2", "\(line)")
        #expect(LogCollector.field("audit_count", in: line) == "10", "\(line)")
        #expect(LogCollector.field("audit_head_hash", in: line) == last["head_hash"] as? String, "\(line)")
        #expect(result.text.contains("head hash \(last["head_hash"] as? String ?? "?")"), "\(result.text)")

        // A clean stop covers the rest, and says so in the log.
        #expect(try await daemon.stop() == 0)
        let stopLine = try #require(daemon.log.lines.last { $0.contains("msg=\"audit checkpoint\"") })
        #expect(LogCollector.field("audit_count", in: stopLine) == "12", "\(stopLine)")
        let again = try await TestDaemon.start(directory: daemon.directory, environment: Self.environment)
        let after = try await Self.verify(again)
        #expect(after.status == 0, "\(after.text)")
        #expect(after.text.contains("ok: 12 events and 3 checkpoints verified"), "\(after.text)")
        #expect(!after.text.contains("not yet covered"), "\(after.text)")
        #expect(try await again.stop() == 0)
    }

    /// Re-hashes the chain from `seq` on after editing that row, as the documented encoding
    /// says: what a careful attacker does so that the plain chain still verifies.
    static let rehash = #"""
        import hashlib, json, sqlite3, sys
        def encode(fields):
            return b"".join(b"~" if f is None else str(len(f.encode())).encode() + b":" + f.encode() for f in fields)
        c = sqlite3.connect(sys.argv[1]); start = int(sys.argv[2])
        c.execute("UPDATE audit_event SET actor = 'uid:1000' WHERE seq = ?", (start,))
        prev = c.execute("SELECT hash FROM audit_event WHERE seq = ?", (start - 1,)).fetchone()[0]
        sha = lambda text: hashlib.sha256(text.encode()).hexdigest()
        rows = c.execute("SELECT seq, at, org_id, actor, action, outcome, target_type, target_id, request_id, details, salt FROM audit_event WHERE seq >= ? ORDER BY seq", (start,)).fetchall()
        for seq, at, org, actor, action, outcome, ttype, tid, req, details, salt in rows:
            d = json.loads(details)
            p = lambda name, v: None if v is None else sha(f"agentd-audit-field|{sha(f'agentd-audit-salt|{salt}|{name}')}|{v}")
            fields = ["agentd-audit-v2", prev, str(seq), str(at), org, p("actor", actor), action, outcome, ttype, p("target_id", tid), req, str(len(d))]
            for k in sorted(d): fields += [k, p("details." + k, d[k])]
            h = hashlib.sha256(encode(fields)).hexdigest()
            c.execute("UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
            prev = h
        c.commit()
        """#

    @Test func verifyNamesATruncatedARewrittenChainAndAForgedCheckpoint() async throws {
        let first = try await TestDaemon.start(environment: Self.environment)
        let directory = first.directory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.audit(first)
        #expect(try await first.stop() == 0)
        let database = first.databasePath
        let pristine = try Data(contentsOf: URL(fileURLWithPath: database))

        let tamperings: [(name: String, code: String, arguments: [String], kind: String, text: String)] = [
            // The tail deleted, and the newest checkpoint with it: checkpoint 2 still says 10 events.
            ("truncated", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM audit_event WHERE seq > 8'); "
                + "c.execute('DELETE FROM audit_checkpoint WHERE id > 2'); c.commit()", [database],
             "truncated", "BROKEN (truncated) at checkpoint 2: the chain was truncated: it ends at row 8"),
            // Row 7 changed and every later hash recomputed: the chain verifies, checkpoint 2 disagrees.
            ("rewritten", Self.rehash, [database, "7"], "rewritten", "BROKEN (rewritten) at checkpoint 2: the chain was rewritten: row 10"),
            // Truncated, and checkpoint 2 moved back to agree, without the key.
            ("forged", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM audit_event WHERE seq > 8'); "
                + "c.execute('DELETE FROM audit_checkpoint WHERE id > 2'); "
                + "c.execute('UPDATE audit_checkpoint SET seq = 8, head_hash = (SELECT hash FROM audit_event WHERE seq = 8) WHERE id = 2'); c.commit()",
             [database], "forged", "BROKEN (forged) at checkpoint 2"),
        ]
        for tampering in tamperings {
            try pristine.write(to: URL(fileURLWithPath: database))
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
            let edit = try await Self.python(tampering.code, tampering.arguments)
            #expect(edit.status == 0, "\(tampering.name): \(edit.stderr)")

            let daemon = try await TestDaemon.start(directory: directory, environment: Self.environment)
            let result = try await Self.verify(daemon)
            #expect(result.status == 1, "\(tampering.name): \(result.text)")
            #expect(result.text.contains(tampering.text), "\(tampering.name): \(result.text)")
            // The plain chain is consistent in every case: only the checkpoints tell.
            #expect(result.json["broken_seq"] == nil, "\(tampering.name)")
            let problem = result.json["checkpoint_problem"] as? [String: Any]
            #expect(problem?["kind"] as? String == tampering.kind, "\(tampering.name)")
            #expect(problem?["checkpoint"] as? Int == 2, "\(tampering.name)")
            #expect(result.json["checkpoints_checked"] as? Int == 1, "\(tampering.name)")
            #expect(result.text.contains("last checkpoint: 1 at"), "\(tampering.name): \(result.text)")
            #expect(try await daemon.stop() == 0)
        }
    }
}
