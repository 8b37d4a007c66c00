import Testing
@testable import Core

/// The tables every status write is checked against (Storage's `StatusTransitions`).
@Suite struct StatusMachineTests {
    @Test func endedStatesNeverMove() {
        for from in ExecutionStatus.allCases where from.isTerminal {
            #expect(ExecutionStatus.allCases.allSatisfy { !from.canMove(to: $0) }, "\(from)")
        }
        for from in StepStatus.allCases where from.isTerminal {
            #expect(StepStatus.allCases.allSatisfy { !from.canMove(to: $0) }, "\(from)")
        }
        #expect(JobStatus.allCases.allSatisfy { !JobStatus.done.canMove(to: $0) })
    }

    @Test(arguments: [
        (ExecutionStatus.queued, ExecutionStatus.running, true),
        (.queued, .cancelled, true),
        (.queued, .failed, true),
        (.queued, .succeeded, false),  // it ran no step
        (.running, .waiting, true),
        (.waiting, .running, true),
        (.running, .queued, false),
        (.running, .succeeded, true),
        (.waiting, .cancelled, true),
        (.running, .running, false),
    ])
    func executionMoves(_ from: ExecutionStatus, _ to: ExecutionStatus, _ allowed: Bool) {
        #expect(from.canMove(to: to) == allowed)
    }

    @Test(arguments: [
        (StepStatus.pending, StepStatus.ready, true),
        (.pending, .skipped, true),
        (.pending, .running, false),
        (.pending, .succeeded, false),
        (.ready, .succeeded, true),     // a fast step is never marked running
        (.ready, .running, true),
        (.retryWait, .running, true),   // a retried attempt runs from retry_wait
        (.retryWait, .succeeded, true),
        (.retryWait, .retryWait, true), // another attempt failed
        (.running, .ready, true),       // recovered after a crash
        (.ready, .pending, false),
        (.waiting, .succeeded, true),   // a delay resumed, a child ended
        (.waiting, .ready, false),
        (.running, .pending, false),
    ])
    func stepMoves(_ from: StepStatus, _ to: StepStatus, _ allowed: Bool) {
        #expect(from.canMove(to: to) == allowed)
    }

    @Test func sourcesAreWhatMayMoveThere() {
        #expect(ExecutionStatus.sources(of: .succeeded) == [.running, .waiting])
        #expect(ExecutionStatus.sources(of: .cancelled) == [.queued, .running, .waiting])
        #expect(StepStatus.sources(of: .cancelled) == StepStatus.unfinished)
        #expect(StepStatus.sources(of: .ready) == [.pending, .running])
        #expect(JobStatus.sources(of: .done) == [.open])
    }

    @Test func checkNamesTheFirstRefusedMove() throws {
        try StepStatus.check(from: StepStatus.attempting, to: .failed)
        #expect(throws: IllegalTransition(from: "pending", to: "succeeded")) {
            try StepStatus.check(from: [.ready, .pending], to: .succeeded)
        }
        #expect(throws: IllegalTransition(from: "done", to: "open")) { try JobStatus.check(from: [.done], to: .open) }
    }

    @Test func everyEndHasItsEventAndNothingElseDoes() {
        for status in ExecutionStatus.allCases {
            #expect((ExecutionEventType.ended(status) != nil) == status.isTerminal)
            if let event = ExecutionEventType.ended(status) {
                #expect(event.rawValue == "execution.\(status.rawValue)")
                #expect(event.isEnd)
            }
        }
        #expect(ExecutionEventType.allCases.filter(\.isEnd).count == 3)
        #expect(Set(ExecutionEventType.allCases.map(\.rawValue)).count == ExecutionEventType.allCases.count)
    }
}
