import Core
import Testing
@testable import Engine
@testable import Storage

/// `Dispatcher`: FIFO within an org, round-robin across orgs, no job queued twice under one
/// token, hand-off to a waiting worker, and close.
@Suite struct DispatcherTests {
    static func ticket(_ org: String, _ id: Int64, token: Int = 1) -> JobTicket {
        JobTicket(id: id, executionID: "exe_\(id)", node: "n", attempt: 1, purpose: .run, orgID: org, token: token, readyAt: 0)
    }

    /// Takes `count` jobs (none must be waiting for) and names them `org#id`.
    static func drain(_ dispatcher: Dispatcher, _ count: Int) async -> [String] {
        var names: [String] = []
        for _ in 0..<count {
            guard let handout = await dispatcher.next() else { break }
            names.append("\(handout.ticket.orgID)#\(handout.ticket.id)")
        }
        return names
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// Batches enqueued in order, each as (org, id).
        let batches: [[(String, Int64)]]
        let order: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one org: first in, first out", batches: [[("a", 1), ("a", 2), ("a", 3)]], order: ["a#1", "a#2", "a#3"]),
        Case(name: "a backlog does not starve another org's one job", batches: [[("a", 1), ("a", 2), ("a", 3), ("a", 4)], [("b", 5)]],
             order: ["a#1", "b#5", "a#2", "a#3", "a#4"]),
        Case(name: "three orgs take turns", batches: [[("a", 1), ("a", 2), ("b", 3), ("b", 4), ("c", 5), ("c", 6)]],
             order: ["a#1", "b#3", "c#5", "a#2", "b#4", "c#6"]),
        Case(name: "an org that comes back joins the end of the rotation", batches: [[("a", 1)], [("b", 2), ("b", 3)], [("a", 4)]],
             order: ["a#1", "b#2", "a#4", "b#3"]),
    ]

    @Test(arguments: cases)
    func order(_ scenario: Case) async {
        let dispatcher = Dispatcher()
        for batch in scenario.batches { dispatcher.enqueue(batch.map { Self.ticket($0.0, $0.1) }) }
        #expect(dispatcher.depth == scenario.order.count)
        #expect(await Self.drain(dispatcher, scenario.order.count) == scenario.order)
        #expect(dispatcher.depth == 0)
    }

    /// An org that empties its queue between `next` calls and enqueues again goes to the back.
    @Test func anOrgServedEmptyRejoinsBehindTheOthers() async {
        let dispatcher = Dispatcher()
        dispatcher.enqueue([Self.ticket("a", 1), Self.ticket("b", 2), Self.ticket("b", 3)])
        #expect(await Self.drain(dispatcher, 1) == ["a#1"])
        dispatcher.enqueue([Self.ticket("a", 4)])
        #expect(await Self.drain(dispatcher, 3) == ["b#2", "a#4", "b#3"])
    }

    @Test func aJobIsQueuedOncePerToken_untilItIsForgotten() async {
        let dispatcher = Dispatcher()
        #expect(dispatcher.enqueue([Self.ticket("a", 1), Self.ticket("a", 1)]) == 1)
        #expect(dispatcher.enqueue([Self.ticket("a", 1)]) == 0)
        // Taken over after its lease expired: a new token is a new entry.
        #expect(dispatcher.enqueue([Self.ticket("a", 1, token: 2)]) == 1)
        let first = await dispatcher.next()
        #expect(first?.ticket.token == 1)
        // Running, not forgotten: a timer poll that finds it again does not queue it.
        #expect(dispatcher.enqueue([Self.ticket("a", 1)]) == 0)
        dispatcher.forget(Self.ticket("a", 1))
        #expect(dispatcher.enqueue([Self.ticket("a", 1)]) == 1)
        #expect(dispatcher.depth == 2)
    }

    @Test func claimTakesAJobNotKnown_andThenEnqueueIgnoresIt() {
        let dispatcher = Dispatcher()
        #expect(dispatcher.claim(Self.ticket("a", 1)))
        #expect(dispatcher.claim(Self.ticket("a", 1)) == false)
        #expect(dispatcher.enqueue([Self.ticket("a", 1)]) == 0)
        #expect(dispatcher.depth == 0)
        dispatcher.enqueue([Self.ticket("a", 2)])
        #expect(dispatcher.claim(Self.ticket("a", 2)) == false)
    }

    @Test func aWorkerThatAskedFirstIsHandedTheJobWhenItComes() async {
        let dispatcher = Dispatcher()
        // Whether the worker is waiting already or asks just after, it gets the job, once.
        let worker = Task { await dispatcher.next()?.ticket.id }
        #expect(dispatcher.enqueue([Self.ticket("a", 7)]) == 1)
        #expect(await worker.value == 7)
        #expect(dispatcher.depth == 0)
    }

    @Test func closeWakesWaitingWorkersWithNothing_andRefusesMore() async {
        let dispatcher = Dispatcher()
        let workers = (0..<3).map { _ in Task { await dispatcher.next() == nil } }
        dispatcher.enqueue([Self.ticket("a", 1)])
        dispatcher.close()
        var woken = 0
        for worker in workers where await worker.value { woken += 1 }
        // The one job went to one of the three (if it was waiting yet); the rest got nil.
        #expect(woken >= 2)
        #expect(dispatcher.enqueue([Self.ticket("a", 2)]) == 0)
        #expect(dispatcher.claim(Self.ticket("a", 3)) == false)
        #expect(await dispatcher.next() == nil)
    }

    /// Random enqueues, takes and forgets against a model: per org FIFO, never a job twice
    /// under one token, round-robin between orgs with queued jobs, depth exact.
    @Test func randomizedAgainstAModel() async {
        var random = SeededGenerator(seed: testSeed("DispatcherTests.randomizedAgainstAModel"))
        let dispatcher = Dispatcher()
        let orgs = ["a", "b", "c", "d"]
        var queues: [String: [Int64]] = [:]
        var rotation: [String] = []
        var known: Set<Int64> = []
        var running: [Int64] = []
        var nextID: Int64 = 1
        for step in 0..<3000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                let org = orgs.randomElement(using: &random)!
                // Sometimes a job already known (a timer poll finding it again).
                let reuse = !known.isEmpty && Bool.random(using: &random)
                let id = reuse ? known.randomElement(using: &random)! : nextID
                if !reuse { nextID += 1 }
                let orgOfID = reuse ? (queues.first { $0.value.contains(id) }?.key ?? org) : org
                let added = dispatcher.enqueue([Self.ticket(orgOfID, id)])
                guard added == (reuse ? 0 : 1) else {
                    Issue.record("step \(step): enqueue of job \(id) (known: \(reuse)) added \(added)")
                    return
                }
                if !reuse {
                    known.insert(id)
                    if queues[org, default: []].isEmpty, !rotation.contains(org) { rotation.append(org) }
                    queues[org, default: []].append(id)
                }
            case 5..<8:
                guard let org = rotation.first else { continue }
                let handout = await dispatcher.next()
                let expected = queues[org]!.removeFirst()
                // The first difference is the finding; what follows it would only repeat it.
                guard handout?.ticket.id == expected else {
                    Issue.record("step \(step): handed \(String(describing: handout?.ticket.id)), the model expected \(expected) of org \(org)")
                    return
                }
                rotation.removeFirst()
                if !queues[org]!.isEmpty { rotation.append(org) }
                running.append(expected)
            default:
                guard !running.isEmpty else { continue }
                let id = running.remove(at: Int.random(in: 0..<running.count, using: &random))
                dispatcher.forget(Self.ticket("?", id))
                known.remove(id)
            }
            guard dispatcher.depth == queues.values.reduce(0, { $0 + $1.count }) else {
                Issue.record("step \(step): depth \(dispatcher.depth), the model has \(queues.values.reduce(0) { $0 + $1.count })")
                return
            }
        }
    }
}
