import Core
import Foundation
import Hummingbird
import Storage

/// Response bodies of the definition routes, built as `JSONValue`s: definitions hold
/// user-chosen keys (header names, config fields) that the shared encoder's snake_case key
/// strategy would rewrite, so these bodies bypass it and are written as canonical JSON.
enum DefinitionResources {
    static func respond(_ status: HTTPResponse.Status = .ok, _ value: JSONValue) -> Response {
        text(status, value.canonicalText, contentType: "application/json")
    }

    static func text(_ status: HTTPResponse.Status = .ok, _ body: String, contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func optional(_ value: Int?) -> JSONValue { value.map(JSONValue.integer) ?? .null }

    static func agent(_ record: AgentRecord, latest: AgentVersionRecord? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(record.id.rawValue), "org_id": .string(record.orgID.rawValue), "name": .string(record.name),
            "kind": .string(record.kind.rawValue), "description": optional(record.description),
            "team_id": optional(record.teamID?.rawValue), "team": optional(record.teamName),
            "tags": .array(record.tags.map(JSONValue.string)), "latest_version": .integer(record.latestVersion),
            "published_version": optional(record.latestPublishedVersion),
            "created_at": .string(record.createdAt.rfc3339), "created_by": .string(record.createdBy),
            "updated_at": .string(record.updatedAt.rfc3339), "updated_by": .string(record.updatedBy),
        ]
        if let latest { object["version"] = agentVersion(latest) }
        return .object(object)
    }

    static func agentVersion(_ version: AgentVersionRecord) -> JSONValue {
        [
            "agent_id": .string(version.agentID.rawValue), "version": .integer(version.version), "content_hash": .string(version.contentHash),
            "message": optional(version.message), "parent_version": optional(version.parentVersion), "published": .bool(version.published),
            "created_at": .string(version.createdAt.rfc3339), "created_by": .string(version.createdBy),
            "definition": version.definition.json,
        ]
    }

    static func workflow(_ record: WorkflowRecord, latest: WorkflowVersionRecord? = nil) -> JSONValue {
        var deployments: [String: JSONValue] = [:]
        for (environment, deployment) in record.deployments {
            deployments[environment.rawValue] = ["version": .integer(deployment.version), "deployed_at": .string(deployment.deployedAt.rfc3339),
                                                 "deployed_by": .string(deployment.deployedBy)]
        }
        var object: [String: JSONValue] = [
            "id": .string(record.id.rawValue), "org_id": .string(record.orgID.rawValue), "name": .string(record.name),
            "description": optional(record.description), "team_id": optional(record.teamID?.rawValue), "team": optional(record.teamName),
            "tags": .array(record.tags.map(JSONValue.string)), "latest_version": .integer(record.latestVersion),
            "deployments": .object(deployments),
            "created_at": .string(record.createdAt.rfc3339), "created_by": .string(record.createdBy),
            "updated_at": .string(record.updatedAt.rfc3339), "updated_by": .string(record.updatedBy),
        ]
        if let latest { object["version"] = workflowVersion(latest) }
        return .object(object)
    }

    static func workflowVersion(_ version: WorkflowVersionRecord) -> JSONValue {
        var pins: [String: JSONValue] = [:]
        for (node, pin) in version.pins {
            pins[node] = ["agent_id": .string(pin.agentID), "agent": .string(pin.agent), "version": .integer(pin.version), "kind": .string(pin.kind.rawValue)]
        }
        return [
            "workflow_id": .string(version.workflowID.rawValue), "version": .integer(version.version),
            "content_hash": .string(version.contentHash), "message": optional(version.message),
            "parent_version": optional(version.parentVersion), "created_at": .string(version.createdAt.rfc3339),
            "created_by": .string(version.createdBy), "agents": .object(pins), "definition": version.definition.json,
            "branch": .string(version.branch), "merged_from": optional(version.mergedFrom),
        ]
    }

    static func outcome(_ outcome: ApplyOutcome) -> JSONValue {
        [
            "type": .string(outcome.type), "name": .string(outcome.name), "id": .string(outcome.id), "version": .integer(outcome.version),
            "changed": .bool(outcome.changed), "created": .bool(outcome.created), "deployed_to": optional(outcome.deployedTo?.rawValue),
        ]
    }

    static func list(_ items: [JSONValue], next: String?) -> JSONValue {
        var object: [String: JSONValue] = ["items": .array(items)]
        if let next { object["next_cursor"] = .string(next) }
        return .object(object)
    }

    static func diff(_ changes: [FieldChange]) -> JSONValue {
        .array(changes.map { change in
            let op = change.before == nil ? "added" : change.after == nil ? "removed" : "changed"
            return ["op": .string(op), "path": .string(change.path), "before": change.before ?? .null, "after": change.after ?? .null]
        })
    }
}
