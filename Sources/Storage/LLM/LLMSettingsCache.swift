import Core
import Synchronization

/// What every llm step reads and admins rarely change — an org's models, and whether it has
/// budgets — kept in memory for the database's life. Writers invalidate an org after their
/// commit; a generation counter keeps a read that raced a change from caching what it read.
public final class LLMSettingsCache: Sendable {
    private struct State {
        var generation = 0
        var models: [String: ModelRecord?] = [:]
        var hasBudgets: [String: Bool] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    func model(org: OrgID, name: String, load: () async throws -> ModelRecord?) async throws -> ModelRecord? {
        let key = org.rawValue + "/" + name
        let (cached, generation) = state.withLock { ($0.models[key], $0.generation) }
        if let cached { return cached }
        let loaded = try await load()
        state.withLock { if $0.generation == generation { $0.models[key] = .some(loaded) } }
        return loaded
    }

    func hasBudgets(org: OrgID, load: () async throws -> Bool) async throws -> Bool {
        let (cached, generation) = state.withLock { ($0.hasBudgets[org.rawValue], $0.generation) }
        if let cached { return cached }
        let loaded = try await load()
        state.withLock { if $0.generation == generation { $0.hasBudgets[org.rawValue] = loaded } }
        return loaded
    }

    /// What is known without a read: nil when not cached.
    func knownHasBudgets(org: OrgID) -> Bool? { state.withLock { $0.hasBudgets[org.rawValue] } }

    /// After a change to an org's models or budgets has committed.
    func invalidate(org: OrgID) {
        state.withLock { state in
            state.generation += 1
            state.models = state.models.filter { !$0.key.hasPrefix(org.rawValue + "/") }
            state.hasBudgets[org.rawValue] = nil
        }
    }
}
