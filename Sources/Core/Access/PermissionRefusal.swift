/// A caller holds the route's permission but the change it asked for needs another one: a
/// 403 whose problem names the permission (`permission_required`, `API/Errors/Problems.swift`).
///
/// Returned by the pure rules in `Core/Access/…Authority.swift`; the store that applies a rule
/// throws it as `StorageError.permissionRequired(permission, reason: reason)`.
public struct PermissionRefusal: Error, Hashable, Sendable {
    /// The permission the caller lacks.
    public let permission: Permission
    /// What needs it, for a person: "Deploying to prod".
    public let reason: String

    public init(_ permission: Permission, reason: String) {
        self.permission = permission
        self.reason = reason
    }
}
