import Core
import Foundation
import GRDB

/// Re-seals a value from one reference to another: what the vault does when an approved prod
/// secret write becomes the secret's next version (the reference is bound into the sealing).
public protocol SecretResealing: Sendable {
    func reseal(_ sealed: SealedSecret, from: SecretRef, to: SecretRef) throws -> SealedSecret
}

/// Values of prod secret writes held for approval (`secret.prod`, docs/governance.md): sealed
/// under version 0 of their path while the request waits, re-sealed as the next version by the
/// last approval, dropped when the request ends any other way.
enum HeldSecrets {
    /// No stored version has it: versions count from 1.
    static let heldVersion = 0

    static func ref(org: OrgID, environment: DeployEnvironment, path: String) -> SecretRef {
        SecretRef(orgID: org, environment: environment, path: path, version: heldVersion)
    }

    /// Opens a change request for a write of `path` in prod instead of storing it; the value
    /// is sealed by `seal` and kept beside the request.
    static func hold(policy: ApprovalPolicy, org: OrgID, team: TeamID?, environment: DeployEnvironment, path: String, current: Int?,
                     context: ChangeContext, seal: (SecretRef) throws -> SealedSecret, audit: AuditLog, _ db: Database) throws -> ChangeRecord {
        let target = "\(environment.rawValue)/\(path)"
        let summary = current.map { "rotate secret \(target) (version \($0) -> \($0 + 1))" } ?? "create secret \(target)"
        let request = try ChangeStore.open(
            .secretProd, policy: policy, org: org, team: team, target: (target, target), summary: summary,
            payload: ["environment": .string(environment.rawValue), "path": .string(path), "team": team.map { .string($0.rawValue) } ?? .null],
            diff: ["version": ["before": current.map(JSONValue.integer) ?? .null, "after": .string("a new version (the value is sealed, never shown)")]],
            context: context, audit: audit, db)
        let sealed = try seal(ref(org: org, environment: environment, path: path))
        try db.execute(sql: """
            INSERT INTO change_secret (change_id, org_id, environment, path, key_id, wrapped_key, ciphertext) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [request.id.rawValue, org.rawValue, environment.rawValue, path, sealed.keyID, Data(sealed.wrappedKey), Data(sealed.ciphertext)])
        return request
    }

    /// The approved write: the held value becomes the secret's next version (whatever the
    /// version is by now), in the unit of the last approval. Needs the vault open.
    static func release(_ request: ChangeRecord, resealer: (any SecretResealing)?, context: ChangeContext, audit: AuditLog,
                        _ db: Database) throws -> JSONValue {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM change_secret WHERE change_id = ?", arguments: [request.id.rawValue]),
              let environment = DeployEnvironment(rawValue: row["environment"]) else {
            throw StorageError.notFound(.secret, id: "\(request.targetName) (its held value is gone)")
        }
        guard let resealer else {
            throw StorageError.protected(.secret, id: request.targetName, reason: "the vault is not available to this agentd; approve again once it is")
        }
        let path: String = row["path"]
        let held = SealedSecret(keyID: row["key_id"], wrappedKey: [UInt8](row["wrapped_key"] as Data), ciphertext: [UInt8](row["ciphertext"] as Data))
        let from = ref(org: request.orgID, environment: environment, path: path)
        // The requester's team choice stands; the approver's scope (an operator of the org) writes it.
        let scope = Scope(orgID: request.orgID, reach: .org, roles: [.admin])
        let writer = ChangeContext(scope: scope, actor: context.actor, requestID: context.requestID, now: context.now, actingUser: context.actingUser)
        let info = try SecretStore.write(path: path, environment: environment, org: request.orgID, team: request.payload["team"]?.stringValue,
                                         context: writer, change: request.id.rawValue,
                                         seal: { to in try resealer.reseal(held, from: from, to: to) }, audit: audit, db)
        try drop(request.id.rawValue, db)
        return ["version": .integer(info.currentVersion)]
    }

    /// Forgets a held value (its request was rejected, expired or carried out).
    static func drop(_ change: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM change_secret WHERE change_id = ?", arguments: [change])
    }
}
