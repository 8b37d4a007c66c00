import Core
import Synchronization

/// Environment settings per org, kept in memory for the run path (every start checks the
/// environment's concurrency, every llm and http step its models and egress). A change
/// invalidates the org's entries; a read that raced the change does not store its result.
public final class EnvironmentCache: Sendable {
    private struct State {
        var generation = 0
        var settings: [String: EnvironmentSettings] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    var generation: Int { state.withLock { $0.generation } }

    func known(org: OrgID, environment: DeployEnvironment) -> EnvironmentSettings? {
        state.withLock { $0.settings[org.rawValue + "/" + environment.rawValue] }
    }

    func remember(_ settings: EnvironmentSettings, org: OrgID, environment: DeployEnvironment, generation: Int) {
        state.withLock { if $0.generation == generation { $0.settings[org.rawValue + "/" + environment.rawValue] = settings } }
    }

    func invalidate(org: OrgID) {
        state.withLock { state in
            state.generation += 1
            state.settings = state.settings.filter { !$0.key.hasPrefix(org.rawValue + "/") }
        }
    }
}
