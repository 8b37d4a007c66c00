import Core
import GRDB
import AgentSecurity
import Testing
@testable import Storage

@Suite struct AuditLogTests {
    let directory: TemporaryDirectory
    let database: AgentDatabase
    let audit: AuditLog
    let orgs: OrgStore
    let installation: Scope

    init() throws {
        directory = try TemporaryDirectory()
        database = try openDatabase(in: directory)
        audit = AuditLog(database: database, digest: ChainDigest.sha256)
        orgs = OrgStore(database: database, audit: audit)
        installation = Scope(orgID: OrgID.generate(at: testNow), reach: .installation, roles: [.admin])
    }

    func change(_ scope: Scope) -> ChangeContext {
        ChangeContext(scope: scope, actor: "uid:0", requestID: "req-1", now: testNow)
    }

    @Test func everyOrgChangeIsAuditedInItsOwnTransaction() async throws {
        let acme = try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        _ = try await orgs.update("acme", name: "acme-corp", displayName: nil, context: change(installation))
        _ = try await orgs.delete("acme-corp", context: change(installation))
        let events = try await audit.list(in: installation, filter: .init(), page: PageRequest()).items
        #expect(events.map(\.entry.action) == [.orgCreated, .orgUpdated, .orgDeleted])
        #expect(events.allSatisfy { $0.entry.targetID == acme.id.rawValue && $0.entry.actor == "uid:0" })
        #expect(events[1].entry.details["name"] == "acme -> acme-corp")
        #expect(events.map(\.sequence) == [1, 2, 3])
        #expect(try await audit.verify().firstBreak == nil)
        await database.writer.stop()
    }

    @Test func aRefusedChangeLeavesNoAuditRow() async throws {
        _ = try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        await #expect(throws: StorageError.self) {
            try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        }
        #expect(try await audit.list(in: installation, filter: .init(), page: PageRequest()).items.count == 1)
        await database.writer.stop()
    }

    @Test func anOrgScopeSeesOnlyItsOwnEvents() async throws {
        let acme = try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        _ = try await orgs.create(name: "globex", displayName: nil, context: change(installation))
        let acmeScope = Scope(orgID: acme.id, reach: .org, roles: [.admin])
        let seen = try await audit.list(in: acmeScope, filter: .init(), page: PageRequest()).items
        #expect(seen.map(\.entry.orgID) == [acme.id.rawValue])
        await database.writer.stop()
    }

    @Test func filtersByActionAndTime() async throws {
        _ = try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        _ = try await orgs.delete("acme", context: change(installation))
        let deletions = try await audit.list(in: installation, filter: .init(action: .orgDeleted), page: PageRequest()).items
        #expect(deletions.count == 1)
        let future = try await audit.list(in: installation, filter: .init(since: testNow.adding(milliseconds: 1)), page: PageRequest()).items
        #expect(future.isEmpty)
        await database.writer.stop()
    }

    static let tamperings: [(String, String)] = [
        ("UPDATE audit_event SET actor = 'uid:1000' WHERE seq = 2", "row 2 was changed"),
        ("UPDATE audit_event SET details = '{\"name\":\"x\"}' WHERE seq = 3", "row 3 was changed"),
        ("DELETE FROM audit_event WHERE seq = 2", "rows 2 to 2 are missing"),
        ("UPDATE audit_event SET prev_hash = hash WHERE seq = 4", "row 4 does not link"),
    ]

    @Test(arguments: tamperings)
    func tamperingIsFoundAtTheRowItTouched(_ sql: String, _ reason: String) async throws {
        for index in 0..<5 {
            _ = try await orgs.create(name: "org-\(index)", displayName: nil, context: change(installation))
        }
        #expect(try await audit.verify().firstBreak == nil)
        #expect(try await audit.verify().checked == 5)
        try await database.writer.submit { db in try db.execute(sql: sql) }
        let result = try await audit.verify()
        let broken = try #require(result.firstBreak)
        #expect(broken.reason.contains(reason), "\(broken.reason)")
        await database.writer.stop()
    }
}

@Suite struct AuditChainTests {
    static let digest: AuditChain.Digest = ChainDigest.sha256

    @Test func sha256IsTheStandardFunction() {
        // echo -n abc | sha256sum
        let hex = ChainDigest.sha256(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func canonicalBytesDistinguishFieldBoundaries() {
        let a = AuditEntry(at: testNow, orgID: "ab", actor: "c", action: .orgCreated)
        let b = AuditEntry(at: testNow, orgID: "a", actor: "bc", action: .orgCreated)
        #expect(AuditChain.canonicalBytes(sequence: 1, entry: a, previousHash: AuditChain.genesis)
            != AuditChain.canonicalBytes(sequence: 1, entry: b, previousHash: AuditChain.genesis))
    }
}
