/// The rules of the audit hash chain, as pure functions. The digest (SHA-256) is passed in, so
/// Core needs no crypto library and tests can use any function.
///
/// Each record's hash covers the previous record's hash and the record's canonical content, so
/// changing, inserting or removing a row breaks the chain at that row or the one after it.
///
/// Two forms of content (`AuditRecord.form`). Form 1 (rows written before erasure existed)
/// hashes every field as written. Form 2 hashes, in place of each field that can name a person
/// (the actor, the target id, every details value), a salted hash of it: SHA-256 of a salt
/// derived from the row's random salt and the field's name, and the value. Anyone can recompute
/// it from the row, so anyone can still verify the chain from an export, with no key. Erasing a
/// person replaces the value by a pseudonym, keeps that salted hash in the row in its place
/// (`c:`), keeps the salts of the row's other person fields (`s:`), and drops the row's salt:
/// the chain verifies as before, and the erased value cannot be found again by trying names,
/// because the salt it was hashed with is gone.
public enum AuditChain {
    public typealias Digest = @Sendable ([UInt8]) -> [UInt8]

    /// The form new records are written in.
    public static let sealedForm = 2

    /// The names of a form-2 record's person fields, as `AuditRecord.sealed` keys them.
    public enum PersonField {
        public static let actor = "actor"
        public static let targetID = "target_id"
        public static func detail(_ key: String) -> String { "details." + key }
    }

    /// The `previousHash` of the first record.
    public static let genesis = String(repeating: "0", count: 64)

    /// The salt of one person field, from the row's salt: revealing it reveals nothing of the
    /// row's salt, nor of the other fields' salts.
    public static func fieldSalt(rowSalt: String, field: String, digest: Digest) -> String {
        hex(digest(Array("agentd-audit-salt|\(rowSalt)|\(field)".utf8)))
    }

    /// What the chain covers in place of a person field's value.
    public static func commitment(fieldSalt: String, value: String, digest: Digest) -> String {
        hex(digest(Array("agentd-audit-field|\(fieldSalt)|\(value)".utf8)))
    }

    /// The bytes that are hashed: the previous hash, then every field in a fixed order, each
    /// length-prefixed (`5:hello`), an absent optional as `~`, so that no two different records
    /// share an encoding. In form 2, person fields enter as their `commitment`.
    public static func canonicalBytes(sequence: Int64, entry: AuditEntry, previousHash: String,
                                      form: Int = 1, salt: String? = nil, sealed: [String: String] = [:], digest: Digest? = nil) -> [UInt8] {
        // why appends into one reserved buffer: this runs on the writer thread for every audited
        // change (every execution's start), inside the transaction that waits for it.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(form == 1 ? 256 : 512)
        func field(_ value: String?) {
            guard let value else {
                bytes.append(UInt8(ascii: "~"))
                return
            }
            bytes += String(value.utf8.count).utf8
            bytes.append(UInt8(ascii: ":"))
            bytes += value.utf8
        }
        func person(_ value: String?, _ name: String) -> String? {
            guard form != 1, let value, let digest else { return value }
            let kept = sealed[name]
            if let kept, kept.hasPrefix("c:") { return String(kept.dropFirst(2)) }
            // A field with neither its salt nor the row's: it cannot match any hash.
            guard let fieldSalt = kept.map({ String($0.dropFirst(2)) }) ?? salt.map({ fieldSalt(rowSalt: $0, field: name, digest: digest) })
            else { return "?" }
            return commitment(fieldSalt: fieldSalt, value: value, digest: digest)
        }
        for value in [form == 1 ? "agentd-audit-v1" : "agentd-audit-v\(form)", previousHash, String(sequence),
                      String(entry.at.millisecondsSinceEpoch), entry.orgID, person(entry.actor, PersonField.actor),
                      entry.action.rawValue, entry.outcome.rawValue, entry.targetType,
                      person(entry.targetID, PersonField.targetID), entry.requestID, String(entry.details.count)] as [String?] {
            field(value)
        }
        for key in entry.details.keys.sorted() {
            field(key)
            field(person(entry.details[key], PersonField.detail(key)))
        }
        return bytes
    }

    /// The hash a record with this content must carry.
    public static func hash(sequence: Int64, entry: AuditEntry, previousHash: String, digest: Digest,
                            form: Int = 1, salt: String? = nil, sealed: [String: String] = [:]) -> String {
        withoutActuallyEscaping(digest) { digest in
            hex(digest(canonicalBytes(sequence: sequence, entry: entry, previousHash: previousHash, form: form, salt: salt,
                                      sealed: sealed, digest: digest)))
        }
    }

    /// The hash `record` must carry, in its own form; a form this agentd does not know matches
    /// nothing (a content change as far as it can tell).
    public static func expectedHash(of record: AuditRecord, digest: Digest) -> String {
        guard record.form == 1 || record.form == sealedForm else { return "" }
        return hash(sequence: record.sequence, entry: record.entry, previousHash: record.previousHash, digest: digest,
                    form: record.form, salt: record.salt, sealed: record.sealed)
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
            if expectedHash(of: record, digest: digest) != record.hash {
                return .contentChanged(sequence: record.sequence)
            }
            expectedSequence += 1
            expectedPrevious = record.hash
        }
        return nil
    }

    public static func hex(_ bytes: [UInt8]) -> String {
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
