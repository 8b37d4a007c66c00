import Storage

/// Why the daemon refused to start, in words an admin can act on.
struct DaemonStartError: Error, CustomStringConvertible {
    let description: String

    static func database(_ error: any Error, path: String) -> DaemonStartError {
        switch error {
        case StorageError.schemaTooNew(let database, let binary):
            return DaemonStartError(description: "the database \(path) has schema version \(database), "
                + "newer than this agentd's \(binary); run the agentd version that wrote it, or restore a backup")
        case StorageError.notAgentdDatabase(let path, let applicationID):
            return DaemonStartError(description: "\(path) is an SQLite database of another program "
                + "(application_id \(applicationID)); point database.path at agentd's own file")
        default:
            return DaemonStartError(description: "cannot open the database \(path): \(error)")
        }
    }
}
