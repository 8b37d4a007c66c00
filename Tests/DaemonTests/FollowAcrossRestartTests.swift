import Client
import Foundation
import Testing

/// A follower (`agentctl run --follow`) neither holds agentd's shutdown open nor loses the
/// execution when agentd restarts under it: agentd closes open event streams when it stops,
/// and agentctl picks the stream up again from its last event once agentd is back.
@Suite struct FollowAcrossRestartTests {
    @Test func streamsEndAtShutdownAndAgentctlFollowsOnAfterARestart() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await TestDaemon.start(directory: directory)
        try await Run.apply(first.socket, """
            workflow: slow
            nodes:
              a: {kind: transform, config: {output: 1}}
              pause: {kind: delay, config: {duration_ms: 4000}}
              b: {kind: transform, config: {output: {done: true}}}
            edges: [a -> pause, pause -> b]
            """)
        // agentctl follows from its own process, as a person would run it, while the test
        // watches its output.
        let output = directory + "/follow.out", errors = directory + "/follow.err"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: TestDaemon.binaries + "/agentctl")
        follower.arguments = ["run", "slow", "--follow", "--socket", first.socketPath]
        follower.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AGENTD_") && !$0.key.hasPrefix("AGENTCTL_") }
        follower.standardOutput = FileHandle(forWritingAtPath: output)
        follower.standardError = FileHandle(forWritingAtPath: errors)
        try follower.run()
        func followerOutput() -> String {
            "stdout: \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")\nstderr: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")"
        }
        func shown(_ text: String, in path: String) -> Bool { ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains(text) }
        // Wait until it is paused in the delay, with the follower attached (it has drawn the
        // first step).
        let deadline = ContinuousClock.now + .seconds(20)
        var id: String?
        while ContinuousClock.now < deadline {
            let items = try await first.socket.call(.GET, "/api/v1/executions").json?["items"] as? [[String: Any]] ?? []
            if let found = items.first?["id"] as? String, shown("✓ a", in: output) {
                let steps = try await first.socket.call(.GET, "/api/v1/executions/\(found)").json?["steps"] as? [[String: Any]] ?? []
                if steps.contains(where: { $0["node"] as? String == "pause" && $0["status"] as? String == "waiting" }) { id = found; break }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let execution = try #require(id, "the execution never reached its delay with agentctl following; agentctl: \(followerOutput())")

        // The open stream must not hold the drain until the grace period (10 s) runs out.
        let stopping = ContinuousClock.now
        #expect(try await first.stop() == 0)
        let drained = ContinuousClock.now - stopping
        #expect(drained < .seconds(5), "shutdown took \(drained) with a follower attached:\n\(first.log.text)")

        // agentctl notices (and says so) before agentd is back.
        let noticed = ContinuousClock.now + .seconds(10)
        while !shown("reconnecting", in: errors), ContinuousClock.now < noticed { try await Task.sleep(for: .milliseconds(20)) }
        #expect(shown("agentd is not answering (restarting?); reconnecting", in: errors), "\(followerOutput())")
        let second = try await TestDaemon.start(directory: directory)
        let finished = ContinuousClock.now + .seconds(30)
        var exit: Int32?
        while exit == nil, ContinuousClock.now < finished {
            exit = follower.isRunning ? ChildExit.peek(follower.processIdentifier) : follower.terminationStatus
            if exit == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        if exit == nil { follower.terminate() }
        let shown = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(exit == 0, "agentctl did not follow the execution to its end: \(followerOutput())")
        #expect(shown.contains("✓ a") && shown.contains("✓ b") && shown.contains("succeeded"), "\(followerOutput())")
        #expect(shown.components(separatedBy: "✓ a").count == 2, "events shown twice after the reconnect:\n\(shown)")
        let status = try await second.socket.call(.GET, "/api/v1/executions/\(execution)").json?["status"] as? String
        #expect(status == "succeeded")
        #expect(try await second.stop() == 0)
    }
}
