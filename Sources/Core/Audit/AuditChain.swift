/// The rules of the audit hash chain, as pure functions. The digest (SHA-256) is passed in, so
/// Core needs no crypto library and tests can use any function.
///
/// Each record's hash covers the previous record's hash and the record's canonical content, so
/// changing, inserting or removing a row breaks the chain at that row or the one after it.
public enum AuditChain {
    public typealias Digest = @Sendable ([UInt8]) -> [UInt8]

    /// The `previousHash` of the first record.
    public static let genesis = String(repeating: "0", count: 64)

    /// The bytes that are hashed: the previous hash, then every field in a fixed order, each
    /// length-prefixed (`5:hello`), an absent optional as `~`, so that no two different records
    /// share an encoding.
    public static func canonicalBytes(sequence: Int64, entry: AuditEntry, previousHash: String) -> [UInt8] {
        // why appends into one reserved buffer: this runs on the writer thread for every audited
        // change (every execution's start), inside the transaction that waits for it.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        func field(_ value: String?) {
            guard let value else {
                bytes.append(UInt8(ascii: "~"))
                return
            }
            bytes += String(value.utf8.count).utf8
            bytes.append(UInt8(ascii: ":"))
            bytes += value.utf8
        }
        for value in ["agentd-audit-v1", previousHash, String(sequence), String(entry.at.millisecondsSinceEpoch),
                      entry.orgID, entry.actor, entry.action.rawValue, entry.outcome.rawValue,
                      entry.targetType, entry.targetID, entry.requestID, String(entry.details.count)] as [String?] {
            field(value)
        }
        for key in entry.details.keys.sorted() {
            field(key)
            field(entry.details[key])
        }
        return bytes
    }

    /// The hash a record with this content must carry.
    public static func hash(sequence: Int64, entry: AuditEntry, previousHash: String, digest: Digest) -> String {
        hex(digest(canonicalBytes(sequence: sequence, entry: entry, previousHash: previousHash)))
    }

    /// Why a chain does not verify, naming the first row at fault.
    public enum Break: Hashable, Sendable {
        /// The row's content or hash was changed after it was written.
        case contentChanged(sequence: Int64)
        /// The row does not point at the row before it (a row was removed, inserted or reordered).
        case linkBroken(sequence: Int64)
        /// Sequence numbers skip: rows are missing before this one.
        case gap(expected: Int64, found: Int64)

        public var sequence: Int64 {
            switch self {
            case .contentChanged(let sequence), .linkBroken(let sequence): sequence
            case .gap(_, let found): found
            }
        }

        public var reason: String {
            switch self {
            case .contentChanged(let sequence): "row \(sequence) was changed after it was written: its hash does not match its content"
            case .linkBroken(let sequence): "row \(sequence) does not link to the row before it: a row was removed, inserted or rewritten"
            case .gap(let expected, let found): "rows \(expected) to \(found - 1) are missing"
            }
        }
    }

    /// Checks records in order, continuing from `previous` (the last verified record's sequence
    /// and hash; nil to start at the chain's beginning). Returns the first break, or nil.
    public static func verify(_ records: [AuditRecord], after previous: (sequence: Int64, hash: String)?,
                              digest: Digest) -> Break? {
        var expectedSequence = (previous?.sequence ?? 0) + 1
        var expectedPrevious = previous?.hash ?? genesis
        for record in records {
            if record.sequence != expectedSequence {
                return .gap(expected: expectedSequence, found: record.sequence)
            }
            if record.previousHash != expectedPrevious {
                return .linkBroken(sequence: record.sequence)
            }
            let computed = hash(sequence: record.sequence, entry: record.entry, previousHash: record.previousHash, digest: digest)
            if computed != record.hash {
                return .contentChanged(sequence: record.sequence)
            }
            expectedSequence += 1
            expectedPrevious = record.hash
        }
        return nil
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
