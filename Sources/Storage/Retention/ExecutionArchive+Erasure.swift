import Core
import Foundation
import GRDB

extension ExecutionArchive {
    /// The archived executions, of every month, whose record mentions any of `strings` (by
    /// `Mentions`' word rule): what a personal-data export includes from the archive.
    public func mentioning(_ strings: [String]) throws -> [Entry] {
        var found: [Entry] = []
        for month in try months(org: nil) {
            var after: String?
            while true {
                let page = try entries(month: month.name, org: nil, after: after, limit: 500)
                found += page.filter { Mentions.contains(strings, in: $0.record.canonicalText) }
                guard page.count == 500, let last = page.last else { break }
                after = last.id
            }
        }
        return found
    }

    /// Replaces every mention of `strings` in archived records with `pseudonym`, month by month,
    /// with `secure_delete` on so the old records do not stay in the files' free space. Returns
    /// how many records changed.
    public func erase(_ strings: [String], pseudonym: String) throws -> Int {
        var changed = 0
        for month in try months(org: nil) {
            guard let queue = try open(month.name, create: true) else { continue }
            defer { try? queue.close() }
            changed += try queue.write { db in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                var count = 0
                var after = ""
                // A page at a time: a month's file can hold more than memory should.
                while true {
                    let page = try Row.fetchAll(db, sql: "SELECT id, raw_bytes, record FROM archived_execution WHERE id > ? ORDER BY id LIMIT 200",
                                                arguments: [after])
                    guard let last = page.last else { break }
                    after = last["id"]
                    for row in page {
                        let data: Data = row["record"]
                        let text = String(decoding: try Deflate.uncompress(Array(data), size: row["raw_bytes"]), as: UTF8.self)
                        let (replaced, found) = Mentions.replace(strings, in: text, with: pseudonym)
                        guard found > 0 else { continue }
                        let raw = Array(replaced.utf8)
                        try db.execute(sql: "UPDATE archived_execution SET raw_bytes = ?, record = ? WHERE id = ?",
                                       arguments: [raw.count, Data(try Deflate.compress(raw)), row["id"] as String])
                        count += 1
                    }
                }
                return count
            }
        }
        return changed
    }
}
