import Core

/// Where forwarded audit events go: a batch is written whole or the call throws (then the
/// cursor stays and the batch is sent again).
protocol AuditSink: Sendable {
    func write(_ records: [AuditRecord]) async throws
    func close() async
}
