import Core
import Testing
@testable import Storage

@Suite struct OrgStoreTests {
    let directory: TemporaryDirectory
    let database: AgentDatabase
    let orgs: OrgStore
    let installation: Scope

    init() throws {
        directory = try TemporaryDirectory()
        database = try openDatabase(in: directory)
        orgs = OrgStore(database: database)
        installation = Scope(orgID: OrgID.generate(at: testNow), reach: .installation, roles: [.admin])
    }

    @Test func createsAndFindsByIDOrName() async throws {
        let acme = try await orgs.create(name: "acme", displayName: "ACME Corp", in: installation, now: testNow)
        #expect(try await orgs.get(acme.id.rawValue, in: installation) == acme)
        #expect(try await orgs.get("acme", in: installation) == acme)
        #expect(acme.displayName == "ACME Corp")
        #expect(acme.createdAt == testNow)
        await database.writer.stop()
    }

    @Test func aTakenNameIsRefusedAndNothingIsWritten() async throws {
        _ = try await orgs.create(name: "acme", displayName: nil, in: installation, now: testNow)
        await #expect(throws: StorageError.alreadyExists(.org, field: "name", value: "acme")) {
            try await orgs.create(name: "acme", displayName: nil, in: installation, now: testNow)
        }
        #expect(try await orgs.list(in: installation, page: PageRequest()).items.count == 1)
        await database.writer.stop()
    }

    @Test func aBadNameIsAValidationError() async throws {
        await #expect(throws: ValidationError.self) {
            try await orgs.create(name: "Not Valid", displayName: nil, in: installation, now: testNow)
        }
        await database.writer.stop()
    }

    @Test func anotherTenantsOrgIsNotFoundNeverForbidden() async throws {
        let acme = try await orgs.create(name: "acme", displayName: nil, in: installation, now: testNow)
        let globex = try await orgs.create(name: "globex", displayName: nil, in: installation, now: testNow)
        let acmeAdmin = Scope(orgID: acme.id, reach: .org, roles: [.admin])

        #expect(try await orgs.get("acme", in: acmeAdmin) == acme)
        await #expect(throws: StorageError.notFound(.org, id: globex.id.rawValue)) {
            try await orgs.get(globex.id.rawValue, in: acmeAdmin)
        }
        await #expect(throws: StorageError.notFound(.org, id: "globex")) {
            try await orgs.update("globex", name: "taken", displayName: nil, in: acmeAdmin, now: testNow)
        }
        await #expect(throws: StorageError.notFound(.org, id: "globex")) {
            try await orgs.delete("globex", in: acmeAdmin)
        }
        #expect(try await orgs.list(in: acmeAdmin, page: PageRequest()).items.map(\.name) == ["acme"])
        #expect(try await orgs.get("globex", in: installation).name == "globex")
        await database.writer.stop()
    }

    @Test func pagesFollowOneAnotherWithoutGapsOrRepeats() async throws {
        for index in 0..<5 {
            _ = try await orgs.create(name: "org-\(index)", displayName: nil, in: installation,
                                      now: testNow.adding(milliseconds: Int64(index)))
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
        _ = try await orgs.create(name: "acme", displayName: nil, in: installation, now: testNow)
        _ = try await orgs.create(name: "globex", displayName: nil, in: installation, now: testNow)
        let renamed = try await orgs.update("acme", name: "acme-corp", displayName: "ACME", in: installation,
                                            now: testNow.adding(milliseconds: 5))
        #expect(renamed.name == "acme-corp")
        #expect(renamed.updatedAt == testNow.adding(milliseconds: 5))
        await #expect(throws: StorageError.alreadyExists(.org, field: "name", value: "globex")) {
            try await orgs.update("acme-corp", name: "globex", displayName: nil, in: installation, now: testNow)
        }
        #expect(try await orgs.get(renamed.id.rawValue, in: installation).name == "acme-corp")
        await database.writer.stop()
    }

    @Test func theDefaultOrgIsMadeOnceAndProtected() async throws {
        let first = try await orgs.ensureDefault(now: testNow)
        let second = try await orgs.ensureDefault(now: testNow.adding(milliseconds: 10))
        #expect(first == second)
        await #expect(throws: StorageError.self) { try await orgs.delete("default", in: installation) }
        await #expect(throws: StorageError.self) {
            try await orgs.update("default", name: "other", displayName: nil, in: installation, now: testNow)
        }
        #expect(try await orgs.get("default", in: installation) == first)
        await database.writer.stop()
    }

    @Test func deleteRemovesTheOrg() async throws {
        let acme = try await orgs.create(name: "acme", displayName: nil, in: installation, now: testNow)
        #expect(try await orgs.delete("acme", in: installation) == acme)
        await #expect(throws: StorageError.notFound(.org, id: "acme")) { try await orgs.get("acme", in: installation) }
        await database.writer.stop()
    }
}
