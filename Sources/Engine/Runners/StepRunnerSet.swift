import AsyncHTTPClient
import Core
import Foundation
import NIOSSL
import Storage

/// What an engine runs steps with: the one outbound HTTP client (past the egress policy), the
/// circuit breakers shared by every call, and a runner per step kind. Built here, not in
/// `Engine.init`, so that what a step can reach is decided in one place, and a test or a bench
/// can swap a runner (`adding`) without the engine knowing.
///
/// The llm runner is the exception: it runs tools through the engine itself, so the engine makes
/// it from these parts once it exists.
///
/// ```swift
/// let parts = StepRunnerSet.standard(settings: settings, now: clock, orgName: { try await store.orgName($0) },
///                                    environmentEgress: { try await store.environments.settings(org: $0, environment: $1).egress })
/// let engine = Engine(store: store, settings: settings, now: clock, logger: logger, runners: parts.adding([.exec: fake]))
/// ```
public struct StepRunnerSet: Sendable {
    let http: OutboundHTTP
    let breakers: CircuitBreakers
    var runners: [StepKind: any StepRunner]

    /// The runners of every kind agentd ships: transform, router, delay, and http through an
    /// HTTP client that follows no redirect, connects within 10 s, trusts `settings.caBundle`
    /// when set, and passes `settings.egress`. Kinds without a runner yet (exec) fail
    /// their steps with a clear error.
    /// `environmentEgress` gives an environment's egress lists (its settings), read per call.
    public static func standard(settings: Engine.Settings, now: @escaping @Sendable () -> Instant,
                                orgName: @escaping @Sendable (OrgID) async throws -> String?,
                                environmentEgress: @escaping @Sendable (OrgID, DeployEnvironment) async throws -> EgressRules?) -> StepRunnerSet {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        if let caBundle = settings.caBundle {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caBundle)
            configuration.tlsConfiguration = tls
        }
        let http = OutboundHTTP(configuration: configuration, egress: EgressGuard(settings.egress, orgName: orgName, environmentRules: environmentEgress))
        let breakers = CircuitBreakers(settings: settings.breaker)
        var runners: [StepKind: any StepRunner] = [
            .transform: TransformRunner(), .router: RouterRunner(), .delay: DelayRunner(),
            .http: HTTPRunner(client: http, breakers: breakers, now: now),
        ]
        runners[.approval] = ApprovalRunner()
        for kind in [StepKind.exec] { runners[kind] = UnavailableRunner(kind: kind) }
        return StepRunnerSet(http: http, breakers: breakers, runners: runners)
    }

    /// These runners with `extra` in place of (or beside) the standard ones.
    public func adding(_ extra: [StepKind: any StepRunner]) -> StepRunnerSet {
        var set = self
        for (kind, runner) in extra { set.runners[kind] = runner }
        return set
    }
}
