import Core
import Foundation
import Hummingbird
import AgentSecurity
import Storage

/// TOTP enrolment, removal and each org's MFA policy.
public enum MFARoutes: RouteFile {
    public typealias Services = LoginService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/mfa/totp", needs: .authenticated,
                      Operation(id: "enrolTOTP", summary: "Start TOTP enrolment: the otpauth URI and recovery codes (shown once). Your login session or socket identity, not an API key.",
                                tag: "mfa", success: (201, Schemas.totpEnrolment, "application/json"), problems: [400, 403, 409, 422]),
                      handler: enrol),
            RouteSpec(.post, "/api/v1/mfa/totp/confirm", needs: .authenticated,
                      Operation(id: "confirmTOTP", summary: "Confirm enrolment with a current code from the app.", tag: "mfa",
                                requestBody: CodeBody.schema.json, success: (204, nil, "application/json"),
                                problems: [400, 403, 413, 415, 422]),
                      handler: confirm),
            RouteSpec(.delete, "/api/v1/users/{user}/mfa", needs: .authenticated,
                      Operation(id: "removeMFA",
                                summary: "Remove a user's TOTP: your own (with ?code= from the app or a recovery code; not with an API key), or with users.manage that of anyone whose roles you could grant.",
                                tag: "mfa", query: [("code", ["type": "string"], "For your own: a current code or a recovery code.")],
                                success: (204, nil, "application/json"), problems: [403, 404, 409, 422, 429]),
                      handler: remove),
            RouteSpec(.get, "/api/v1/orgs/{org}/mfa-policy", needs: .permission(.orgsView),
                      Operation(id: "getMFAPolicy", summary: "Which roles must use MFA in an org.", tag: "mfa",
                                success: (200, Schemas.mfaPolicy, "application/json"), problems: [404]),
                      handler: getPolicy),
            RouteSpec(.put, "/api/v1/orgs/{org}/mfa-policy", needs: .permission(.settingsManage),
                      Operation(id: "setMFAPolicy", summary: "Set which roles must use MFA in an org.", tag: "mfa",
                                requestBody: PolicyBody.schema.json, success: (200, Schemas.mfaPolicy, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: setPolicy),
        ]
    }

    struct CodeBody: RequestBody {
        let code: String
        static let schema = ObjectSchema([.init("code", ["type": "string", "pattern": "^[0-9]{6}$"], required: true,
                                                "The 6-digit code your authenticator app shows now.")])
    }

    struct PolicyBody: RequestBody {
        let requiredRoles: [String]
        enum CodingKeys: String, CodingKey { case requiredRoles = "required_roles" }
        static let schema = ObjectSchema([.init("required_roles", ["type": "array", "items": UserRoutes.roleSchema], required: true,
                                                "Roles whose members must enrol in MFA (empty: none).")])
    }

    static func user(_ context: AgentRequestContext) throws -> (UserID, String) {
        let caller = try requireCaller(context)
        try caller.requirePerson("Enrolling in MFA")
        guard let user = caller.userID, let login = caller.login else {
            throw ValidationError(field: "user", "MFA belongs to users; socket administrators by uid have none")
        }
        return (user, login)
    }

    static func enrol(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (user, login) = try user(context)
        let enrolment = try await services.mfa.enrol(user, login: login, context: context.change(services.clock))
        var response = try JSONResponse.make(.created, EnrolmentBody(otpauthUri: enrolment.provisioningURI, secret: enrolment.secret,
                                                                     recoveryCodes: enrolment.recoveryCodes))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func confirm(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CodeBody.self, from: request, limits: services.limits)
        let (user, _) = try user(context)
        guard try await services.mfa.confirm(body.code, user: user, context: context.change(services.clock)) else {
            throw ValidationError(field: "code", "does not match; check the app's clock and enter the code it shows now")
        }
        try await services.logins.clearMFAPending(of: user)
        return Response(status: .noContent)
    }

    static func remove(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.removeMFA(of: context.parameters.require("user"), code: request.uri.queryParameters["code"].map(String.init),
                                     caller: requireCaller(context), change: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func getPolicy(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let roles = try await services.mfaStore.requiredRoles(org: context.parameters.require("org"), in: context.scope())
        return try JSONResponse.make(.ok, ["required_roles": roles.sorted()])
    }

    static func setPolicy(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(PolicyBody.self, from: request, limits: services.limits)
        let roles = try await services.mfaStore.setRequiredRoles(Set(body.requiredRoles), org: context.parameters.require("org"),
                                                                 context: context.change(services.clock))
        return try JSONResponse.make(.ok, ["required_roles": roles.sorted()])
    }

    struct EnrolmentBody: Encodable {
        let otpauthUri: String
        let secret: String
        let recoveryCodes: [String]
    }
}
