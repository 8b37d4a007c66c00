import Logging
import Synchronization

/// The level every agentd log handler uses, changeable while running (`systemctl reload`).
public final class LogLevelControl: Sendable {
    private static let levels = Logger.Level.allCases
    private let current: Atomic<Int>

    public init(_ level: Logger.Level) { current = Atomic(Self.levels.firstIndex(of: level) ?? 2) }

    public var level: Logger.Level {
        get { Self.levels[current.load(ordering: .relaxed)] }
        set { current.store(Self.levels.firstIndex(of: newValue) ?? 2, ordering: .relaxed) }
    }
}
