import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Every console answer's headers. The policy allows only agentd's own scripts, styles and
/// images (no inline script or style, so an injected tag does nothing), no framing, and forms
/// that post back here only.
enum HTMLResponse {
    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    static func page(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        secure(&headers)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A 303 to `location` (after a form post, so a reload does not post again).
    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        if let cookie { headers[.setCookie] = cookie }
        secure(&headers)
        return Response(status: .seeOther, headers: headers)
    }

    static func secure(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
    }

    /// A path on this server to go to after a login: only a local `/ui/` path, never
    /// `//host` or a URL (an open redirect would make a phishing link look like ours).
    static func localPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/ui/") || text == "/ui", !text.hasPrefix("//"), !text.contains("\\"),
              !text.contains(where: { $0.isNewline || $0 == "\r" }) else { return "/ui/dashboard" }
        return text
    }
}
