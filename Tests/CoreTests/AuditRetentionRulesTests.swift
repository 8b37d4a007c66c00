import Core
import Testing

/// Where retention may cut the audit chain, and when a chain without its start still verifies.
@Suite struct AuditRetentionRulesTests {
    typealias Rules = AuditCheckpointRulesTests

    @Test func cutsGoOneCheckpointAtATimeAndNeverPastWhatIsDueForwardedOrTheHead() {
        let at = [Int64(10), 20, 30, 40]
        #expect(AuditRetention.nextCut(checkpointSequences: at, oldestKept: 1, newest: 45, dueThrough: 35, forwardedThrough: nil) == 10)
        #expect(AuditRetention.nextCut(checkpointSequences: at, oldestKept: 11, newest: 45, dueThrough: 35, forwardedThrough: nil) == 20)
        // Nothing due reaches a checkpoint.
        #expect(AuditRetention.nextCut(checkpointSequences: at, oldestKept: 31, newest: 45, dueThrough: 35, forwardedThrough: nil) == nil)
        // A forwarding target that has received only 15 rows holds the cut back.
        #expect(AuditRetention.nextCut(checkpointSequences: at, oldestKept: 11, newest: 45, dueThrough: 35, forwardedThrough: 15) == nil)
        // The newest row is never removed, even when everything is due.
        #expect(AuditRetention.nextCut(checkpointSequences: [40], oldestKept: 31, newest: 40, dueThrough: 40, forwardedThrough: nil) == nil)
    }

    @Test func aStartRemovedByRetentionIsAnchoredOnlyByAnAuthenticCheckpointAndARecord() {
        let made = Rules.checkpoints(at: [5, 10, 15])
        // Rows 1-10 gone; row 11 links to h10, checkpoint 2 is at 10, and the chain records the cut.
        #expect(AuditRetention.startIsAnchored(oldestKept: 11, firstPreviousHash: "h10", checkpoints: made, recordedCuts: [10], mac: Rules.mac)
            == made[1])
        // No record of a cut at 10: someone deleted rows 1-10.
        #expect(AuditRetention.startIsAnchored(oldestKept: 11, firstPreviousHash: "h10", checkpoints: made, recordedCuts: [5], mac: Rules.mac) == nil)
        // Not at a checkpoint.
        #expect(AuditRetention.startIsAnchored(oldestKept: 12, firstPreviousHash: "h11", checkpoints: made, recordedCuts: [11], mac: Rules.mac) == nil)
        // Row 11 does not link to the checkpoint's head.
        #expect(AuditRetention.startIsAnchored(oldestKept: 11, firstPreviousHash: "hX", checkpoints: made, recordedCuts: [10], mac: Rules.mac) == nil)
        // A checkpoint under another key.
        let foreign = Rules.checkpoints(at: [5, 10], mac: Rules.otherKey)
        #expect(AuditRetention.startIsAnchored(oldestKept: 11, firstPreviousHash: "h10", checkpoints: foreign, recordedCuts: [10], mac: Rules.mac) == nil)
    }

    @Test func checkpointsOverRemovedRowsAreCheckedForTheirMACAndNumberingOnly() {
        let made = Rules.checkpoints(at: [5, 10, 15])
        let kept: (Int64) -> String? = { $0 > 10 ? Rules.hash($0) : nil }
        #expect(AuditCheckpoints.check(made, chainLength: 17, removedThrough: 10, storedHash: kept, mac: Rules.mac) == nil)
        // Without knowing of the cut, the rows at 5 and 10 look rewritten away.
        #expect(AuditCheckpoints.check(made, chainLength: 17, storedHash: kept, mac: Rules.mac)?.kind == "rewritten")
        // A forged checkpoint over removed rows is still found.
        var forged = made
        forged[0] = AuditCheckpoint(number: 1, sequence: 5, headHash: "h5", at: Rules.at, mac: String(repeating: "0", count: made[0].mac.count))
        #expect(AuditCheckpoints.check(forged, chainLength: 17, removedThrough: 10, storedHash: kept, mac: Rules.mac)?.kind == "forged")
        #expect(AuditCheckpoints.Finding.startRemoved(through: 10).reason.contains("rows 1 to 10 are gone"))
    }
}
