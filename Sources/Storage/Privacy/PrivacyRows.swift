import Core
import Foundation
import GRDB

/// How privacy policies, rules and counts are kept in rows (migration 47), and what the start of
/// an execution does with its input under its rules.
enum PrivacyRows {
    /// The org's policy; nil when it has none (off).
    static func policy(org: OrgID, _ db: Database) throws -> PrivacyPolicy? {
        guard let text = try String.fetchOne(db.cachedStatement(sql: "SELECT privacy FROM org WHERE id = ?"), arguments: [org.rawValue]) else { return nil }
        return (try? DefinitionRows.document(text)).flatMap(PrivacyPolicy.init(json:))
    }

    static func text(_ rules: PrivacyRules) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(rules)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func text(_ counts: [String: Int]) -> String {
        JSONValue.object(counts.mapValues { .integer($0) }).canonicalText
    }

    static func counts(_ text: String) -> [String: Int] {
        guard case .object(let object)? = try? DefinitionRows.document(text) else { return [:] }
        return object.compactMapValues { if case .integer(let count) = $0 { count } else { nil } }
    }

    /// An execution's input under its rules: refused when it holds a blocked kind, masked when
    /// a masked kind; with what was masked.
    static func guardInput(_ input: JSONValue, text: String, rules: PrivacyRules?) throws -> (JSONValue, String, [String: Int]) {
        guard let rules else { return (input, text, [:]) }
        if let blocking = rules.scanner(atLeast: .block) {
            let found = blocking.found(in: input)
            if !found.isEmpty { throw ExecutionError.piiBlocked(kinds: found.sorted()) }
        }
        guard let masking = rules.scanner(atLeast: .mask) else { return (input, text, [:]) }
        let (masked, counts) = masking.mask(input)
        return counts.isEmpty ? (input, text, [:]) : (masked, masked.canonicalText, counts)
    }

    /// Adds `counts` to the execution's `pii_masked`, in the caller's transaction.
    static func add(_ counts: [String: Int], execution: String, _ db: Database) throws {
        guard !counts.isEmpty else { return }
        let known = try String.fetchOne(db.cachedStatement(sql: "SELECT pii_masked FROM execution WHERE id = ?"), arguments: [execution]).map(Self.counts) ?? [:]
        try db.cachedStatement(sql: "UPDATE execution SET pii_masked = ? WHERE id = ?")
            .execute(arguments: [text(PIICounts.adding(known, counts)), execution])
    }
}
