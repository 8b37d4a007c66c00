import Core
import Testing

/// The rules of keyed audit checkpoints, with a stand-in MAC (Core has no crypto): a
/// checkpoint is authentic when its MAC is the key's over its own fields.
@Suite struct AuditCheckpointRulesTests {
    static let mac: AuditCheckpoints.MAC = { Array("key-1|".utf8) + $0 }
    static let otherKey: AuditCheckpoints.MAC = { Array("key-2|".utf8) + $0 }
    static let at = Instant(millisecondsSinceEpoch: 1_700_000_000_000)

    /// A chain of `count` rows whose hash at row n is "h<n>".
    static func hash(_ sequence: Int64) -> String { "h\(sequence)" }

    static func checkpoints(at sequences: [Int64], mac: AuditCheckpoints.MAC = mac) -> [AuditCheckpoint] {
        var made: [AuditCheckpoint] = []
        for sequence in sequences {
            made.append(AuditCheckpoints.seal(after: made.last?.number, sequence: sequence, headHash: hash(sequence),
                                              at: at, mac: mac))
        }
        return made
    }

    @Test func checkpointsAreDueEveryIntervalCountedFromTheLastOne() {
        #expect(!AuditCheckpoints.isDue(sequence: 4, lastCheckpointSequence: nil, interval: 5))
        #expect(AuditCheckpoints.isDue(sequence: 5, lastCheckpointSequence: nil, interval: 5))
        // A stop checkpoint at 7 moves the count: the next is due at 12, not 10.
        #expect(!AuditCheckpoints.isDue(sequence: 10, lastCheckpointSequence: 7, interval: 5))
        #expect(AuditCheckpoints.isDue(sequence: 12, lastCheckpointSequence: 7, interval: 5))
    }

    @Test func anAgreeingChainHasNoFinding() {
        let made = Self.checkpoints(at: [5, 10, 12])
        #expect(made.map(\.number) == [1, 2, 3])
        #expect(AuditCheckpoints.check(made, chainLength: 14, storedHash: Self.hash, mac: Self.mac) == nil)
    }

    @Test func aChainEndingBeforeACheckpointIsTruncated() {
        let made = Self.checkpoints(at: [5, 10, 12])
        let finding = AuditCheckpoints.check(made, chainLength: 11, storedHash: Self.hash, mac: Self.mac)
        #expect(finding == .truncated(checkpoint: made[2], chainLength: 11))
        #expect(finding?.kind == "truncated")
        #expect(finding?.reason.contains("rows 12 to 12 were deleted") == true)
    }

    @Test func aRehashedChainContradictsTheCheckpointAtOrAfterTheChange() {
        let made = Self.checkpoints(at: [5, 10, 15])
        // Rows from 7 on were rewritten and rehashed: 5 still agrees, 10 does not.
        let rewritten: (Int64) -> String? = { $0 >= 7 ? "x\($0)" : Self.hash($0) }
        let finding = AuditCheckpoints.check(made, chainLength: 15, storedHash: rewritten, mac: Self.mac)
        #expect(finding == .rewritten(checkpoint: made[1], storedHash: "x10"))
        #expect(finding?.checkpointNumber == 2)
    }

    @Test func anEditedOrForeignCheckpointIsForged() {
        var made = Self.checkpoints(at: [5, 10])
        // Moved back to agree with a truncated chain, without the key.
        let edited = AuditCheckpoint(number: 2, sequence: 8, headHash: Self.hash(8), at: Self.at, mac: made[1].mac)
        made[1] = edited
        #expect(AuditCheckpoints.check(made, chainLength: 8, storedHash: Self.hash, mac: Self.mac) == .forged(checkpoint: edited))
        let foreign = Self.checkpoints(at: [5], mac: Self.otherKey)
        #expect(AuditCheckpoints.check(foreign, chainLength: 5, storedHash: Self.hash, mac: Self.mac)?.kind == "forged")
        #expect(!AuditCheckpoints.isAuthentic(AuditCheckpoint(number: 1, sequence: 5, headHash: "h5", at: Self.at, mac: ""), mac: Self.mac))
    }

    @Test func aCheckpointDeletedFromTheMiddleLeavesAGap() {
        let made = Self.checkpoints(at: [5, 10, 15])
        let finding = AuditCheckpoints.check([made[0], made[2]], chainLength: 15, storedHash: Self.hash, mac: Self.mac)
        #expect(finding == .missing(expected: 2, found: 3))
    }

    @Test func theMessageBindsEveryField() {
        let base = AuditCheckpoints.message(number: 1, sequence: 5, headHash: "h5", at: Self.at)
        #expect(base != AuditCheckpoints.message(number: 2, sequence: 5, headHash: "h5", at: Self.at))
        #expect(base != AuditCheckpoints.message(number: 1, sequence: 6, headHash: "h5", at: Self.at))
        #expect(base != AuditCheckpoints.message(number: 1, sequence: 5, headHash: "h6", at: Self.at))
        #expect(base != AuditCheckpoints.message(number: 1, sequence: 5, headHash: "h5", at: Self.at.adding(milliseconds: 1)))
        // Length prefixes: "1" + "15" and "11" + "5" differ.
        #expect(AuditCheckpoints.message(number: 1, sequence: 15, headHash: "h", at: Self.at)
            != AuditCheckpoints.message(number: 11, sequence: 5, headHash: "h", at: Self.at))
    }
}
