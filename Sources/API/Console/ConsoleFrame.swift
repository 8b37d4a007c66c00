import Core
import HTTPTypes
import Hummingbird
import NIOCore

/// What every page's frame shows: who is signed in, in which org, what they may do (so a
/// page never offers a control its route would refuse), the CSRF token for its forms and the
/// assets' hashed paths.
enum ConsoleFrame {
    static func data(_ context: AgentRequestContext, _ services: ConsoleServices, title: String, nav: String? = nil) async -> [String: Any] {
        var data: [String: Any] = ["title": title, "assets": ConsoleAssets.paths]
        if let nav { data["nav"] = [nav: true] }
        guard let caller = context.caller else { return data }
        let scope = caller.scope
        data["user"] = caller.login ?? caller.name
        data["org"] = (try? await services.identity.orgs.get(scope.orgID.rawValue, in: scope).name) ?? scope.orgID.rawValue
        if let session = caller.sessionID { data["csrf"] = services.login.passwordLogin.csrfToken(for: session) }
        data["can"] = [
            "workflowsView": scope.allows(.workflowsView), "workflowsCreate": scope.allows(.workflowsCreate),
            "workflowsExecute": scope.allows(.workflowsExecute), "executionsView": scope.allows(.executionsView),
            "executionsCancel": scope.allows(.executionsCancel), "costsView": scope.allows(.costsView),
            "budgetsManage": scope.allows(.budgetsManage), "approvalsDecide": scope.allows(.approvalsDecide),
            "usersView": scope.allows(.usersView), "usersManage": scope.allows(.usersManage), "teamsManage": scope.allows(.teamsManage), "apiKeysManage": scope.allows(.apiKeysManage),
            "secretsRead": scope.allows(.secretsRead), "secretsWrite": scope.allows(.secretsWrite), "auditView": scope.allows(.auditView),
            "auditVerify": scope.allows(.auditVerify), "settingsManage": scope.allows(.settingsManage),
            "alertsView": scope.allows(.alertsView), "errorsView": scope.allows(.errorsView),
            "settings": [Permission.usersView, .apiKeysManage, .secretsRead, .workflowsView, .auditView].contains { scope.allows($0) },
        ]
        return data
    }
}

/// Reading a posted HTML form.
enum ConsoleForm {
    /// The form's fields. Refuses a request another site made the browser send: browsers mark
    /// it with `Sec-Fetch-Site` (and the session cookie is `SameSite=Strict` besides); this
    /// matters for the login form, which has no session and so no CSRF token yet.
    static func read(_ request: Request, limits: RequestLimits) async throws -> [String: String] {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
            throw APIError.csrfFailed
        }
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw APIError.unsupportedMediaType(got: request.headers[.contentType])
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limits.maxBodyBytes)
        } catch {
            throw APIError.bodyTooLarge(limit: limits.maxBodyBytes)
        }
        return FormEncoding.fields(String(buffer: body))
    }
}

extension ConsoleForm {
    /// A refusal a person can act on (its status one of `shown`) as the words and status the
    /// page shows it with; anything else is thrown on, to the error page.
    static func refusal(_ error: any Error, shown: Set<Int>) throws -> (String, HTTPResponse.Status) {
        let problem = Problems.problem(for: error)
        guard shown.contains(problem.status) else { throw error }
        return (problem.detail, HTTPResponse.Status(code: problem.status))
    }
}

/// Reading a page's query, and writing the query of its "next page" link.
enum ConsoleQuery {
    /// The parameter's value; nil when absent or empty (a filter box left blank).
    static func filled(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `a=1&b=x%20y` of the pairs that have a value.
    static func string(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { "\(name)=\(FormEncoding.escape($0))" } }.joined(separator: "&")
    }
}

extension Dictionary where Key == String, Value == String {
    /// The field's value, nil when absent or empty (an empty optional input).
    func value(_ name: String) -> String? {
        guard let text = self[name], !text.isEmpty else { return nil }
        return text
    }
}
