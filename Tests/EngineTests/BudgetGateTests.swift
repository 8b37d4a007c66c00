import Core
import Testing
@testable import Storage

/// `BudgetGate`: check-and-hold of budget reservations, their release, and the re-read an
/// admission must make when a release came after it read the spend.
@Suite struct BudgetGateTests {
    static func budget(_ id: String, limit: Int64, overage: Bool = false) -> Budget {
        Budget(id: id, orgID: OrgID.generate(at: Instant(millisecondsSinceEpoch: 0)), teamID: nil, teamName: nil, period: .monthly, limitMicros: limit,
               allowOverage: overage, updatedAt: Instant(millisecondsSinceEpoch: 0))
    }

    enum Expected: Sendable, Equatable { case held, overage, refused }

    static func outcome(_ decision: BudgetGate.Decision) -> Expected? {
        switch decision {
        case .held(let overage): overage ? .overage : .held
        case .refused: .refused
        case .stale: nil
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let limit: Int64
        let overage: Bool
        let spent: Int64
        /// Held by another running step first.
        let other: Int64
        let micros: Int64
        let expected: Expected
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "within the limit", limit: 1000, overage: false, spent: 0, other: 0, micros: 1000, expected: .held),
        Case(name: "spent counts", limit: 1000, overage: false, spent: 600, other: 0, micros: 401, expected: .refused),
        Case(name: "exactly the rest", limit: 1000, overage: false, spent: 600, other: 0, micros: 400, expected: .held),
        Case(name: "what others hold counts", limit: 1000, overage: false, spent: 300, other: 300, micros: 401, expected: .refused),
        Case(name: "spent and held leave room", limit: 1000, overage: false, spent: 300, other: 300, micros: 400, expected: .held),
        Case(name: "overage is admitted as such", limit: 1000, overage: true, spent: 900, other: 0, micros: 200, expected: .overage),
        Case(name: "a zero limit refuses any cost", limit: 0, overage: false, spent: 0, other: 0, micros: 1, expected: .refused),
    ]

    @Test(arguments: cases)
    func admission(_ scenario: Case) {
        let gate = BudgetGate()
        let budget = Self.budget("b", limit: scenario.limit, overage: scenario.overage)
        if scenario.other > 0 {
            #expect(Self.outcome(gate.admit(.init(job: 1, token: 1), budgets: [(budget, spent: scenario.spent)], micros: scenario.other,
                                            epoch: gate.epoch)) != .refused)
        }
        let decision = gate.admit(.init(job: 2, token: 1), budgets: [(budget, spent: scenario.spent)], micros: scenario.micros, epoch: gate.epoch)
        #expect(Self.outcome(decision) == scenario.expected)
        // A refusal holds nothing.
        #expect(gate.reserved("b") == scenario.other + (scenario.expected == .refused ? 0 : scenario.micros))
    }

    @Test func aReleaseFreesTheHold_andMakesAdmissionsThatReadBeforeItReadAgain() {
        let gate = BudgetGate()
        let budget = Self.budget("b", limit: 1000)
        let first = BudgetGate.Key(job: 1, token: 1), second = BudgetGate.Key(job: 2, token: 1)
        #expect(Self.outcome(gate.admit(first, budgets: [(budget, spent: 0)], micros: 800, epoch: gate.epoch)) == .held)
        #expect(Self.outcome(gate.admit(second, budgets: [(budget, spent: 0)], micros: 800, epoch: gate.epoch)) == .refused)
        let readBefore = gate.epoch
        // The first step's outcome is committed: its 800 are spent now, not held.
        gate.release(job: 1, token: 1)
        #expect(gate.reserved("b") == 0)
        // The second read the spend (0) before the release: it must read again, not be admitted on it.
        #expect(Self.outcome(gate.admit(second, budgets: [(budget, spent: 0)], micros: 800, epoch: readBefore)) == nil)
        #expect(Self.outcome(gate.admit(second, budgets: [(budget, spent: 800)], micros: 800, epoch: gate.epoch)) == .refused)
        #expect(Self.outcome(gate.admit(second, budgets: [(budget, spent: 800)], micros: 200, epoch: gate.epoch)) == .held)
        #expect(gate.reserved("b") == 200)
    }

    @Test func releasingWhatIsNotHeldChangesNothing() {
        let gate = BudgetGate()
        let epoch = gate.epoch
        gate.release(job: 9, token: 9)
        #expect(gate.epoch == epoch)
        #expect(Self.outcome(gate.admit(.init(job: 1, token: 1), budgets: [(Self.budget("b", limit: 10), spent: 0)], micros: 5, epoch: epoch)) == .held)
        // Another token of the same job is another attempt: its release does not free this one.
        gate.release(job: 1, token: 2)
        #expect(gate.reserved("b") == 5)
    }

    @Test func aLaterCallOfTheSameAttemptReplacesItsOwnHold_notAddsToIt() {
        let gate = BudgetGate()
        let budget = Self.budget("b", limit: 1000)
        let key = BudgetGate.Key(job: 1, token: 1)
        #expect(Self.outcome(gate.admit(key, budgets: [(budget, spent: 0)], micros: 900, epoch: gate.epoch)) == .held)
        let before = gate.epoch
        // Its first call is spent (300); it holds for the next one (600): own hold not counted twice.
        #expect(Self.outcome(gate.admit(key, budgets: [(budget, spent: 300)], micros: 600, epoch: gate.epoch)) == .held)
        #expect(gate.reserved("b") == 600)
        #expect(gate.reserved("b", excluding: key) == 0)
        // A smaller hold is a release too: admissions that read before must read again.
        #expect(gate.epoch > before)
    }

    @Test func aRetriedAttemptHoldsUnderItsNewToken() {
        let gate = BudgetGate()
        let budget = Self.budget("b", limit: 1000)
        #expect(Self.outcome(gate.admit(.init(job: 1, token: 1), budgets: [(budget, spent: 0)], micros: 600, epoch: gate.epoch)) == .held)
        // The job was taken over (new token) while the old attempt still holds: both count.
        #expect(Self.outcome(gate.admit(.init(job: 1, token: 2), budgets: [(budget, spent: 0)], micros: 600, epoch: gate.epoch)) == .refused)
        gate.release(job: 1, token: 1)
        #expect(Self.outcome(gate.admit(.init(job: 1, token: 2), budgets: [(budget, spent: 0)], micros: 600, epoch: gate.epoch)) == .held)
    }

    @Test func everyBudgetMustAdmit_andARefusalHoldsAgainstNone() {
        let gate = BudgetGate()
        let org = Self.budget("org", limit: 10_000), team = Self.budget("team", limit: 100)
        #expect(Self.outcome(gate.admit(.init(job: 1, token: 1), budgets: [(org, spent: 0), (team, spent: 0)], micros: 500, epoch: gate.epoch))
                == .refused)
        #expect(gate.reserved("org") == 0 && gate.reserved("team") == 0)
        #expect(Self.outcome(gate.admit(.init(job: 1, token: 1), budgets: [(org, spent: 0), (team, spent: 0)], micros: 50, epoch: gate.epoch))
                == .held)
        #expect(gate.reserved("org") == 50 && gate.reserved("team") == 50)
        gate.clear()
        #expect(gate.reserved("org") == 0 && gate.reserved("team") == 0)
    }
}
