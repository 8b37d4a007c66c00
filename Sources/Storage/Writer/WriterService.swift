import ServiceLifecycle

/// Runs the `Writer` as a service: starts it, and on graceful shutdown commits what is queued
/// and stops. List it before the listeners in the `ServiceGroup` so it stops after them.
public struct WriterService: Service {
    public let writer: Writer

    public init(writer: Writer) { self.writer = writer }

    public func run() async throws {
        writer.start()
        try? await gracefulShutdown()
        await writer.stop()
    }
}
