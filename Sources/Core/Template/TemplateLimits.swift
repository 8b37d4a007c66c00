/// How much a template may cost. Parsing and evaluating stay within these bounds whatever the
/// text or the data, so a template can neither hang a worker nor exhaust its memory; going over
/// any of them is a `TemplateError` of kind `.limitExceeded`.
///
/// Parse limits are passed to `Template.parse`; evaluation limits travel in `TemplateContext`.
/// `standard` is what agentd uses everywhere; tests lower the numbers to reach them cheaply.
public struct TemplateLimits: Hashable, Sendable {
    /// Longest template text, in UTF-8 bytes (16 KiB).
    public var maxTextBytes: Int
    /// Deepest expression tree, and deepest nesting of `( )`, `[ ]`, calls and prefix operators.
    /// A chain like `a + b + c` counts a level per operator.
    public var maxDepth: Int
    /// Most expression nodes in one template, all interpolations together.
    public var maxNodes: Int
    /// Most evaluation steps. Every node is a step; string work costs a step per 16 bytes,
    /// array and object work a step per element, regex matching a step per 64 machine steps.
    public var maxSteps: Int
    /// Longest string an evaluation may produce, in UTF-8 bytes (1 MiB).
    public var maxStringBytes: Int
    /// Longest text `regex_match` accepts, in UTF-8 bytes (64 KiB).
    public var maxRegexInputBytes: Int

    public init(maxTextBytes: Int = 16 * 1024, maxDepth: Int = 64, maxNodes: Int = 1000, maxSteps: Int = 100_000,
                maxStringBytes: Int = 1024 * 1024, maxRegexInputBytes: Int = 64 * 1024) {
        self.maxTextBytes = maxTextBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxSteps = maxSteps
        self.maxStringBytes = maxStringBytes
        self.maxRegexInputBytes = maxRegexInputBytes
    }

    /// The limits agentd applies to every workflow template.
    public static let standard = TemplateLimits()
}
