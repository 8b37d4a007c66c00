import Core
import Testing

/// Which scopes an API key may carry: `KeyScopeAuthority`.
@Suite struct KeyScopeAuthorityTests {
    static let org = OrgID.generate(at: Instant(millisecondsSinceEpoch: 1))
    static let admin = MemberRole.builtIn(.admin).scope(in: org)
    static let operatorScope = MemberRole.builtIn(.operator).scope(in: org)
    static let limitedAdmin = MemberRole.builtIn(.admin).scope(in: org, limit: [.workflowsView, .apiKeysManage])
    static let readOnly = KeyScopePreset.readOnly.permissions

    @Test(arguments: [
        // caller, requested, preset, refusal
        (KeyScopeAuthorityTests.admin, Set<Permission>?.none, Set<Permission>(), KeyScopeRefusal?.none),
        (KeyScopeAuthorityTests.admin, [.workflowsView, .settingsManage], [], nil),
        (KeyScopeAuthorityTests.operatorScope, [.workflowsView, .settingsManage], [], .grantBeyondCaller(.settingsManage)),
        (KeyScopeAuthorityTests.operatorScope, [.agentsCreate, .settingsManage], [], .grantBeyondCaller(.agentsCreate)),
        (KeyScopeAuthorityTests.admin, [.systemBackup], [], .grantBeyondCaller(.systemBackup)),
        (KeyScopeAuthorityTests.limitedAdmin, nil, [], .grantUnscopedFromLimitedKey),
        (KeyScopeAuthorityTests.limitedAdmin, nil, KeyScopeAuthorityTests.readOnly, nil),
        (KeyScopeAuthorityTests.limitedAdmin, [.workflowsView], [], nil),
    ] as [(Scope, Set<Permission>?, Set<Permission>, KeyScopeRefusal?)])
    func aRequestNeverAsksForMoreThanTheCallerHolds(_ caller: Scope, _ requested: Set<Permission>?, _ preset: Set<Permission>,
                                                   _ refusal: KeyScopeRefusal?) {
        #expect(KeyScopeAuthority.requestRefusal(caller: caller, requested: requested, preset: preset) == refusal)
    }

    @Test(arguments: [
        // caller, requested, preset, owner's role, result
        (KeyScopeAuthorityTests.admin, Set<Permission>?.none, Set<Permission>(), MemberRole.builtIn(.developer),
         Result<Set<Permission>?, KeyScopeRefusal>.success(nil)),
        (KeyScopeAuthorityTests.operatorScope, nil, [], .builtIn(.developer), .failure(.grantEveryPermission(role: "developer"))),
        (KeyScopeAuthorityTests.operatorScope, nil, [], .builtIn(.viewer), .success(nil)),
        (KeyScopeAuthorityTests.admin, [.workflowsView], [], .builtIn(.viewer), .success([.workflowsView])),
        (KeyScopeAuthorityTests.admin, [.settingsManage], [], .builtIn(.viewer), .failure(.beyondOwnerRole(.settingsManage, login: "ada", role: "viewer"))),
        (KeyScopeAuthorityTests.admin, nil, KeyScopeAuthorityTests.readOnly, .builtIn(.viewer), .success([.orgsView, .usersView, .workflowsView, .agentsView, .executionsView])),
        (KeyScopeAuthorityTests.admin, [.workflowsExecute], KeyScopePreset.executeOnly.permissions, .builtIn(.viewer),
         .failure(.beyondOwnerRole(.workflowsExecute, login: "ada", role: "viewer"))),
        (KeyScopeAuthorityTests.admin, nil, KeyScopePreset.executeOnly.permissions, .builtIn(.guest), .failure(.presetGrantsNothing(login: "ada", role: "guest"))),
        (KeyScopeAuthorityTests.operatorScope, nil, KeyScopeAuthorityTests.readOnly, .builtIn(.admin),
         .success([.orgsView, .usersView, .workflowsView, .agentsView, .executionsView, .costsView, .errorsView, .alertsView])),
    ] as [(Scope, Set<Permission>?, Set<Permission>, MemberRole, Result<Set<Permission>?, KeyScopeRefusal>)])
    func aKeysScopesLieWithinItsOwnersRoleAndTheCallersGrant(_ caller: Scope, _ requested: Set<Permission>?, _ preset: Set<Permission>,
                                                            _ ownerRole: MemberRole, _ want: Result<Set<Permission>?, KeyScopeRefusal>) {
        #expect(KeyScopeAuthority.scopes(caller: caller, requested: requested, preset: preset, ownerRole: ownerRole, ownerLogin: "ada") == want)
    }

    @Test func installationWidePermissionsAreNeverAKeysScope() {
        let root = Scope(orgID: Self.org, reach: .installation, roles: [.admin])
        #expect(KeyScopeAuthority.scopes(caller: root, requested: [.systemBackup], preset: [], ownerRole: .builtIn(.admin), ownerLogin: "ada")
                == .failure(.beyondOwnerRole(.systemBackup, login: "ada", role: "admin")))
    }

    @Test(arguments: [
        // caller, the key's scopes, owner's role, refusal
        (KeyScopeAuthorityTests.admin, Set<Permission>?.none, MemberRole?.some(.builtIn(.developer)), KeyScopeRefusal?.none),
        (KeyScopeAuthorityTests.admin, nil, nil, .grantEveryPermissionOfOwner),
        (KeyScopeAuthorityTests.operatorScope, nil, .builtIn(.developer), .grantEveryPermissionOfOwner),
        (KeyScopeAuthorityTests.limitedAdmin, nil, .builtIn(.viewer), .grantEveryPermissionOfOwner),
        (KeyScopeAuthorityTests.operatorScope, [.executionsView], nil, nil),
        (KeyScopeAuthorityTests.operatorScope, [.executionsView, .settingsManage], nil, .grantBeyondCaller(.settingsManage)),
    ] as [(Scope, Set<Permission>?, MemberRole?, KeyScopeRefusal?)])
    func aRotationMayOnlyRegrantWhatTheCallerCouldGrant(_ caller: Scope, _ scopes: Set<Permission>?, _ ownerRole: MemberRole?,
                                                        _ refusal: KeyScopeRefusal?) {
        #expect(KeyScopeAuthority.rotationRefusal(caller: caller, scopes: scopes, ownerRole: ownerRole) == refusal)
    }
}
