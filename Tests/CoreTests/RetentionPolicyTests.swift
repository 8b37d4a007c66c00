import Core
import Testing

/// Retention periods as people write them, an org's override over the site's policy, and the
/// rule that payloads do not outlive their executions.
@Suite struct RetentionPolicyTests {
    @Test(arguments: [
        ("90d", Int64(90) * 86_400_000), ("12h", 12 * 3_600_000), ("7y", 7 * 365 * 86_400_000), ("1s", 1000), (" 30m ", 30 * 60_000),
        ("FOREVER", nil),
    ] as [(String, Int64?)])
    func periodsAreRead(_ text: String, _ milliseconds: Int64?) throws {
        let period = try RetentionPeriod.parse(text).get()
        #expect(period.milliseconds == milliseconds)
        // What is shown reads back the same.
        #expect(try RetentionPeriod.parse(period.text).get() == period)
    }

    @Test(arguments: ["", "90", "d", "-1d", "1.5d", "12x", "0s", "10ms", "99999999999999y"])
    func malformedPeriodsAreRefused(_ text: String) {
        #expect(throws: RetentionPeriodProblem.self) { try RetentionPeriod.parse(text).get() }
    }

    @Test func anOrgsOwnPeriodsReplaceTheSitesAndOnlyThose() {
        let site = RetentionPolicy.defaults
        #expect(site.executionsMilliseconds == 90 * 86_400_000 && site.stepPayloadsMilliseconds == 30 * 86_400_000)
        let org = RetentionOverride(executions: .forever)
        let policy = site.overridden(by: org)
        #expect(policy.executionsMilliseconds == nil && policy.stepPayloadsMilliseconds == site.stepPayloadsMilliseconds)
        #expect(policy.auditMilliseconds == site.auditMilliseconds)

        let now = Instant(millisecondsSinceEpoch: 100 * 86_400_000)
        let cutoffs = policy.cutoffs(now: now)
        #expect(cutoffs.executions == nil)
        #expect(cutoffs.stepPayloads == Instant(millisecondsSinceEpoch: 70 * 86_400_000))
    }

    @Test func payloadsMayNotOutliveTheirExecutions() {
        let site = RetentionPolicy.defaults
        #expect(RetentionOverride().problem(under: site) == nil)
        #expect(RetentionOverride(stepPayloads: .milliseconds(91 * 86_400_000)).problem(under: site)?.contains("step payloads (91d)") == true)
        #expect(RetentionOverride(executions: .forever, stepPayloads: .forever).problem(under: site) == nil)
        #expect(RetentionOverride(executions: .milliseconds(60 * 86_400_000), stepPayloads: .forever).problem(under: site) != nil)
    }
}

/// Retention's share of the writer: batches move toward the target duration, and the rest after
/// a unit keeps retention's units to the share.
@Suite struct RetentionPacingTests {
    @Test func batchesShrinkWhenUnitsAreSlowAndGrowWhenTheyAreQuick() {
        var pacing = RetentionPacing(maximum: 200, minimum: 2, first: 8, targetMicroseconds: 4000, share: 0.2)
        #expect(pacing.batch == 8)
        _ = pacing.rest(afterUnitOf: 20_000)
        #expect(pacing.batch == 4)
        for _ in 0..<5 { _ = pacing.rest(afterUnitOf: 50_000) }
        #expect(pacing.batch == 2, "never below the minimum")
        _ = pacing.rest(afterUnitOf: 5000)
        #expect(pacing.batch == 2, "within twice the target: kept")
        for _ in 0..<20 { _ = pacing.rest(afterUnitOf: 500) }
        #expect(pacing.batch == 200, "never above the maximum")
    }

    @Test func theRestKeepsRetentionToItsShare() {
        var pacing = RetentionPacing(maximum: 10, share: 0.2)
        // 5 ms of work, then 20 ms of rest: 20 % of the time.
        #expect(pacing.rest(afterUnitOf: 5000) == 20_000)
        var everything = RetentionPacing(maximum: 10, share: 1)
        #expect(everything.rest(afterUnitOf: 5000) == 0)
    }

    @Test func anIdleWriterGetsLongerUnitsAndMostOfTheTimeUntilOthersWriteAgain() {
        var pacing = RetentionPacing(maximum: 100_000, minimum: 4, first: 8, targetMicroseconds: 10_000, share: 0.25,
                                     idleTargetMicroseconds: 100_000, idleShare: 0.9)
        // Idle: 40 ms units are short of the 100 ms target, so batches grow; the rest is a ninth of the work.
        #expect(pacing.rest(afterUnitOf: 40_000, othersMeanwhile: 0) == 4444)
        #expect(pacing.idle && pacing.batch == 16)
        for _ in 0..<6 { _ = pacing.rest(afterUnitOf: 40_000, othersMeanwhile: 0) }
        #expect(pacing.batch == 1024)
        // Busy: the same 40 ms would be four times the busy target; the batch drops by the targets' ratio at once.
        #expect(pacing.rest(afterUnitOf: 90_000, othersMeanwhile: 3) == 30_000)
        #expect(!pacing.idle && pacing.batch == 102)
        _ = pacing.rest(afterUnitOf: 40_000, othersMeanwhile: 1)
        #expect(pacing.batch == 51, "busy units over twice the target halve")
        // Unknown is busy.
        var unknown = RetentionPacing(maximum: 100, targetMicroseconds: 10_000, share: 0.25)
        #expect(unknown.rest(afterUnitOf: 10_000) == 30_000 && !unknown.idle)
    }
}
