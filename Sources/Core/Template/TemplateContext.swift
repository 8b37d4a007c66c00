/// Everything a template may see while it is evaluated: the named roots its paths start from,
/// the time `now()` returns, and, only when a step runs, the way to read secrets.
///
/// Nothing else is reachable from a template: no clock, no environment variables, no files.
///
/// ```swift
/// let context = TemplateContext(roots: ["input": input, "nodes": outputs], now: now)
/// let subject = try Template.parse("{{ input.ticket.subject }}").evaluate(in: context)
/// ```
public struct TemplateContext: Sendable {
    /// Reads `secret(path, field)`. Core never resolves secrets itself: the engine passes a
    /// resolver bound to the execution's org and environment when a step runs, and none when a
    /// template is only being checked or previewed. Whatever it throws becomes a `TemplateError`
    /// of kind `.secretUnavailable`.
    public typealias SecretResolver = @Sendable (_ path: String, _ field: String?) throws -> JSONValue

    /// The values paths start from, by root name (`input`, `nodes`, `execution`, `env`, …).
    /// A path whose root is not here is an evaluation error.
    public var roots: [String: JSONValue]
    /// What `now()` returns: the caller reads its clock once and passes the instant in.
    public var now: Instant
    /// Resolves `secret()` calls; nil outside a running step.
    public var secretResolver: SecretResolver?
    /// Evaluation limits (steps, string sizes, regex input).
    public var limits: TemplateLimits

    public init(roots: [String: JSONValue], now: Instant, secretResolver: SecretResolver? = nil,
                limits: TemplateLimits = .standard) {
        self.roots = roots
        self.now = now
        self.secretResolver = secretResolver
        self.limits = limits
    }
}
