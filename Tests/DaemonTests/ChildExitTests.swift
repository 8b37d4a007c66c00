import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The exit check the daemon tests rely on when `Process` has not noticed an exit yet. The child
/// is spawned with posix_spawn, not `Process`, so that nothing else reaps it during the test.
@Suite struct ChildExitTests {
    @Test func seesTheExitStatusWithoutReapingAndNothingWhileRunning() async throws {
        var pipeFDs: [Int32] = [0, 0]
        #expect(pipe(&pipeFDs) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", "read line; exit 7"].map { (word: String) in strdup(word) } + [nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ) == 0)
        close(pipeFDs[0])

        #expect(ChildExit.peek(pid) == nil, "running")
        #expect(ChildExit.isRunning(pid))
        _ = write(pipeFDs[1], "go\n", 3)
        close(pipeFDs[1])
        // Looked at once more after the last sleep: on a loaded machine a sleep can end past the
        // deadline (a fresh clone's first parallel run once did), and the exit is there by then.
        let deadline = ContinuousClock.now + .seconds(30)
        var status = ChildExit.peek(pid)
        while status == nil && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            status = ChildExit.peek(pid)
        }
        #expect(status == 7)
        #expect(ChildExit.peek(pid) == 7, "peeking does not reap")
        #expect(!ChildExit.isRunning(pid), "ended")
        var raw: Int32 = 0
        #expect(waitpid(pid, &raw, 0) == pid)
        #expect(ChildExit.peek(pid) == nil, "reaped")
        #expect(!ChildExit.isRunning(pid), "reaped: the pid may be someone else's by now")
    }
}
