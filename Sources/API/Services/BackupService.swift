import Core
import Foundation
import Platform
import AgentSecurity
import Storage

/// Online backups into the configured directory: what `BackupRoutes` is given; built by
/// `agentd` (Daemon/APIWiring.swift).
public struct BackupService: Sendable {
    public let database: AgentDatabase
    public let audit: AuditLog
    /// Where backups may be written (`[backup] directory`), absolute.
    public let directory: String
    public let limits: RequestLimits
    public let clock: WallClock

    public init(database: AgentDatabase, audit: AuditLog, directory: String, limits: RequestLimits, clock: WallClock) {
        self.database = database
        self.audit = audit
        self.directory = directory
        self.limits = limits
        self.clock = clock
    }

    /// What one backup wrote and found.
    public struct Outcome: Sendable {
        public let path: String
        public let bytes: Int64
        public let sha256: String
        public let seconds: Double
        public let check: BackupCheck
    }

    /// Writes a consistent snapshot to `file` (a name in `directory`, or a path inside it, that
    /// must not exist: `alreadyExists`; outside it: a validation error), checks it (integrity,
    /// audit chain), sums it and audits it (`backup.created`).
    public func create(file: String, change: ChangeContext) async throws -> Outcome {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path: String
        do { path = try Backups.target(file, directory: directory) } catch let error as BackupError {
            switch error {
            case .exists: throw StorageError.alreadyExists(.backup, field: "file", value: file)
            default: throw ValidationError(field: "file", error.description)
            }
        }
        let began = ContinuousClock.now
        try await database.backup(to: path)
        let elapsed = ContinuousClock.now - began
        let check = try Backups.check(path: path, digest: ChainDigest.sha256)
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
        let sum = try FileDigest.sha256(path: path)
        let seconds = elapsed.inSeconds
        try await audit.record(AuditEntry(at: clock.now(), orgID: nil, actor: change.actor, action: .backupCreated,
                                          targetType: ResourceType.backup.rawValue, targetID: path, requestID: change.requestID,
                                          details: ["bytes": "\(bytes)", "sha256": sum, "integrity": check.integrity,
                                                    "audit_chain": check.auditBreak.map { "broken at \($0)" } ?? "ok"]))
        return Outcome(path: path, bytes: bytes, sha256: sum, seconds: seconds, check: check)
    }
}
