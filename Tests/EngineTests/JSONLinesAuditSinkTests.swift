import Core
import Foundation
import Testing
@testable import Engine

/// The file target of audit forwarding: lines appended in order, and rotation that keeps a fixed
/// number of files so the disk does not fill.
@Suite struct JSONLinesAuditSinkTests {
    static func record(_ sequence: Int64) -> AuditRecord {
        AuditRecord(sequence: sequence, entry: AuditEntry(at: Instant(millisecondsSinceEpoch: 1_000 * sequence), orgID: nil, actor: "system",
                                                          action: .orgCreated, details: ["name": "org\(sequence)"]),
                    previousHash: String(repeating: "0", count: 64), hash: String(repeating: "a", count: 64))
    }

    static func sequences(_ path: String) -> [Int] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["seq"] as? Int
        }
    }

    @Test func linesAppendInOrderAndTheFileRotatesKeepingSoMany() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jsonl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/audit.jsonl"
        let lineBytes = Self.record(1).json.canonicalText.utf8.count + 1
        // Room for three lines a file, two old files kept.
        let sink = JSONLinesAuditSink(path: path, maxBytes: lineBytes * 3 + 2, keep: 2)
        for sequence in Int64(1)...10 { try await sink.write([Self.record(sequence)]) }
        #expect(Self.sequences(path) == [10])
        #expect(Self.sequences(path + ".1") == [7, 8, 9])
        #expect(Self.sequences(path + ".2") == [4, 5, 6])
        #expect(!FileManager.default.fileExists(atPath: path + ".3"), "only `keep` old files stay")
        // A batch is written whole, even past the size: the cursor moves by batches.
        try await sink.write([Self.record(11), Self.record(12), Self.record(13), Self.record(14)])
        #expect(Self.sequences(path) == [11, 12, 13, 14] && Self.sequences(path + ".1") == [10])
    }

    @Test func aFileThatCannotBeWrittenIsAnErrorNotASilentLoss() async throws {
        let sink = JSONLinesAuditSink(path: "/proc/agentd-no-such-dir/audit.jsonl", maxBytes: 1 << 20)
        await #expect(throws: JSONLinesAuditSink.WriteFailed.self) { try await sink.write([Self.record(1)]) }
    }
}
