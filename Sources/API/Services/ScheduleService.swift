import Core
import Engine
import Platform
import Storage

/// Schedules (`agentctl schedules`): what `ScheduleRoutes` is given; built by `agentd`
/// (Daemon/APIWiring.swift). A schedule created or resumed wakes the engine's timer by its
/// next slot, so the timer sleeps until the earliest instant it knows.
public struct ScheduleService: Sendable {
    public let schedules: ScheduleStore
    public let engine: Engine
    public let limits: RequestLimits
    public let clock: WallClock

    public init(schedules: ScheduleStore, engine: Engine, limits: RequestLimits, clock: WallClock) {
        self.schedules = schedules
        self.engine = engine
        self.limits = limits
        self.clock = clock
    }

    public func create(_ request: NewSchedule, context: ChangeContext) async throws -> ScheduleRecord {
        let record = try await schedules.create(request, context: context)
        if let next = record.nextFireAt { engine.wake(by: next) }
        return record
    }

    public func resume(_ reference: String, context: ChangeContext) async throws -> ScheduleRecord {
        let record = try await schedules.resume(reference, context: context)
        if let next = record.nextFireAt { engine.wake(by: next) }
        return record
    }
}
