import Core
import Foundation
import Hummingbird
import Storage

/// Comments on workflows and executions (`agentctl comments`): threads, @mentions, resolving
/// (docs/collaboration.md#comments). Whoever may read the target may read and write its
/// comments; an unseen target is not found.
public enum CommentRoutes: RouteFile {
    static let comment: JSON = [
        "type": "object", "required": ["id", "on", "body", "author", "created_at"],
        "properties": [
            "id": ["type": "string"], "on": ["type": "string", "description": "workflow/NAME or execution/ID."],
            "target_id": ["type": "string"], "node": ["type": ["string", "null"]],
            "thread": ["type": ["string", "null"], "description": "The thread's first comment, for a reply."],
            "body": ["type": "string", "description": "Markdown, as written; shown as text."],
            "author": ["type": "string"], "mentions": ["type": "array", "items": ["type": "string"]],
            "created_at": Schemas.timestamp, "edited_at": ["type": ["string", "null"], "format": "date-time"],
            "resolved_at": ["type": ["string", "null"], "format": "date-time"], "resolved_by": ["type": ["string", "null"]],
        ],
    ]

    public typealias Services = CollaborationService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/comments", needs: .authenticated,
                      Operation(id: "listComments", summary: "The comments on a workflow or an execution, thread by thread.", tag: "comments",
                                query: [("on", ["type": "string"], "workflow/NAME or execution/ID.")],
                                success: (200, Schemas.list(of: comment), "application/json"), problems: [400, 404], requiredQuery: ["on"]),
                      handler: list),
            RouteSpec(.post, "/api/v1/comments", needs: .authenticated,
                      Operation(id: "addComment", summary: "Comment on a workflow or an execution, or reply in a thread; @login mentions someone who may open it.",
                                tag: "comments", requestBody: AddBody.schema.json, success: (201, comment, "application/json"),
                                problems: [400, 404, 409, 413, 415, 422]),
                      handler: add),
            RouteSpec(.get, "/api/v1/comments/{comment}", needs: .authenticated,
                      Operation(id: "getComment", summary: "One comment.", tag: "comments", success: (200, comment, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.patch, "/api/v1/comments/{comment}", needs: .authenticated,
                      Operation(id: "editComment", summary: "Change the text of your comment.", tag: "comments", requestBody: EditBody.schema.json,
                                success: (200, comment, "application/json"), problems: [400, 403, 404, 413, 415, 422]),
                      handler: edit),
            RouteSpec(.delete, "/api/v1/comments/{comment}", needs: .authenticated,
                      Operation(id: "deleteComment", summary: "Remove your comment (an org admin: anyone's); a thread's first takes its replies.",
                                tag: "comments", success: (204, nil, ""), problems: [403, 404]),
                      handler: delete),
            RouteSpec(.post, "/api/v1/comments/{comment}/resolve", needs: .authenticated,
                      Operation(id: "resolveComment", summary: "Resolve the thread the comment is in.", tag: "comments", requestBodyRequired: false,
                                success: (200, comment, "application/json"), problems: [404]),
                      handler: resolve),
            RouteSpec(.post, "/api/v1/comments/{comment}/reopen", needs: .authenticated,
                      Operation(id: "reopenComment", summary: "Reopen the thread the comment is in.", tag: "comments", requestBodyRequired: false,
                                success: (200, comment, "application/json"), problems: [404]),
                      handler: reopen),
        ]
    }

    struct AddBody: RequestBody {
        let on: String
        let body: String
        let node: String?
        let replyTo: String?
        enum CodingKeys: String, CodingKey { case on, body, node, replyTo = "reply_to" }
        static let schema = ObjectSchema([
            .init("on", ["type": "string", "minLength": 3, "maxLength": 300], required: true, "workflow/NAME or execution/ID."),
            .init("body", ["type": "string", "minLength": 1, "maxLength": .number(Double(CommentRules.maximumBody))], required: true,
                  "Markdown; @login mentions."),
            .init("node", ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"], "The step the comment is about."),
            .init("reply_to", ["type": "string"], "A comment of the thread to reply in."),
        ])
    }

    struct EditBody: RequestBody {
        let body: String
        static let schema = ObjectSchema([
            .init("body", ["type": "string", "minLength": 1, "maxLength": .number(Double(CommentRules.maximumBody))], required: true, "The new text."),
        ])
    }

    static func target(_ text: String, name: String) throws -> (CommentTarget, String) {
        guard let parsed = CommentTarget.parse(text) else {
            throw APIError.invalidParameter(name: name, "is workflow/NAME or execution/ID; got `\(text)`")
        }
        return parsed
    }

    static func checked(_ body: String) throws -> String {
        if let problem = CommentRules.problem(body: body) { throw APIError.invalidParameter(name: "body", problem) }
        return body
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let (kind, reference) = try target(request.uri.queryParameters["on"].map(String.init) ?? "", name: "on")
        let comments = try await services.comments.list(kind, reference, in: caller.scope)
        return DefinitionResources.respond(.ok, DefinitionResources.list(comments.map(resource), next: nil))
    }

    static func add(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let body = try await BodyDecoder.decode(AddBody.self, from: request, limits: services.limits)
        let (kind, reference) = try target(body.on, name: "on")
        if let node = body.node, node.wholeMatch(of: /[A-Za-z0-9_-]{1,64}/) == nil {
            throw APIError.invalidParameter(name: "node", "is a step's name (A-Z a-z 0-9 _ -, at most 64); got `\(node)`")
        }
        let added = try await services.comments.add(kind, reference, body: try checked(body.body), node: body.node, replyTo: body.replyTo,
                                                    author: caller.owner, context: context.change(services.clock))
        return DefinitionResources.respond(.created, resource(added))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, resource(try await services.comments.get(context.parameters.require("comment"), in: context.scope())))
    }

    static func edit(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let body = try await BodyDecoder.decode(EditBody.self, from: request, limits: services.limits)
        let edited = try await services.comments.edit(context.parameters.require("comment"), body: try checked(body.body), author: caller.owner,
                                                      context: context.change(services.clock))
        return DefinitionResources.respond(.ok, resource(edited))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        try await services.comments.delete(context.parameters.require("comment"), author: caller.owner, context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func resolve(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        return DefinitionResources.respond(.ok, resource(try await services.comments.resolve(context.parameters.require("comment"), resolved: true,
                                                                                             by: caller.login ?? caller.name,
                                                                                             context: context.change(services.clock))))
    }

    static func reopen(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        return DefinitionResources.respond(.ok, resource(try await services.comments.resolve(context.parameters.require("comment"), resolved: false,
                                                                                             by: caller.login ?? caller.name,
                                                                                             context: context.change(services.clock))))
    }

    static func resource(_ comment: CommentRecord) -> JSONValue {
        [
            "id": .string(comment.id.rawValue),
            "on": .string("\(comment.target.rawValue)/\(comment.target == .workflow ? comment.targetName : comment.targetID)"),
            "target_id": .string(comment.targetID), "node": comment.node.map(JSONValue.string) ?? .null,
            "thread": comment.threadID.map { .string($0.rawValue) } ?? .null, "body": .string(comment.body),
            "author": .string(comment.authorLogin ?? comment.author), "mentions": .array(comment.mentions.map(JSONValue.string)),
            "created_at": .string(comment.createdAt.rfc3339), "edited_at": comment.editedAt.map { .string($0.rfc3339) } ?? .null,
            "resolved_at": comment.resolvedAt.map { .string($0.rfc3339) } ?? .null,
            "resolved_by": comment.resolvedBy.map(JSONValue.string) ?? .null,
        ]
    }
}
