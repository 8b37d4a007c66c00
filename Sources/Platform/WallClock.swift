import Core
import Foundation

/// Reads the system clock. The only place outside tests that turns "now" into an `Instant`;
/// everything below receives the value.
public struct WallClock: Sendable {
    public init() {}

    public func now() -> Instant {
        Instant(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
