/// A keyed checkpoint of the audit chain: "the chain had `sequence` events and its newest hash
/// was `headHash`", sealed with a MAC under a key kept outside the database.
///
/// The plain chain is unkeyed, so whoever can write the database file can delete its newest
/// rows or rewrite it from some row on and recompute every later hash; the result verifies.
/// A checkpoint cannot be forged without the key, so a chain that ends before a checkpoint
/// (truncated) or whose hash at a checkpoint differs (rewritten) contradicts it.
public struct AuditCheckpoint: Hashable, Sendable {
    /// 1, 2, 3, … without gaps: a checkpoint removed from the middle leaves a gap.
    public let number: Int64
    /// How many events the chain held: the `seq` of its newest row then.
    public let sequence: Int64
    /// The `hash` of row `sequence`.
    public let headHash: String
    public let at: Instant
    /// Lower-case hex MAC of `AuditCheckpoints.message(...)`.
    public let mac: String

    public init(number: Int64, sequence: Int64, headHash: String, at: Instant, mac: String) {
        self.number = number
        self.sequence = sequence
        self.headHash = headHash
        self.at = at
        self.mac = mac
    }
}

/// The rules of audit checkpoints, as pure functions. The MAC (HMAC-SHA-256 under a key
/// derived from the server key) is passed in, so Core needs no crypto library.
public enum AuditCheckpoints {
    public typealias MAC = @Sendable ([UInt8]) -> [UInt8]

    /// The bytes the MAC covers: a domain tag, then every field length-prefixed as in the chain
    /// (`AuditChain.canonicalBytes`), so no two checkpoints share a message.
    public static func message(number: Int64, sequence: Int64, headHash: String, at: Instant) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in ["agentd-audit-checkpoint-v1", String(number), String(sequence), headHash,
                      String(at.millisecondsSinceEpoch)] {
            let utf8 = Array(field.utf8)
            bytes += String(utf8.count).utf8
            bytes.append(UInt8(ascii: ":"))
            bytes += utf8
        }
        return bytes
    }

    /// The checkpoint that follows `previous` (nil for the first) for a chain of `sequence`
    /// events ending in `headHash`.
    public static func seal(after previous: Int64?, sequence: Int64, headHash: String, at: Instant,
                            mac: MAC) -> AuditCheckpoint {
        let number = (previous ?? 0) + 1
        let code = AuditChain.hex(mac(message(number: number, sequence: sequence, headHash: headHash, at: at)))
        return AuditCheckpoint(number: number, sequence: sequence, headHash: headHash, at: at, mac: code)
    }

    /// True when a chain of `sequence` events should get a checkpoint: `interval` events or more
    /// since the last checkpoint (counted from the checkpoint, so a crash between checkpoints
    /// does not stretch the uncovered tail past one interval).
    public static func isDue(sequence: Int64, lastCheckpointSequence: Int64?, interval: Int) -> Bool {
        interval > 0 && sequence - (lastCheckpointSequence ?? 0) >= Int64(interval)
    }

    /// True when `checkpoint`'s MAC is the one its fields must carry; compared in constant time.
    public static func isAuthentic(_ checkpoint: AuditCheckpoint, mac: MAC) -> Bool {
        let expected = AuditChain.hex(mac(message(number: checkpoint.number, sequence: checkpoint.sequence,
                                                  headHash: checkpoint.headHash, at: checkpoint.at)))
        let given = Array(checkpoint.mac.utf8)
        let wanted = Array(expected.utf8)
        guard given.count == wanted.count else { return false }
        var difference: UInt8 = 0
        for index in wanted.indices { difference |= given[index] ^ wanted[index] }
        return difference == 0
    }

    /// What a checkpoint says about the chain that the chain contradicts.
    public enum Finding: Hashable, Sendable {
        /// The checkpoint's MAC is wrong: it was forged or edited (or the key changed).
        case forged(checkpoint: AuditCheckpoint)
        /// Checkpoint numbers skip: checkpoints were deleted.
        case missing(expected: Int64, found: Int64)
        /// The chain ends at `chainLength`, before the events the checkpoint covered.
        case truncated(checkpoint: AuditCheckpoint, chainLength: Int64)
        /// The chain's row at the checkpoint's sequence has another hash (or is gone).
        case rewritten(checkpoint: AuditCheckpoint, storedHash: String?)
        /// Rows 1 to `through` are gone, and no authentic checkpoint at `through` together with
        /// a `retention.removed` event naming it says retention removed them.
        case startRemoved(through: Int64)

        /// A stable name for the API and scripts.
        public var kind: String {
            switch self {
            case .forged: "forged"
            case .missing: "checkpoints_missing"
            case .truncated: "truncated"
            case .rewritten: "rewritten"
            case .startRemoved: "start_removed"
            }
        }

        /// The checkpoint the chain contradicts (for `missing`, the one found after the gap).
        public var checkpointNumber: Int64 {
            switch self {
            case .forged(let checkpoint), .truncated(let checkpoint, _), .rewritten(let checkpoint, _): checkpoint.number
            case .missing(_, let found): found
            case .startRemoved: 0
            }
        }

        public var reason: String {
            switch self {
            case .forged(let checkpoint):
                "checkpoint \(checkpoint.number) (\(checkpoint.sequence) events, \(checkpoint.at.rfc3339)) has a bad MAC: "
                    + "it was forged or edited, or the server key (auth.key) is not the one that wrote it"
            case .missing(let expected, let found):
                "checkpoints \(expected) to \(found - 1) are missing: they were deleted"
            case .truncated(let checkpoint, let chainLength):
                "the chain was truncated: it ends at row \(chainLength), but checkpoint \(checkpoint.number) "
                    + "(\(checkpoint.at.rfc3339)) recorded \(checkpoint.sequence) events with head hash \(checkpoint.headHash): "
                    + "rows \(chainLength + 1) to \(checkpoint.sequence) were deleted"
            case .rewritten(let checkpoint, let storedHash?):
                "the chain was rewritten: row \(checkpoint.sequence) has hash \(storedHash), but checkpoint \(checkpoint.number) "
                    + "(\(checkpoint.at.rfc3339)) recorded \(checkpoint.headHash): rows up to \(checkpoint.sequence) were changed "
                    + "and their hashes recomputed"
            case .startRemoved(let through):
                "rows 1 to \(through) are gone, but no checkpoint at row \(through) and retention.removed event naming it "
                    + "say retention removed them: they were deleted"
            case .rewritten(let checkpoint, nil):
                "the chain was rewritten: row \(checkpoint.sequence), recorded by checkpoint \(checkpoint.number) "
                    + "(\(checkpoint.at.rfc3339)) with hash \(checkpoint.headHash), is missing"
            }
        }
    }

    /// Checks checkpoints (oldest first) against the chain as stored: `chainLength` is its
    /// newest `seq` (0 when empty), `storedHash(seq)` the `hash` of a row (nil when absent).
    /// Returns the first finding, or nil when every checkpoint is authentic and agrees.
    ///
    /// Checked in order, so the oldest contradiction is named; a forged checkpoint is reported
    /// before anything it claims is believed.
    ///
    /// Checkpoints over rows retention removed (`sequence <= removedThrough`) are still checked
    /// for their MAC and numbering; their rows are not there to compare.
    public static func check(_ checkpoints: [AuditCheckpoint], chainLength: Int64, removedThrough: Int64 = 0,
                             storedHash: (Int64) -> String?, mac: MAC) -> Finding? {
        var expected: Int64 = 1
        for checkpoint in checkpoints {
            if checkpoint.number != expected { return .missing(expected: expected, found: checkpoint.number) }
            guard isAuthentic(checkpoint, mac: mac) else { return .forged(checkpoint: checkpoint) }
            if checkpoint.sequence <= removedThrough {
                expected += 1
                continue
            }
            if checkpoint.sequence > chainLength { return .truncated(checkpoint: checkpoint, chainLength: chainLength) }
            let stored = storedHash(checkpoint.sequence)
            if stored != checkpoint.headHash { return .rewritten(checkpoint: checkpoint, storedHash: stored) }
            expected += 1
        }
        return nil
    }
}

/// Removing the oldest audit events (docs/compliance.md#retention) without breaking what
/// verification can prove: the chain is cut only just after a keyed checkpoint, whose head hash
/// is then the link the first kept row must carry, and the cut is recorded by a
/// `retention.removed` event in the chain itself (`audit_through`).
public enum AuditRetention {
    /// The next place retention may cut: the oldest checkpoint from the oldest kept row on that
    /// is no later than the newest row due, the row before the newest (the chain is never
    /// emptied) and what the forwarding target has received. One checkpoint interval per step,
    /// so each step is one small transaction. Nil when none qualifies.
    public static func nextCut(checkpointSequences: [Int64], oldestKept: Int64, newest: Int64, dueThrough: Int64, forwardedThrough: Int64?) -> Int64? {
        let limit = min(dueThrough, newest - 1, forwardedThrough ?? .max)
        return checkpointSequences.filter { $0 >= oldestKept && $0 <= limit }.min()
    }

    /// Whether a chain whose first row is `oldestKept` (> 1) lost its start to retention: an
    /// authentic checkpoint at `oldestKept - 1` whose head hash the first row links to, and a
    /// retention record naming that row.
    public static func startIsAnchored(oldestKept: Int64, firstPreviousHash: String, checkpoints: [AuditCheckpoint], recordedCuts: Set<Int64>,
                                       mac: AuditCheckpoints.MAC) -> AuditCheckpoint? {
        let through = oldestKept - 1
        guard recordedCuts.contains(through),
              let anchor = checkpoints.first(where: { $0.sequence == through }), AuditCheckpoints.isAuthentic(anchor, mac: mac),
              anchor.headHash == firstPreviousHash
        else { return nil }
        return anchor
    }
}
