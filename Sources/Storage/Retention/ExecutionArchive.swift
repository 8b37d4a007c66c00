import CZlib
import Core
import Foundation
import GRDB

/// Executions retention removed (docs/compliance.md#archive), one SQLite file per month of their
/// end (`executions-2026-08.db` in `[retention] archive_directory`). Each execution is one row: a
/// few columns to find it by, and its whole record — the execution, its steps and events,
/// column by column as they were stored — as deflated canonical JSON.
///
/// The files are written by retention before the rows are removed (a crash between the two
/// writes the same rows again: a row is replaced, not doubled) and only read otherwise.
public struct ExecutionArchive: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// One archived execution.
    public struct Entry: Sendable, Equatable {
        public let id: String
        public let orgID: String
        public let workflow: String
        public let status: String
        public let finishedAt: Instant
        /// `{"execution": {column: value}, "steps": [{…}], "events": [{…}]}`.
        public let record: JSONValue
    }

    public struct Month: Sendable, Equatable {
        public let name: String
        public let executions: Int
        public let bytes: Int64
    }

    /// `2026-08`: the UTC month of `instant`.
    public static func month(of instant: Instant) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(instant.millisecondsSinceEpoch) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year ?? 1970, parts.month ?? 1)
    }

    /// `YYYY-MM`, nothing else: the name becomes a file name.
    public static func isMonth(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-") else { return false }
        guard bytes.enumerated().allSatisfy({ $0.offset == 4 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element) }) else { return false }
        let month = Int(text.suffix(2)) ?? 0
        return (1...12).contains(month)
    }

    func path(_ month: String) -> String { directory + "/executions-\(month).db" }

    func open(_ month: String, create: Bool) throws -> DatabaseQueue? {
        let path = path(month)
        if !create && !FileManager.default.fileExists(atPath: path) { return nil }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        var configuration = Configuration()
        configuration.readonly = !create
        // An export reading the month holds a shared lock for a moment; retention's write to the
        // same file waits for it instead of failing the pass (the first benchmark's pass failed
        // on a reader's lock with SQLite's default of not waiting).
        configuration.busyMode = .timeout(30)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        if create {
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS archived_execution (
                        id          TEXT    PRIMARY KEY,
                        org_id      TEXT    NOT NULL,
                        workflow    TEXT    NOT NULL,
                        status      TEXT    NOT NULL,
                        finished_at INTEGER NOT NULL,
                        raw_bytes   INTEGER NOT NULL,
                        record      BLOB    NOT NULL
                    ) STRICT;
                    CREATE INDEX IF NOT EXISTS archived_by_org ON archived_execution (org_id, id);
                    """)
            }
            chmod(path, 0o640)
        }
        return queue
    }

    /// Adds (or replaces) entries, each in the file of its month.
    public func write(_ entries: [Entry]) throws {
        for (month, group) in Dictionary(grouping: entries, by: { Self.month(of: $0.finishedAt) }) {
            guard let queue = try open(month, create: true) else { continue }
            try queue.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT OR REPLACE INTO archived_execution (id, org_id, workflow, status, finished_at, raw_bytes, record)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for entry in group {
                    let raw = Array(entry.record.canonicalText.utf8)
                    try statement.execute(arguments: [entry.id, entry.orgID, entry.workflow, entry.status, entry.finishedAt.millisecondsSinceEpoch,
                                                      raw.count, Data(try Deflate.compress(raw))])
                }
            }
            try queue.close()
        }
    }

    /// The months archived, newest first, with how many executions each holds for `org` (all
    /// orgs when nil); months with none of the org's are left out.
    public func months(org: String?) throws -> [Month] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .compactMap { name -> String? in
                guard name.hasPrefix("executions-"), name.hasSuffix(".db") else { return nil }
                let month = String(name.dropFirst("executions-".count).dropLast(3))
                return Self.isMonth(month) ? month : nil
            }
            .sorted(by: >)
        return try names.compactMap { month in
            guard let queue = try open(month, create: false) else { return nil }
            defer { try? queue.close() }
            let count = try queue.read { db in
                try Int.fetchOne(db, sql: org == nil ? "SELECT count(*) FROM archived_execution" : "SELECT count(*) FROM archived_execution WHERE org_id = ?",
                                 arguments: org.map { [$0] } ?? []) ?? 0
            }
            guard count > 0 else { return nil }
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: path(month))[.size]) as? NSNumber)?.int64Value ?? 0
            return Month(name: month, executions: count, bytes: bytes)
        }
    }

    /// A page of a month's executions (of `org`, or all), by id, after `after`.
    public func entries(month: String, org: String?, after: String?, limit: Int) throws -> [Entry] {
        guard Self.isMonth(month), let queue = try open(month, create: false) else { return [] }
        defer { try? queue.close() }
        return try queue.read { db in
            var sql = "SELECT * FROM archived_execution WHERE id > ?"
            var arguments: [any DatabaseValueConvertible] = [after ?? ""]
            if let org {
                sql += " AND org_id = ?"
                arguments.append(org)
            }
            sql += " ORDER BY id LIMIT ?"
            arguments.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                let data: Data = row["record"]
                let raw = try Deflate.uncompress(Array(data), size: row["raw_bytes"])
                return Entry(id: row["id"], orgID: row["org_id"], workflow: row["workflow"], status: row["status"],
                             finishedAt: Instant(millisecondsSinceEpoch: row["finished_at"]),
                             record: try JSONParser.parse(bytes: raw))
            }
        }
    }

    /// An execution's rows as an archive record: every column as stored (numbers, text, null).
    static func record(_ db: Database, execution id: String) throws -> (Entry)? {
        guard let execution = try Row.fetchOne(db, sql: "SELECT * FROM execution WHERE id = ?", arguments: [id]) else { return nil }
        let steps = try Row.fetchAll(db, sql: "SELECT * FROM step_run WHERE execution_id = ? ORDER BY node_id", arguments: [id])
        let events = try Row.fetchAll(db, sql: "SELECT * FROM execution_event WHERE execution_id = ? ORDER BY seq", arguments: [id])
        let record: JSONValue = ["execution": json(execution), "steps": .array(steps.map(json)), "events": .array(events.map(json))]
        return Entry(id: id, orgID: execution["org_id"], workflow: execution["workflow_name"], status: execution["status"],
                     finishedAt: Instant(millisecondsSinceEpoch: execution["finished_at"] ?? 0), record: record)
    }

    static func json(_ row: Row) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (column, value) in row {
            switch value.storage {
            case .null: object[column] = .null
            case .int64(let number): object[column] = .integer(Int(number))
            case .double(let number): object[column] = .number(number)
            case .string(let text): object[column] = .string(text)
            case .blob(let data): object[column] = .string(data.base64EncodedString())
            }
        }
        return .object(object)
    }
}

/// zlib's one-shot deflate and inflate.
public enum Deflate {
    /// Raw DEFLATE (RFC 1951), as SAML's HTTP-Redirect binding wants it: zlib's stream without
    /// its 2-byte header and 4-byte Adler-32 trailer.
    public static func raw(_ bytes: [UInt8]) throws -> [UInt8] {
        let wrapped = try compress(bytes)
        return Array(wrapped.dropFirst(2).dropLast(4))
    }

    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "zlib error \(code)" }
    }

    static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var size = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let code = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in compress2(out.baseAddress, &size, input.baseAddress, uLong(bytes.count), 6) }
        }
        guard code == Z_OK else { throw Failure(code: code) }
        return Array(output.prefix(Int(size)))
    }

    static func uncompress(_ bytes: [UInt8], size: Int) throws -> [UInt8] {
        var length = uLong(size)
        var output = [UInt8](repeating: 0, count: max(1, size))
        let code = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in CZlib.uncompress(out.baseAddress, &length, input.baseAddress, uLong(bytes.count)) }
        }
        guard code == Z_OK else { throw Failure(code: code) }
        return Array(output.prefix(Int(length)))
    }
}
