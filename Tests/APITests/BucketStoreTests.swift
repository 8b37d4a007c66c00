@testable import API
import Core
import Testing

/// The login buckets' memory bound must not become a way to reset them.
@Suite struct BucketStoreTests {
    let start = Instant(millisecondsSinceEpoch: 1_000_000)

    @Test func theStoreStaysBoundedByManyNames() {
        let store = BucketStore(maximumKeys: 100)
        for index in 0..<1_000 { _ = store.take([("login-name:guess-\(index)", 10)], now: start, periodMilliseconds: 60_000) }
        #expect(store.count <= 100)
    }

    @Test func makingRoomForgetsRefilledBucketsNotAnExhaustedOne() {
        let store = BucketStore(maximumKeys: 50)
        for index in 0..<45 { _ = store.take([("old-\(index)", 1)], now: start, periodMilliseconds: 60_000) }
        let late = start.adding(milliseconds: 59_000)
        #expect(store.take([("victim", 1)], now: late, periodMilliseconds: 60_000).allowed)
        // A minute after the old ones: they have refilled, the victim has not; new names flood in.
        let now = start.adding(milliseconds: 60_000)
        for index in 0..<10 { _ = store.take([("new-\(index)", 1)], now: now, periodMilliseconds: 60_000) }
        #expect(!store.take([("victim", 1)], now: now, periodMilliseconds: 60_000).allowed, "the flood reset the victim's bucket")
    }
}
