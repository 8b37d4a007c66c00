import Core
import Foundation

/// The writer's inbox: callers push from any thread; the writer thread takes batches.
///
/// why @unchecked: every stored property is guarded by `condition`.
final class UnitQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var units: [any PendingUnit] = []
    private var closed = false

    /// Queues a unit; false if the queue is closed (the unit was not taken).
    func push(_ unit: any PendingUnit) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        units.append(unit)
        condition.signal()
        return true
    }

    /// Refuses new units; units already queued are still handed out.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Fails every queued unit with `writerStopped` (for a writer that never started).
    func failAll() {
        condition.lock()
        let pending = units
        units = []
        condition.unlock()
        for unit in pending {
            unit.fail(StorageError.writerStopped)
            unit.resume()
        }
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return units.count
    }

    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Blocks until at least one unit is queued, then returns up to `max` units, waiting up to
    /// `window` for more to arrive. Returns nil once the queue is closed and empty.
    func nextBatch(max: Int, window: Duration) -> [any PendingUnit]? {
        condition.lock()
        defer { condition.unlock() }
        while units.isEmpty {
            if closed { return nil }
            condition.wait()
        }
        if units.count < max && window > .zero && !closed {
            let deadline = Date(timeIntervalSinceNow: window.inSeconds)
            while units.count < max && !closed {
                if !condition.wait(until: deadline) { break }
            }
        }
        let count = min(max, units.count)
        let batch = Array(units.prefix(count))
        units.removeFirst(count)
        return batch
    }
}

/// Fired once by the writer thread when it has finished; awaited by `Writer.stop()`.
///
/// why @unchecked: every stored property is guarded by `lock`.
final class StoppedSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func fire() {
        lock.lock()
        fired = true
        let pending = waiters
        waiters = []
        lock.unlock()
        for waiter in pending { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            lock.lock()
            if fired {
                lock.unlock()
                continuation.resume()
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}

/// Remembers whether the writer thread was started.
///
/// why @unchecked: `value` is guarded by `lock`.
final class StartedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    /// Returns true the first time only.
    func markStarted() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if value { return false }
        value = true
        return true
    }

    var wasStarted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
