import Core
import Platform
import Storage
import Synchronization

/// Search, saved searches, favourites, recent items and comments (docs/collaboration.md). What
/// `SearchRoutes`, `FavoriteRoutes` and `CommentRoutes` are given; built by `agentd` (Daemon/APIWiring.swift).
public struct CollaborationService: Sendable {
    public let search: SearchIndex
    public let lists: PersonalLists
    public let comments: CommentStore
    public let audit: AuditLog
    public let limits: RequestLimits
    public let clock: WallClock

    public init(search: SearchIndex, lists: PersonalLists, comments: CommentStore, audit: AuditLog, limits: RequestLimits, clock: WallClock) {
        self.search = search
        self.lists = lists
        self.comments = comments
        self.audit = audit
        self.limits = limits
        self.clock = clock
    }

    /// Empties the search index and fills it again, audited.
    func rebuild(change: ChangeContext) async throws -> (SearchIndex.Rebuilt, Double) {
        let began = ContinuousClock.now
        let rebuilt = try await search.rebuild()
        let seconds = (ContinuousClock.now - began).inSeconds
        try await audit.record(AuditEntry(at: clock.now(), orgID: nil, actor: change.actor, action: .searchIndexRebuilt,
                                          targetType: ResourceType.searchIndex.rawValue, targetID: "search", requestID: change.requestID,
                                          details: ["definitions": "\(rebuilt.definitions)", "executions": "\(rebuilt.executions)"]))
        return (rebuilt, seconds)
    }
}

extension PersonalLists {
    /// Notes that `caller` opened something, without making the answer wait for the write (a
    /// lost note costs a recent item, nothing else).
    func note(_ kind: SearchQuery.Kind, id: String, caller: Caller?, at now: Instant) {
        guard let caller else { return }
        let owner = caller.owner, scope = caller.scope
        guard RecentNotes.shared.due(scope.orgID.rawValue + " " + owner + " " + id, at: now) else { return }
        Task { try? await opened(kind, id: id, in: scope, owner: owner, at: now) }
    }
}

/// When each person's view of each thing was last noted. why: a program that polls an
/// execution (`GET /api/v1/executions/ID` every second) would otherwise write a row per poll;
/// a view noted within the last minute is not noted again. Held in memory only, bounded.
final class RecentNotes: Sendable {
    static let shared = RecentNotes()
    static let interval: Int64 = 60_000
    static let capacity = 10_000
    private let noted = Mutex<[String: Int64]>([:])

    /// True (and remembered) when `key` was not noted in the last minute.
    func due(_ key: String, at now: Instant) -> Bool {
        noted.withLock { noted in
            let millis = now.millisecondsSinceEpoch
            if let last = noted[key], millis - last < Self.interval, millis >= last { return false }
            if noted.count >= Self.capacity { noted.removeAll(keepingCapacity: true) }
            noted[key] = millis
            return true
        }
    }
}

extension Caller {
    /// Whose personal lists (saved searches, favourites, recent items) this caller reads and
    /// writes: the user (an API key's owner), or the socket administrator's uid.
    var owner: String { userID?.rawValue ?? name }
}
