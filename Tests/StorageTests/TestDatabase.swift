import Core
import Foundation
import GRDB
@testable import Storage

/// A fresh directory under the system temp dir, removed when the test ends.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "agentd-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

let testNow = Instant(millisecondsSinceEpoch: 1_740_823_620_000)

/// Opens a real database file in `directory` and starts its writer.
func openDatabase(in directory: TemporaryDirectory, synchronous: DatabaseOptions.Synchronous = .full,
                  writer: Writer.Options = .init(), start: Bool = true) throws -> AgentDatabase {
    let database = try AgentDatabase(options: DatabaseOptions(path: directory.file("agentd.db"), synchronous: synchronous),
                                     writerOptions: writer, now: testNow)
    if start { database.writer.start() }
    return database
}

/// Waits (polling with a deadline, never a fixed sleep) until `condition` holds.
func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(2))
    }
    return try condition()
}

struct PlannedFailure: Error, Equatable { let index: Int }
