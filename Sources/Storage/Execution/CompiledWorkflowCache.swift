import Core
import Foundation
import GRDB
import Synchronization

/// Compiled workflow versions, by workflow id and version. Versions never change once made, so
/// an entry stays valid until its workflow is deleted (then it is simply never asked for
/// again); hits and misses are counted for the metrics.
public final class CompiledWorkflowCache: Sendable {
    private let entries = Mutex<[String: CompiledWorkflow]>([:])
    private let counts = Mutex<(hits: Int, misses: Int)>((0, 0))

    public init() {}

    public var statistics: (hits: Int, misses: Int) { counts.withLock { $0 } }

    /// The compiled version, loading and compiling it on a miss (inside the caller's
    /// transaction, so it sees what the transaction sees).
    func compiled(workflow id: String, version: Int, _ db: Database) throws -> CompiledWorkflow {
        let key = "\(id)@\(version)"
        if let hit = entries.withLock({ $0[key] }) {
            counts.withLock { $0.hits += 1 }
            return hit
        }
        counts.withLock { $0.misses += 1 }
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM workflow_version WHERE workflow_id = ? AND version = ?"), arguments: [id, version]) else {
            throw StorageError.notFound(.workflowVersion, id: key)
        }
        let record = try DefinitionRows.workflowVersion(from: row)
        var configs: [String: JSONValue] = [:]
        for (node, pin) in record.pins {
            guard let document = try String.fetchOne(db.cachedStatement(sql: "SELECT document FROM agent_version WHERE agent_id = ? AND version = ?"),
                                                     arguments: [pin.agentID, pin.version]),
                  let agent = AgentDefinition.read(try DefinitionRows.document(document)).0 else {
                throw StorageError.notFound(.agentVersion, id: "\(pin.agent)@\(pin.version)")
            }
            configs[node] = agent.config
        }
        let compiled = try CompiledWorkflow(workflowID: id, version: version, definition: record.definition, kinds: record.kinds, configs: configs)
        entries.withLock { $0[key] = compiled }
        return compiled
    }
}
