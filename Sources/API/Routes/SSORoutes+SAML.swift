import Core
import Foundation
import Hummingbird
import Storage

/// SAML 2.0's two public endpoints: the SP metadata an IdP admin imports, and the ACS the IdP's
/// form posts the Response to.
extension SSORoutes {
    static func samlMetadata(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let xml = try await services.samlMetadata(try context.parameters.require("provider"))
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: xml)))
        response.headers[.contentType] = "application/samlmetadata+xml"
        return response
    }

    static func samlACS(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let name = try context.parameters.require("provider")
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else { throw APIError.unsupportedMediaType(got: request.headers[.contentType]) }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > services.limits.maxBodyBytes {
            throw APIError.bodyTooLarge(limit: services.limits.maxBodyBytes)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: services.limits.maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: services.limits.maxBodyBytes)
        }
        let form = formFields(String(decoding: buffer.readableBytesView, as: UTF8.self))
        let agent = request.headers[.userAgent].map { String($0.prefix(100)) } ?? "unknown client"
        let finish: SSOService.Finish
        do {
            finish = try await services.finishSAML(name, response: form["SAMLResponse"], relayState: form["RelayState"],
                                                                      browserState: cookie(samlStateCookie, in: request),
                                                                      client: "tcp \(address(context)), " + agent, requestID: context.requestID)
        } catch let refusal as SSORefusal {
            context.logger.notice("sso login refused", metadata: ["provider": "\(name)", "reason": "\(refusal)"])
            throw refusal
        }
        let secure = services.publicURL.text.hasPrefix("https://") ? "; Secure" : ""
        return try respond(finish, services: services, secure: secure,
                           clearing: "\(samlStateCookie)=; Path=/auth/saml/\(name)/acs; HttpOnly; \(samlCookieSite(services)); Max-Age=0\(secure)")
    }

    static let samlStateCookie = "agentd_saml_state"

    /// The ACS is reached by the IdP's cross-site POST, which carries only SameSite=None cookies,
    /// and browsers take those over https alone.
    static func samlCookieSite(_ services: Services) -> String {
        services.publicURL.text.hasPrefix("https://") ? "SameSite=None" : "SameSite=Lax"
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        request.headers[.cookie].flatMap { header in
            header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
    }

    /// `application/x-www-form-urlencoded`: `+` is a space, then %XX.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? { String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let key = parts.first.flatMap(decode), fields[key] == nil else { continue }
            fields[key] = parts.count == 2 ? decode(parts[1]) : ""
        }
        return fields
    }
}
