import Core
import AgentSecurity
import Testing
@testable import Storage

@Suite struct OrgStoreTests {
    let directory: TemporaryDirectory
    let database: AgentDatabase
    let orgs: OrgStore
    let audit: AuditLog
    let installation: Scope

    init() throws {
        directory = try TemporaryDirectory()
        database = try openDatabase(in: directory)
        audit = AuditLog(database: database, digest: ChainDigest.sha256)
        orgs = OrgStore(database: database, audit: audit)
        installation = Scope(orgID: OrgID.generate(at: testNow), reach: .installation, roles: [.admin])
    }

    func change(_ scope: Scope, at now: Instant = testNow) -> ChangeContext {
        ChangeContext(scope: scope, actor: "uid:0", requestID: "req-test", now: now)
    }

    @Test func createsAndFindsByIDOrName() async throws {
        let acme = try await orgs.create(name: "acme", displayName: "ACME Corp", context: change(installation))
        #expect(try await orgs.get(acme.id.rawValue, in: installation) == acme)
        #expect(try await orgs.get("acme", in: installation) == acme)
        #expect(acme.displayName == "ACME Corp")
        #expect(acme.createdAt == testNow)
        await database.writer.stop()
    }

    @Test func aTakenNameIsRefusedAndNothingIsWritten() async throws {
        _ = try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        await #expect(throws: StorageError.alreadyExists(.org, field: "name", value: "acme")) {
            try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        }
        #expect(try await orgs.list(in: installation, page: PageRequest()).items.count == 1)
        await database.writer.stop()
    }

    @Test func aBadNameIsAValidationError() async throws {
        await #expect(throws: ValidationError.self) {
            try await orgs.create(name: "Not Valid", displayName: nil, context: change(installation))
        }
        await database.writer.stop()
    }

    @Test func anotherTenantsOrgIsNotFoundNeverForbidden() async throws {
        let acme = try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        let globex = try await orgs.create(name: "globex", displayName: nil, context: change(installation))
        let acmeAdmin = Scope(orgID: acme.id, reach: .org, roles: [.admin])

        #expect(try await orgs.get("acme", in: acmeAdmin) == acme)
        await #expect(throws: StorageError.notFound(.org, id: globex.id.rawValue)) {
            try await orgs.get(globex.id.rawValue, in: acmeAdmin)
        }
        await #expect(throws: StorageError.notFound(.org, id: "globex")) {
            try await orgs.update("globex", name: "taken", displayName: nil, context: change(acmeAdmin))
        }
        await #expect(throws: StorageError.notFound(.org, id: "globex")) {
            try await orgs.delete("globex", context: change(acmeAdmin))
        }
        #expect(try await orgs.list(in: acmeAdmin, page: PageRequest()).items.map(\.name) == ["acme"])
        #expect(try await orgs.get("globex", in: installation).name == "globex")
        await database.writer.stop()
    }

    @Test func pagesFollowOneAnotherWithoutGapsOrRepeats() async throws {
        for index in 0..<5 {
            _ = try await orgs.create(name: "org-\(index)", displayName: nil, context: change(installation, at: testNow.adding(milliseconds: Int64(index))))
        }
        var names: [String] = []
        var after: String?
        var pages = 0
        repeat {
            let page = try await orgs.list(in: installation, page: PageRequest(limit: 2, after: after))
            names += page.items.map(\.name)
            after = page.nextAfter
            pages += 1
        } while after != nil
        #expect(names == (0..<5).map { "org-\($0)" })
        #expect(pages == 3)
        await database.writer.stop()
    }

    @Test func renamesAndRefusesATakenName() async throws {
        _ = try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        _ = try await orgs.create(name: "globex", displayName: nil, context: change(installation))
        let renamed = try await orgs.update("acme", name: "acme-corp", displayName: "ACME", context: change(installation, at: testNow.adding(milliseconds: 5)))
        #expect(renamed.name == "acme-corp")
        #expect(renamed.updatedAt == testNow.adding(milliseconds: 5))
        await #expect(throws: StorageError.alreadyExists(.org, field: "name", value: "globex")) {
            try await orgs.update("acme-corp", name: "globex", displayName: nil, context: change(installation))
        }
        #expect(try await orgs.get(renamed.id.rawValue, in: installation).name == "acme-corp")
        await database.writer.stop()
    }

    @Test func theDefaultOrgIsMadeOnceAndProtected() async throws {
        let first = try await orgs.ensureDefault(now: testNow)
        let second = try await orgs.ensureDefault(now: testNow.adding(milliseconds: 10))
        #expect(first == second)
        await #expect(throws: StorageError.self) { try await orgs.delete("default", context: change(installation)) }
        await #expect(throws: StorageError.self) {
            try await orgs.update("default", name: "other", displayName: nil, context: change(installation))
        }
        #expect(try await orgs.get("default", in: installation) == first)
        await database.writer.stop()
    }

    @Test func deleteRemovesTheOrg() async throws {
        let acme = try await orgs.create(name: "acme", displayName: nil, context: change(installation))
        #expect(try await orgs.delete("acme", context: change(installation)) == acme)
        await #expect(throws: StorageError.notFound(.org, id: "acme")) { try await orgs.get("acme", in: installation) }
        await database.writer.stop()
    }
}
