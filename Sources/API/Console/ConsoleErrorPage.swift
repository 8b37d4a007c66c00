import Core
import Hummingbird

/// Errors on the console's paths as pages people can read (the API's problems are for
/// programs): a page that needs a login sends the browser to the sign-in page and back; a
/// refusal or a missing thing is a page with the problem's words and the request id.
enum ConsoleErrorPage {
    static func response(_ problem: Problem, request: Request, requestID: String) -> Response {
        if problem.status == 401 {
            let next = request.method == .get ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : "/ui/dashboard"
            return HTMLResponse.redirect("/ui/login?next=" + FormEncoding.escape(HTMLResponse.localPath(next)))
        }
        let heading = switch problem.status {
        case 403: "403 Forbidden"
        case 404: "404 Not found"
        case 405: "405 Method not allowed"
        default: "\(problem.status) \(problem.title)"
        }
        let data: [String: Any] = ["title": heading, "heading": heading, "detail": problem.detail, "requestID": requestID,
                                   "assets": ConsoleAssets.paths]
        return HTMLResponse.page(ConsoleView.render("error", data), status: .init(code: problem.status))
    }
}
