import Logging
import Synchronization

/// The level every agentd log handler uses, changeable while running (`systemctl reload`),
/// and whether they mask personal data in metadata values (`[privacy] mask_logs`).
public final class LogLevelControl: Sendable {
    private static let levels = Logger.Level.allCases
    private let current: Atomic<Int>
    private let masking: Atomic<Bool>

    public init(_ level: Logger.Level, maskPersonalData: Bool = true) {
        current = Atomic(Self.levels.firstIndex(of: level) ?? 2)
        masking = Atomic(maskPersonalData)
    }

    /// Metadata values are masked with PII detection before they are written (docs/logging.md).
    public var masksPersonalData: Bool {
        get { masking.load(ordering: .relaxed) }
        set { masking.store(newValue, ordering: .relaxed) }
    }

    public var level: Logger.Level {
        get { Self.levels[current.load(ordering: .relaxed)] }
        set { current.store(Self.levels.firstIndex(of: newValue) ?? 2, ordering: .relaxed) }
    }
}
