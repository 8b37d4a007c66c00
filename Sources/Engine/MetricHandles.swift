import Core
import Metrics
import Synchronization

/// The engine's metric handles, made once per label set and kept: making one asks the registry
/// (a lock and a lookup by name and labels), which per step and per execution cost the engine
/// 15 % of its throughput (`engine-bench --observability`); recording on a kept one does not.
/// The label sets are bounded (step kinds × outcomes, statuses × workflow ids).
final class MetricHandles: Sendable {
    let factory: any MetricsFactory
    private let timers = Mutex<[[String]: Metrics.Timer]>([:])
    private let counters = Mutex<[[String]: Counter]>([:])

    init(factory: any MetricsFactory) { self.factory = factory }

    func timer(_ family: MetricFamily, _ dimensions: [(String, String)]) -> Metrics.Timer {
        let key = [family.name] + dimensions.map(\.1)
        if let known = timers.withLock({ $0[key] }) { return known }
        let made = Metrics.Timer(label: family.name, dimensions: dimensions, factory: factory)
        timers.withLock { $0[key] = made }
        return made
    }

    func counter(_ family: MetricFamily, _ dimensions: [(String, String)]) -> Counter {
        let key = [family.name] + dimensions.map(\.1)
        if let known = counters.withLock({ $0[key] }) { return known }
        let made = Counter(label: family.name, dimensions: dimensions, factory: factory)
        counters.withLock { $0[key] = made }
        return made
    }
}
