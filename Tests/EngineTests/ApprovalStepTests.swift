import Core
import Foundation
import GRDB
import Testing
@testable import Engine
@testable import Storage

/// `approval` steps on a real database and engine, with the test clock: the step waits with no
/// worker, decisions settle it by quorum or a rejection, the expiry follows `on_expiry`, and the
/// decision is the step's output downstream.
@Suite struct ApprovalStepTests {
    /// review (approval) → after (transform reading the decision).
    static func workflow(_ config: JSONValue) -> JSONValue {
        ["workflow": "refund", "nodes": [
            "review": ["kind": "approval", "config": config],
            "after": ["kind": "transform", "input": ["decision": "{{ nodes.review.output.decision }}", "comment": "{{ nodes.review.output.comment }}"],
                      "config": ["output": "{{ input }}"]],
        ], "edges": ["review -> after"]]
    }

    /// A member of the harness's org with `role`, optionally in team `team`.
    func member(_ harness: Harness, _ login: String, role: String = "operator", team: String? = nil) async throws -> UserID {
        let profile = try await UserStore(database: harness.database, audit: harness.audit)
            .create(login: login, displayName: nil, unixUID: nil, orgReference: nil, role: role, context: harness.context())
        if let team {
            let teams = TeamStore(database: harness.database, audit: harness.audit)
            if (try? await teams.get(team, in: harness.scope)) == nil { _ = try await teams.create(name: team, orgReference: nil, context: harness.context()) }
            _ = try await teams.setMember(team: team, user: login, role: nil, context: harness.context())
        }
        return profile.user.id
    }

    func context(_ harness: Harness, _ user: UserID) -> ChangeContext {
        ChangeContext(scope: harness.scope, actor: "user:\(user.rawValue)", requestID: nil, now: harness.clock.now)
    }

    /// Starts `refund` as `starter` and waits until its approval request is open.
    func start(_ harness: Harness, _ engine: Engine, as starter: UserID? = nil) async throws -> (execution: String, approval: String) {
        let context = starter.map { self.context(harness, $0) } ?? harness.context()
        let id = try await engine.submit(NewExecution(workflow: "refund", input: ["amount": 120]), context: context).0.id.rawValue
        var approval: String?
        _ = try await eventually {
            approval = try await harness.database.read { db in
                try String.fetchOne(db, sql: "SELECT id FROM approval WHERE execution_id = ? AND status = 'pending'", arguments: [id])
            }
            return approval != nil
        }
        return (id, try #require(approval))
    }

    @Test func aQuorumOfTwoApproves_andTheDecisionIsTheStepsOutput() async throws {
        try await withHarness("approval-quorum") { harness in
            try await harness.apply(Self.workflow(["approvers": ["role:operator"], "quorum": 2, "message": "Refund {{ input.amount }}?"]))
            let alice = try await member(harness, "alice"), bob = try await member(harness, "bob")
            let engine = try await harness.engine()
            let (execution, approval) = try await start(harness, engine)
            // Waiting holds no worker and no job but the request; with only a waiting step left, the execution waits.
            #expect(try await harness.execution(execution).1["review"]?.status == .waiting)
            #expect(try await harness.execution(execution).0.status == .waiting)
            let store = harness.store()
            let (first, effects) = try await store.decide(approval, .approve, comment: "ok", by: alice, context: context(harness, alice))
            #expect(first.status == .pending && effects.ready.isEmpty && first.message == "Refund 120?")
            harness.clock.advance(by: 1000)
            let (second, settled) = try await store.decide(approval, .approve, comment: "fine by me", by: bob, context: context(harness, bob))
            engine.accept(settled)
            #expect(second.status == .approved && second.votes.map(\.login) == ["alice", "bob"])
            #expect(try await harness.finish(engine, execution) == .succeeded)
            let (record, steps) = try await harness.execution(execution)
            #expect(record.output == ["after": ["decision": "approved", "comment": "fine by me"]])
            #expect(steps["review"]?.output?["approved"] == true && steps["review"]?.output?["decisions"]?.arrayValue?.count == 2)
        }
    }

    @Test func oneRejectionRejects_andTheSameRightIsNotUsedTwice() async throws {
        try await withHarness("approval-reject") { harness in
            try await harness.apply(Self.workflow(["approvers": ["role:operator", "carol"], "quorum": 2]))
            let alice = try await member(harness, "alice"), carol = try await member(harness, "carol", role: "viewer")
            let dave = try await member(harness, "dave", role: "viewer")
            let engine = try await harness.engine()
            let (execution, approval) = try await start(harness, engine)
            let store = harness.store()
            _ = try await store.decide(approval, .approve, comment: nil, by: alice, context: context(harness, alice))
            await #expect(throws: ApprovalRefusal.alreadyDecided) {
                _ = try await store.decide(approval, .approve, comment: nil, by: alice, context: context(harness, alice))
            }
            await #expect(throws: ApprovalRefusal.notAnApprover) {
                _ = try await store.decide(approval, .approve, comment: nil, by: dave, context: context(harness, dave))
            }
            let (rejected, effects) = try await store.decide(approval, .reject, comment: "amount too high", by: carol, context: context(harness, carol))
            engine.accept(effects)
            #expect(rejected.status == .rejected)
            #expect(try await harness.finish(engine, execution) == .succeeded)
            #expect(try await harness.execution(execution).0.output == ["after": ["decision": "rejected", "comment": "amount too high"]])
            await #expect(throws: ApprovalRefusal.notPending(.rejected)) {
                _ = try await store.decide(approval, .approve, comment: nil, by: carol, context: context(harness, carol))
            }
        }
    }

    @Test func whoStartedTheExecutionMayNotDecide_evenWithADelegatedRight() async throws {
        try await withHarness("approval-self") { harness in
            try await harness.apply(Self.workflow(["approvers": ["team:finance"]]))
            let alice = try await member(harness, "alice", team: "finance"), erin = try await member(harness, "erin", role: "viewer")
            let engine = try await harness.engine()
            let (_, approval) = try await start(harness, engine, as: alice)
            await #expect(throws: ApprovalRefusal.selfApproval) {
                _ = try await harness.store().decide(approval, .approve, comment: nil, by: alice, context: context(harness, alice))
            }
            // erin holds no right of her own; alice's, delegated to her, is the requester's.
            try await harness.database.writer.submit { db in
                try db.execute(sql: "INSERT INTO approval_delegation (org_id, user_id, delegate_id, until, created_at) VALUES (?, ?, ?, ?, 0)",
                               arguments: [harness.scope.orgID.rawValue, alice.rawValue, erin.rawValue, harness.clock.now.millisecondsSinceEpoch + 60_000])
            }
            await #expect(throws: ApprovalRefusal.notAnApprover) {
                _ = try await harness.store().decide(approval, .approve, comment: nil, by: erin, context: context(harness, erin))
            }
        }
    }

    @Test(arguments: [("reject", "rejected"), ("approve", "approved"), ("fail", "failed")])
    func anUndecidedRequestExpiresByItsPolicy(_ onExpiry: String, _ expected: String) async throws {
        try await withHarness("approval-expiry-\(onExpiry)") { harness in
            try await harness.apply(Self.workflow(["approvers": ["role:operator"], "expires_after_ms": 60_000, "on_expiry": .string(onExpiry)]))
            let engine = try await harness.engine()
            let (execution, approval) = try await start(harness, engine)
            harness.advance(engine, by: 61_000)
            let status = try await harness.finish(engine, execution)
            let request = try await harness.database.read { db in try ApprovalRows.visible(approval, harness.scope, db) }
            #expect(request.status == .expired)
            if expected == "failed" {
                #expect(status == .failed)
                #expect(try await harness.execution(execution).1["review"]?.error?["kind"] == "timeout")
            } else {
                #expect(status == .succeeded)
                #expect(try await harness.execution(execution).0.output?["after"]?["decision"] == .string(expected))
                #expect(try await harness.execution(execution).1["review"]?.output?["expired"] == true)
            }
        }
    }

    @Test func cancellingTheExecutionCancelsItsRequest() async throws {
        try await withHarness("approval-cancel") { harness in
            try await harness.apply(Self.workflow(["approvers": ["role:operator"], "expires_after_ms": 60_000]))
            let alice = try await member(harness, "alice")
            let engine = try await harness.engine()
            let (execution, approval) = try await start(harness, engine)
            _ = try await engine.cancel(execution, context: harness.context())
            let request = try await harness.database.read { db in try ApprovalRows.visible(approval, harness.scope, db) }
            #expect(request.status == .cancelled)
            await #expect(throws: ApprovalRefusal.notPending(.cancelled)) {
                _ = try await harness.store().decide(approval, .approve, comment: nil, by: alice, context: context(harness, alice))
            }
            // The expiry's job went with the execution's other jobs.
            #expect(try await harness.database.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM job WHERE execution_id = ? AND status = 'open'", arguments: [execution])
            } == 0)
        }
    }
}
