import ArgumentParser
import Foundation
import AgentSecurity
import Storage

/// `agentd restore FILE` (also `agentctl restore FILE`): puts a backup in place of the
/// database, with agentd stopped. The backup is checked first (it must be agentd's, intact,
/// with an unbroken audit chain, and not from a newer agentd); the database it replaces is
/// kept beside it, not deleted.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a checked backup (agentd must be stopped; the old database is kept)."
    )

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The backup file, e.g. /var/lib/agentd/backups/agentd-2026-11-25.db.") var file: String
    @Option(help: "The database to replace (default: database.path of the configuration).") var database: String?

    func run() throws {
        let config: Config
        do { config = try options.load() } catch {
            fail("configuration: \(error.description)", status: 78)
        }
        let target = database ?? config.database.path
        if SocketGuard.isServed(config.server.socket) {
            fail("agentd is running on \(config.server.socket); stop it first (systemctl stop agentd), then restore", status: 1)
        }
        guard ChainDigest.prepare() else { fail("libsodium failed to initialise", status: 1) }
        let check: BackupCheck
        do { check = try Backups.check(path: file, digest: ChainDigest.sha256) } catch {
            fail("\(file): \(error)", status: 1)
        }
        guard check.integrity == "ok" else { fail("\(file) is damaged (integrity check: \(check.integrity)); not restored", status: 1) }
        if let broken = check.auditBreak { fail("\(file): its audit chain breaks at row \(broken); not restored", status: 1) }

        let manager = FileManager.default
        let staging = target + ".restoring"
        try? manager.removeItem(atPath: staging)
        do {
            try manager.copyItem(atPath: file, toPath: staging)
            Self.sync(staging)
            var kept: String?
            if manager.fileExists(atPath: target) {
                // The old database, with its write-ahead log (it may hold committed rows), is
                // moved aside, never deleted.
                let aside = target + ".before-restore-" + String(Int(Date().timeIntervalSince1970))
                if let attributes = try? manager.attributesOfItem(atPath: target) {
                    try? manager.setAttributes([.posixPermissions: attributes[.posixPermissions] as Any, .ownerAccountID: attributes[.ownerAccountID] as Any,
                                                .groupOwnerAccountID: attributes[.groupOwnerAccountID] as Any].compactMapValues { $0 is NSNull ? nil : $0 },
                                               ofItemAtPath: staging)
                }
                try manager.moveItem(atPath: target, toPath: aside)
                for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: target + suffix) {
                    try manager.moveItem(atPath: target + suffix, toPath: aside + suffix)
                }
                kept = aside
            }
            try manager.moveItem(atPath: staging, toPath: target)
            Self.sync(URL(fileURLWithPath: target).deletingLastPathComponent().path)
            print("restored \(file) to \(target): schema \(check.schemaVersion), \(check.orgs) org(s), \(check.executions) execution(s), "
                  + "\(check.auditEntries) audit entries verified")
            if let kept { print("the database it replaced is kept as \(kept)") }
            print("start agentd (systemctl start agentd); the vault needs the same master key as when the backup was taken")
        } catch {
            try? manager.removeItem(atPath: staging)
            fail("cannot restore to \(target): \(error.localizedDescription)", status: 1)
        }
    }

    private func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(status)
    }

    static func sync(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
