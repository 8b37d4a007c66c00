import Client
import Foundation
import Testing

/// Issue 14, hole 3, the guard for the class: a step that kills the process would be taken over
/// and run again at every start, and kill it again, for ever. A job that was running each of
/// the last `[engine] poison_after` (default 3) times agentd died is failed as `poisoned`.
@Suite(.serialized) struct PoisonTests {
    static func document(_ base: String, _ key: String) -> String {
        """
        workflow: deadly
        nodes:
          call: {kind: http, timeout_ms: 60000, config: {url: "\(base)/hold?key=\(key)", timeout_ms: 60000}}
        """
    }

    /// The step is in flight (held by the upstream) at each SIGKILL, as a step that kills the
    /// process would be. After the third death the next start fails it instead of running it
    /// a fourth time.
    @Test func aJobRunningAtThreeDeathsIsFailedAsPoisonedNotRunAFourthTime() async throws {
        let upstream = try await Upstream()
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var id = ""
        for death in 1...3 {
            let daemon = try await TestDaemon.start(directory: directory)
            if death == 1 {
                try await Run.apply(daemon.socket, Self.document(upstream.base, "deadly"))
                id = try await Run.start(daemon.socket, "deadly")
            } else {
                #expect(daemon.log.text.contains("recovered unfinished jobs"))
            }
            // Held: the kill lands while the step runs, however slow the machine.
            try await upstream.waitForCalls("deadly", atLeast: death)
            kill(daemon.process.processIdentifier, SIGKILL)
            _ = try await daemon.waitForExit()
        }

        let daemon = try await TestDaemon.start(directory: directory)
        let execution = try await daemon.socket.call(.GET, "/api/v1/executions/\(id)").json ?? [:]
        #expect(execution["status"] as? String == "failed", "\(execution)")
        let step = Run.step(execution, "call")
        let error = step["error"] as? [String: Any] ?? [:]
        #expect(step["status"] as? String == "failed")
        #expect(error["kind"] as? String == "poisoned" && error["retryable"] as? Bool == false, "\(error)")
        #expect((error["message"] as? String)?.contains("3 times") == true, "\(error)")
        #expect(((execution["error"] as? [String: Any])?["error"] as? [String: Any])?["kind"] as? String == "poisoned", "\(execution)")
        let events = try await Run.events(daemon.socket, id)
        let poisoned = events.first { $0["type"] as? String == "step.poisoned" }
        #expect((poisoned?["data"] as? [String: Any])?["crashes"] as? Int == 3, "\(events)")
        #expect(events.filter { ($0["data"] as? [String: Any])?["crashes"] != nil && $0["type"] as? String == "step.recovered" }.count == 2)
        #expect(events.last?["type"] as? String == "execution.failed")
        #expect(daemon.log.text.contains("failed as poisoned"), "\(daemon.log.text)")
        // Not run a fourth time: the upstream saw exactly the three calls that were in flight.
        try await upstream.release("deadly")
        #expect(try await upstream.calls("deadly") == 3)
        #expect((try await daemon.socket.call(.GET, "/api/v1/executions?status=running").json?["items"] as? [Any])?.isEmpty == true)
        #expect(try await daemon.stop() == 0)
    }

    /// A clean stop is not a death: the step it cut short runs again after the restart even
    /// with `poison_after = 1` (set through the environment, as every key can be).
    @Test func aCleanStopIsNotCountedAsACrash() async throws {
        let upstream = try await Upstream()
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["AGENTD_ENGINE_POISON_AFTER": "1"]
        let first = try await TestDaemon.start(directory: directory, environment: environment)
        try await Run.apply(first.socket, Self.document(upstream.base, "stopped"))
        let id = try await Run.start(first.socket, "deadly")
        try await upstream.waitForCalls("stopped")
        #expect(try await first.stop() == 0)

        let second = try await TestDaemon.start(directory: directory, environment: environment)
        try await upstream.waitForCalls("stopped", atLeast: 2)
        try await upstream.release("stopped")
        let execution = try await Run.finish(second.socket, id)
        #expect(execution["status"] as? String == "succeeded", "\(execution)")
        #expect(try await second.stop() == 0)

        // And with poison_after = 1, one death is enough.
        let third = try await TestDaemon.start(directory: directory, environment: environment)
        try await Run.apply(third.socket, Self.document(upstream.base, "once"))
        let once = try await Run.start(third.socket, "deadly")
        try await upstream.waitForCalls("once")
        kill(third.process.processIdentifier, SIGKILL)
        _ = try await third.waitForExit()
        let fourth = try await TestDaemon.start(directory: directory, environment: environment)
        let failed = try await fourth.socket.call(.GET, "/api/v1/executions/\(once)").json ?? [:]
        #expect(((Run.step(failed, "call")["error"] as? [String: Any])?["kind"] as? String) == "poisoned", "\(failed)")
        try await upstream.release("once")
        #expect(try await upstream.calls("once") == 1)
        #expect(try await fourth.stop() == 0)
    }
}
