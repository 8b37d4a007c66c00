import Core
import Foundation
import GRDB

/// GDPR export and erasure (docs/compliance.md#export-and-erasure), table by table as
/// `PersonalData.tables` says: rows whose person columns name the subject, and rows whose
/// free text mentions them.
///
/// Erasure never holds the writer long: rows are found by reads, then changed in writer units of
/// at most `batch` rows, each with `secure_delete` on so the old values are overwritten in the
/// file rather than left in free space.
public struct PersonalDataStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog
    private let archive: ExecutionArchive?
    private let batch: Int

    public init(database: AgentDatabase, audit: AuditLog, archive: ExecutionArchive?, batch: Int = 500) {
        self.database = database
        self.audit = audit
        self.archive = archive
        self.batch = batch
    }

    /// The person with this login, with their API keys; nil when there is none.
    public func subject(login: String) async throws -> ErasureSubject? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, login, display_name, unix_uid FROM user_account WHERE login = ?",
                                             arguments: [login]) else { return nil }
            let id: String = row["id"]
            let keys = try String.fetchAll(db, sql: "SELECT id FROM api_key WHERE user_id = ? ORDER BY id", arguments: [id])
            return ErasureSubject(userID: id, login: row["login"], displayName: row["display_name"], unixUID: row["unix_uid"], keyIDs: keys)
        }
    }

    /// The strings that erasure replaces in free text, longest first: every whole identifier
    /// (`key:agk_…` before `agk_…`) and every mention.
    static func strings(of subject: ErasureSubject) -> [String] {
        Array(Set(subject.identifiers).union(subject.mentions)).filter { $0.utf8.count >= Mentions.shortest }
            .sorted { $0.utf8.count != $1.utf8.count ? $0.utf8.count > $1.utf8.count : $0 < $1 }
    }

    // MARK: - Export

    /// Everything agentd holds about `subject`: per table, the rows that name or mention them,
    /// every column as stored except credential verifiers and sealed values (`[withheld]`); and
    /// the archived executions that name or mention them.
    public func export(_ subject: ErasureSubject) async throws -> JSONValue {
        let strings = Self.strings(of: subject)
        let identifiers = subject.identifiers
        var tables: [String: JSONValue] = [:]
        for (table, columns) in try await schemaColumns() {
            let rows = try await database.read { db in
                try Self.matching(table, columns: columns, identifiers: identifiers, strings: strings, in: db).map(Self.exported)
            }
            if !rows.isEmpty { tables[table] = .array(rows) }
        }
        var archived: [JSONValue] = []
        if let archive {
            for entry in try archive.mentioning(strings) { archived.append(entry.record) }
        }
        return ["subject": ["login": .string(subject.login), "user_id": .string(subject.userID),
                            "display_name": .string(subject.displayName), "api_keys": .array(subject.keyIDs.map { .string($0) })],
                "tables": .object(tables), "archived_executions": .array(archived)]
    }

    /// The tables of the map that exist, with the person and mention columns they have.
    private func schemaColumns() async throws -> [(String, PersonalData.Table)] {
        try await database.read { db in
            try PersonalData.tables.keys.sorted().compactMap { table -> (String, PersonalData.Table)? in
                let present = Set(try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]).map { $0["name"] as String })
                guard !present.isEmpty, let map = PersonalData.tables[table] else { return nil }
                let columns = PersonalData.Table(names: map.names.filter(present.contains), mentions: map.mentions.filter(present.contains))
                return columns.names.isEmpty && columns.mentions.isEmpty ? nil : (table, columns)
            }
        }
    }

    /// Rows of `table` whose person columns hold one of `identifiers` or whose mention columns
    /// mention one of `strings` (found by `instr`, then confirmed by `Mentions`' word rule).
    static func matching(_ table: String, columns: PersonalData.Table, identifiers: Set<String>, strings: [String],
                         in db: Database, select: String = "*") throws -> [Row] {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        let ids = identifiers.sorted()
        for column in columns.names {
            clauses.append("\"\(column)\" IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))")
            arguments += ids as [any DatabaseValueConvertible]
        }
        let lowered = strings.map { $0.lowercased() }
        for column in columns.mentions {
            for string in lowered {
                clauses.append("instr(lower(CAST(\"\(column)\" AS TEXT)), ?) > 0")
                arguments.append(string)
            }
        }
        guard !clauses.isEmpty else { return [] }
        let rows = try Row.fetchAll(db, sql: "SELECT \(select) FROM \"\(table)\" WHERE " + clauses.joined(separator: " OR "),
                                    arguments: StatementArguments(arguments))
        return rows.filter { row in
            columns.names.contains { column in (row[column] as String?).map(identifiers.contains) ?? false }
                || columns.mentions.contains { column in (row[column] as String?).map { Mentions.contains(strings, in: $0) } ?? false }
        }
    }

    static func exported(_ row: Row) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (column, value) in row {
            if PersonalData.withheld.contains(column) {
                object[column] = value.isNull ? .null : "[withheld]"
                continue
            }
            switch value.storage {
            case .null: object[column] = .null
            case .int64(let number): object[column] = .integer(Int(number))
            case .double(let number): object[column] = .number(number)
            case .string(let text): object[column] = .string(text)
            case .blob: object[column] = "[binary]"
            }
        }
        return .object(object)
    }

    // MARK: - Erasure

    /// What an erasure changed, by table.
    public struct Erasure: Sendable, Equatable {
        public var pseudonym: String
        /// Rows removed (the account and what exists only for it), by table.
        public var removed: [String: Int] = [:]
        /// Rows whose person or mention columns were replaced by the pseudonym, by table.
        public var pseudonymised: [String: Int] = [:]
        /// Audit events written before the sealed form existed, which name the person and are
        /// kept as they are (changing them would break the chain) until audit retention removes them.
        public var auditKeptUnsealed = 0
        public var archivedExecutions = 0
        /// Whether the write-ahead log could be emptied afterwards (a long read can prevent it
        /// for a moment; the next checkpoint then overwrites the old pages).
        public var logTruncated = false
    }

    /// Removes the person's account and what exists only for it, and replaces every other
    /// mention of them by one random pseudonym, audit events included (which keep the salted
    /// hashes of what was replaced, so the chain still verifies).
    public func erase(_ subject: ErasureSubject) async throws -> Erasure {
        var random = SystemRandomNumberGenerator()
        let pseudonym = ErasureSubject.pseudonym(random: (0..<8).map { _ in UInt8.random(in: 0...255, using: &random) })
        var result = Erasure(pseudonym: pseudonym)
        let strings = Self.strings(of: subject)
        let identifiers = subject.identifiers
        for (table, columns) in try await schemaColumns() where table != "audit_event" {
            if let owner = PersonalData.ownRows[table] {
                let removed = try await database.writer.submit { db in
                    try db.execute(sql: "PRAGMA secure_delete = ON")
                    try db.execute(sql: "DELETE FROM \"\(table)\" WHERE " + owner.map { "\"\($0)\" = ?" }.joined(separator: " OR "),
                                   arguments: StatementArguments(Array(repeating: subject.userID, count: owner.count)))
                    return db.changesCount
                }
                if removed > 0 { result.removed[table] = removed }
            }
            let changed = try await pseudonymise(table, columns: columns, identifiers: identifiers, strings: strings, pseudonym: pseudonym)
            if changed > 0 { result.pseudonymised[table] = changed }
        }
        let (auditChanged, unsealed) = try await audit.erase(identifiers: identifiers, strings: strings, pseudonym: pseudonym, batch: batch)
        if auditChanged > 0 { result.pseudonymised["audit_event"] = auditChanged }
        result.auditKeptUnsealed = unsealed
        if let archive { result.archivedExecutions = try archive.erase(strings, pseudonym: pseudonym) }
        result.logTruncated = try await database.truncateLog()
        return result
    }

    /// Replaces the person in `table`'s matching rows, `batch` rows per writer unit: found by a
    /// read, then read again and changed inside the unit, so a row written meanwhile (a step's
    /// output) is not overwritten with what it held before. Tables without a rowid (small
    /// configuration tables) are changed by value in one unit.
    private func pseudonymise(_ table: String, columns: PersonalData.Table, identifiers: Set<String>, strings: [String],
                              pseudonym: String) async throws -> Int {
        @Sendable func replace(_ row: Row, in db: Database, where key: String, _ keyValue: any DatabaseValueConvertible) throws -> Int {
            var changes: [(String, String)] = []
            for column in columns.names {
                if let value = row[column] as String?, identifiers.contains(value) { changes.append((column, pseudonym)) }
            }
            for column in columns.mentions {
                if let value = row[column] as String? {
                    let (text, count) = Mentions.replace(strings, in: value, with: pseudonym)
                    if count > 0 { changes.append((column, text)) }
                }
            }
            guard !changes.isEmpty else { return 0 }
            try db.execute(sql: "UPDATE \"\(table)\" SET " + changes.map { "\"\($0.0)\" = ?" }.joined(separator: ", ") + " WHERE \(key)",
                           arguments: StatementArguments(changes.map { $0.1 } as [any DatabaseValueConvertible] + [keyValue]))
            return db.changesCount
        }
        let hasRowID = try await database.read { db in
            !((try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]))?
                .uppercased().contains("WITHOUT ROWID") ?? false)
        }
        guard hasRowID else {
            return try await database.writer.submit { db in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                var changed = 0
                for row in try Self.matching(table, columns: columns, identifiers: identifiers, strings: strings, in: db) {
                    // Each changed column by its old value: these tables have no rowid to name the row by.
                    for column in columns.names + columns.mentions {
                        guard let old = row[column] as String? else { continue }
                        changed += try replace(Row([column: old]), in: db, where: "\"\(column)\" = ?", old)
                    }
                }
                return changed
            }
        }
        let rowIDs = try await database.read { db in
            try Self.matching(table, columns: columns, identifiers: identifiers, strings: strings, in: db, select: "rowid AS agentd_rowid, *")
                .map { $0["agentd_rowid"] as Int64 }
        }
        var changed = 0
        for start in stride(from: 0, to: rowIDs.count, by: batch) {
            let slice = Array(rowIDs[start..<min(rowIDs.count, start + batch)])
            changed += try await database.writer.submit { db in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                var count = 0
                for rowID in slice {
                    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM \"\(table)\" WHERE rowid = ?", arguments: [rowID]) else { continue }
                    count += try replace(row, in: db, where: "rowid = ?", rowID)
                }
                return count
            }
        }
        return changed
    }
}
