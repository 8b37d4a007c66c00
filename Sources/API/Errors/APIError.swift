import Core

/// Failures the HTTP layer itself detects, before or around a route's work.
public enum APIError: Error, Hashable, Sendable {
    case malformedJSON(String)
    case jsonTooDeep(limit: Int)
    case unknownField(String, allowed: [String])
    case unsupportedMediaType(got: String?)
    case bodyTooLarge(limit: Int)
    case invalidParameter(name: String, String)
    case routeNotFound(path: String)
    case methodNotAllowed(method: String, allowed: [String])
    case unauthenticated(String)
    /// A cookie session's unsafe request without its CSRF token.
    case csrfFailed
    case forbidden(Permission)
    /// A self-service route (what it does in the payload) called with an API key.
    case loginSessionRequired(String)
    /// What the payload names is a person's act (a decision on an approval), and the caller is
    /// not a user (a socket administrator identified by uid only).
    case personRequired(String)
    case notReady(String)
    case secretTooLarge(limit: Int)
    case unsealFailed
    /// A definitions file over `DefinitionDocument.maximumBytes`.
    case documentTooLarge(limit: Int)
    /// A model endpoint did not answer a test request as it should.
    case modelFailed(model: String, String)
    /// The egress policy refuses a URL's address (a model's base_url): the reason names the rule.
    case egressDenied(String)
    /// `[retention] archive` is off: removed executions are not archived.
    case archiveOff
    /// An act over the whole installation (a person's data spans orgs) by a caller of one org.
    case installationAdminRequired(String)
    /// An act over the installation (what, and why it is one) by a caller of one org.
    case installationAct(String, because: String)
    /// An erasure without `confirm` naming the login it erases.
    case erasureNotConfirmed(String)
}
