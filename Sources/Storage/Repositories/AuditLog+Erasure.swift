import Core
import GRDB

extension AuditLog {
    /// Replaces a person in the audit events that name or mention them (erasure,
    /// `PersonalDataStore.erase`). In a form-2 row each replaced value becomes `pseudonym` and
    /// the salted hash the chain covers for it is kept (`c:`); the row's other person fields keep
    /// their own salts (`s:`); the row's salt is dropped, so the erased values cannot be found
    /// again by hashing guesses. The chain verifies as before. Form-1 rows hash the values
    /// themselves and cannot change without breaking the chain: they are counted and kept until
    /// audit retention removes them. Returns (changed, kept).
    func erase(identifiers: Set<String>, strings: [String], pseudonym: String, batch: Int) async throws -> (changed: Int, keptUnsealed: Int) {
        let sequences = try await database.read { db in
            try PersonalDataStore.matching("audit_event", columns: Self.personColumns, identifiers: identifiers, strings: strings, in: db,
                                           select: "seq, actor, target_id, details").map { $0["seq"] as Int64 }
        }
        let digest = self.digest
        var changed = 0, kept = 0
        for start in stride(from: 0, to: sequences.count, by: batch) {
            let slice = Array(sequences[start..<min(sequences.count, start + batch)])
            let (done, unsealed) = try await database.writer.submit { db -> (Int, Int) in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                var done = 0, unsealed = 0
                for sequence in slice {
                    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_event WHERE seq = ?", arguments: [sequence]) else { continue }
                    let record = try Self.record(from: row)
                    guard record.form == AuditChain.sealedForm else {
                        unsealed += 1
                        continue
                    }
                    var sealed = record.sealed
                    func replaced(_ value: String?, field: String) -> String? {
                        guard let value else { return nil }
                        let text = identifiers.contains(value) ? pseudonym : Mentions.replace(strings, in: value, with: pseudonym).text
                        let kept = sealed[field]
                        if kept?.hasPrefix("c:") == true { return text }  // erased before: its hash is already kept
                        guard let fieldSalt = kept.map({ String($0.dropFirst(2)) })
                                ?? record.salt.map({ AuditChain.fieldSalt(rowSalt: $0, field: field, digest: digest) }) else { return text }
                        sealed[field] = text == value ? "s:" + fieldSalt
                            : "c:" + AuditChain.commitment(fieldSalt: fieldSalt, value: value, digest: digest)
                        return text
                    }
                    let entry = record.entry
                    let actor = replaced(entry.actor, field: AuditChain.PersonField.actor) ?? entry.actor
                    let target = replaced(entry.targetID, field: AuditChain.PersonField.targetID)
                    var details: [String: String] = [:]
                    for (key, value) in entry.details { details[key] = replaced(value, field: AuditChain.PersonField.detail(key)) }
                    guard actor != entry.actor || target != entry.targetID || details != entry.details else { continue }
                    try db.execute(sql: "UPDATE audit_event SET actor = ?, target_id = ?, details = ?, salt = NULL, sealed = ? WHERE seq = ?",
                                   arguments: [actor, target, Self.encode(details), Self.encode(sealed), sequence])
                    done += 1
                }
                return (done, unsealed)
            }
            changed += done
            kept += unsealed
        }
        return (changed, kept)
    }

    static let personColumns = PersonalData.Table(names: ["actor", "target_id"], mentions: ["details"])
}
