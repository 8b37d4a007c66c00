import Core

/// How the stores throw the refusals of Core's access rules (`Core/Access/…Authority.swift`):
/// as the `StorageError` or `ValidationError` each route has always answered with, so the rules
/// moved to Core without changing a status or a problem code.
extension PermissionRefusal {
    var storageError: StorageError { .permissionRequired(permission, reason: reason) }
}

extension KeyScopeRefusal {
    var storageError: any Error {
        switch self {
        case .grantBeyondCaller(let permission):
            StorageError.grantRefused("scope \(permission.rawValue)")
        case .grantUnscopedFromLimitedKey:
            StorageError.grantRefused("a key without scopes (your own key is limited; list the scopes)")
        case .grantEveryPermission(let role):
            StorageError.grantRefused("a key with every permission of role \(role)")
        case .grantEveryPermissionOfOwner:
            StorageError.grantRefused("a key with every permission of its owner's role")
        case .presetGrantsNothing(let login, let role):
            ValidationError(field: "scopes", "the preset grants nothing \(login)'s role \(role) holds")
        case .beyondOwnerRole(let permission, let login, let role):
            ValidationError(field: "scopes", "\(permission.rawValue) is not granted to \(login)'s role \(role) in this org")
        }
    }
}
