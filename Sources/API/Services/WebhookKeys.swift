import Core
import Foundation
import Storage
import Synchronization

/// The webhooks a receiver has just looked up, with their opened secrets, kept for a second:
/// a burst of deliveries costs one read of the webhook and one of its secret, not one per
/// delivery. Rotating or deleting a webhook here forgets it at once; a secret changed some
/// other way (`agentctl secrets set` on its path) takes effect within `lifetime`.
final class WebhookKeys: Sendable {
    struct Entry {
        let webhook: WebhookRecord
        /// The opened secret and its version; nil when the path has no secret any more.
        let key: (bytes: [UInt8], version: Int)?
        /// The webhook's transform, compiled once (nil: none, or one that no longer compiles).
        let transform: WebhookTransform?
        let until: ContinuousClock.Instant
    }

    static let lifetime: Duration = .seconds(1)
    /// Most webhooks held; past it the cache starts again (deliveries then read the database).
    static let capacity = 10_000
    private let entries = Mutex<[String: Entry]>([:])

    func cached(_ id: String) -> Entry? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[id], entry.until > now else { return nil }
            return entry
        }
    }

    func keep(_ webhook: WebhookRecord, key: (bytes: [UInt8], version: Int)?) {
        let entry = Entry(webhook: webhook, key: key, transform: webhook.transform.flatMap { try? WebhookTransform($0) },
                          until: ContinuousClock.now + Self.lifetime)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[webhook.id.rawValue] = entry
        }
    }

    func forget(_ id: WebhookID) {
        _ = entries.withLock { $0.removeValue(forKey: id.rawValue) }
    }
}
