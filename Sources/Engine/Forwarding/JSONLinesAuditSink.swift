import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Appends each event as one JSON line to a file, fsynced before the cursor moves; when the file
/// would pass `maxBytes` it is rotated (`audit.jsonl` → `audit.jsonl.1` → … → `.keep`, the
/// oldest dropped) so a forwarder left alone for years does not fill the disk.
final class JSONLinesAuditSink: AuditSink {
    let path: String
    let maxBytes: Int
    let keep: Int

    init(path: String, maxBytes: Int, keep: Int = 5) {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = keep
    }

    struct WriteFailed: Error, CustomStringConvertible {
        let description: String
    }

    func write(_ records: [AuditRecord]) async throws {
        var text = ""
        for record in records { text += record.json.canonicalText + "\n" }
        let bytes = Array(text.utf8)
        var status = stat()
        if stat(path, &status) == 0, status.st_size > 0, Int(status.st_size) + bytes.count > maxBytes { try rotate() }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw WriteFailed(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteFailed(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else { throw WriteFailed(description: "cannot fsync \(path): \(String(cString: strerror(errno)))") }
    }

    /// `path.(keep-1)` → `path.keep`, …, `path` → `path.1`.
    private func rotate() throws {
        for index in stride(from: keep - 1, through: 1, by: -1) where access("\(path).\(index)", F_OK) == 0 {
            guard rename("\(path).\(index)", "\(path).\(index + 1)") == 0 else {
                throw WriteFailed(description: "cannot rotate \(path).\(index): \(String(cString: strerror(errno)))")
            }
        }
        guard rename(path, "\(path).1") == 0 else { throw WriteFailed(description: "cannot rotate \(path): \(String(cString: strerror(errno)))") }
    }

    func close() async {}
}
