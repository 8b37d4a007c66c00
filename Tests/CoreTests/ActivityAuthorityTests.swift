import Core
import Testing

/// Which kinds of activity a caller reads: `ActivityAuthority`.
@Suite struct ActivityAuthorityTests {
    static let org = OrgID.generate(at: Instant(millisecondsSinceEpoch: 1))
    static let every = Set(ActivityKind.allCases)

    @Test(arguments: [
        // caller, readable of every kind
        (MemberRole.builtIn(.admin).scope(in: ActivityAuthorityTests.org), ActivityAuthorityTests.every),
        (MemberRole.builtIn(.operator).scope(in: ActivityAuthorityTests.org), ActivityAuthorityTests.every),
        (MemberRole.builtIn(.viewer).scope(in: ActivityAuthorityTests.org), Set<ActivityKind>([.executionFailed, .approvalPending])),
        (MemberRole.builtIn(.developer).scope(in: ActivityAuthorityTests.org, limit: [.executionsView]), Set<ActivityKind>([.executionFailed, .approvalPending])),
        (MemberRole.custom(CustomRole(name: "finance", permissions: [.costsView, .executionsView])).scope(in: ActivityAuthorityTests.org), ActivityAuthorityTests.every),
    ] as [(Scope, Set<ActivityKind>)])
    func budgetAlertsNeedCostsView(_ caller: Scope, _ want: Set<ActivityKind>) {
        #expect(ActivityAuthority.readable(Self.every, caller: caller) == want)
        #expect(ActivityAuthority.readable([.budgetAlert], caller: caller).isSubset(of: want))
    }

    @Test func everyKindIsInTheTable() {
        #expect(ActivityKind.allCases.compactMap(ActivityAuthority.permission(for:)) == [.costsView])
    }
}
