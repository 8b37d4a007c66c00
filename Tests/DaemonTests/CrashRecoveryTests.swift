import Client
import Foundation
import Testing

/// SIGKILL in the middle of work, again and again; then every execution must finish, no step
/// may end twice, and nothing may stay running without an owner (DESIGN §5, crash recovery).
@Suite(.serialized) struct CrashRecoveryTests {
    static let killPoints = 20

    @Test func executionsSurviveRepeatedSIGKILL() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A 12-step chain with a short timer in the middle, so kills land in every phase:
        // queued, running, waiting on a timer, completing.
        var nodes = "", edges = ""
        for index in 0..<12 {
            let kind = index == 6 ? "{kind: delay, config: {duration_ms: 20}}"
                : "{kind: transform, input: {n: \"{{ \(index == 0 ? "input.n" : "nodes.s\(index - 1).output") }}\"}, config: {output: \"{{ input.n + 1 }}\"}}"
            nodes += "  s\(index): \(kind)\n"
            if index > 0 { edges += "  - s\(index - 1) -> s\(index)\n" }
        }
        // The delay step's output is {waited_ms}; the step after it reads the one before it.
        nodes = nodes.replacingOccurrences(of: "nodes.s6.output", with: "nodes.s5.output")
        edges += "  - s5 -> s7\n"
        let document = "workflow: chain\ninput: {type: object, properties: {n: {type: integer}}}\nnodes:\n\(nodes)edges:\n\(edges)output: {n: \"{{ nodes.s11.output }}\"}\n"

        var started: [String] = []
        var recoveries = 0
        var generator = SystemRandomNumberGenerator()
        for point in 0..<Self.killPoints {
            let daemon = try await TestDaemon.start(directory: directory)
            if daemon.log.text.contains("recovered unfinished jobs") { recoveries += 1 }
            if point == 0 { try await Run.apply(daemon.socket, document) }
            for _ in 0..<3 { started.append(try await Run.start(daemon.socket, "chain", input: ["n": 0])) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 1...40, using: &generator)))
            kill(daemon.process.processIdentifier, SIGKILL)
            _ = try await daemon.waitForExit()
        }

        let daemon = try await TestDaemon.start(directory: directory)
        if daemon.log.text.contains("recovered unfinished jobs") { recoveries += 1 }
        // The kills must have landed while work was open, or this proves nothing.
        #expect(recoveries >= Self.killPoints / 2, "only \(recoveries) restarts found work to take over")
        var unfinished = started
        let deadline = ContinuousClock.now + .seconds(60)
        while !unfinished.isEmpty, ContinuousClock.now < deadline {
            unfinished = try await unfinished.asyncFilter { id in
                let status = try await daemon.socket.call(.GET, "/api/v1/executions/\(id)").json?["status"] as? String
                return status != "succeeded"
            }
            if !unfinished.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(unfinished.isEmpty, "not finished after the kills: \(unfinished.count) of \(started.count)")
        for id in started {
            let execution = try await daemon.socket.call(.GET, "/api/v1/executions/\(id)").json ?? [:]
            #expect((execution["output"] as? [String: Any])?["n"] as? Int == 11, "\(id): \(execution["output"] ?? "nil")")
            let events = try await Run.events(daemon.socket, id)
            let ends = events.filter { $0["type"] as? String == "step.succeeded" }.compactMap { $0["node"] as? String }
            #expect(ends.count == 12 && Set(ends).count == 12, "\(id): a step ended twice or not at all: \(ends)")
            #expect(events.filter { $0["type"] as? String == "execution.succeeded" }.count == 1)
        }
        let running = try await daemon.socket.call(.GET, "/api/v1/executions?status=running").json?["items"] as? [Any]
        #expect(running?.isEmpty == true)
        #expect(try await daemon.stop() == 0)
    }
}

extension Array where Element: Sendable {
    func asyncFilter(_ keep: (Element) async throws -> Bool) async rethrows -> [Element] {
        var kept: [Element] = []
        for element in self where try await keep(element) { kept.append(element) }
        return kept
    }
}
