import Core

/// Response bodies of single sign-on.
extension Schemas {
    static let terminalLogin: JSON = [
        "type": "object", "required": ["authorization_url", "poll", "expires_at"],
        "properties": [
            "authorization_url": ["type": "string", "description": "Open this in a browser to sign in at the IdP."],
            "poll": ["type": "string", "description": "Kept by the terminal: with the code the browser brings back, it buys the session once."],
            "expires_at": timestamp,
        ],
    ]

    static let ssoLogout: JSON = [
        "type": "object",
        "properties": ["end_session_url": ["type": ["string", "null"], "description": "Send the browser here to end the IdP's session too."]],
    ]

    static let ssoProvider: JSON = [
        "type": "object",
        "required": ["name", "kind", "org", "org_id", "issuer", "client_id", "scopes", "groups_claim", "login_claim", "map", "programs",
                     "link_existing", "login_url", "redirect_uri", "created_at", "created_by", "updated_at"],
        "properties": [
            "name": ["type": "string"], "kind": ["type": "string", "enum": ["oidc"]], "org": ["type": "string"], "org_id": ["type": "string"],
            "issuer": ["type": "string"], "client_id": ["type": "string"],
            "client_secret_path": ["type": ["string", "null"], "description": "Where the secret is in the org's vault; the secret is never shown."],
            "client_secret_env": ["type": "string"], "scopes": ["type": "array", "items": ["type": "string"]],
            "groups_claim": ["type": "string"], "login_claim": ["type": "string"],
            "map": ["type": "array", "items": ["type": "string"]], "ca_file": ["type": ["string", "null"]],
            "api_audience": ["type": ["string", "null"]], "program_claim": ["type": ["string", "null"]],
            "programs": ["type": "array", "items": ["type": "string"]], "link_existing": ["type": "boolean"],
            "login_url": ["type": "string", "description": "Where people start a login."],
            "redirect_uri": ["type": "string", "description": "Register this at the IdP as the client's redirect URI."],
            "linked_people": ["type": ["integer", "null"]],
            "created_at": timestamp, "created_by": ["type": "string"], "updated_at": timestamp,
        ],
    ]

    static let samlProvider: JSON = [
        "type": "object",
        "required": ["name", "kind", "org", "org_id", "idp_entity_id", "sso_url", "sp_entity_id", "acs_url", "sp_metadata_url", "login_url",
                     "groups_attribute", "map", "link_existing", "created_at", "created_by", "updated_at"],
        "properties": [
            "name": ["type": "string"], "kind": ["type": "string", "enum": ["saml"]], "org": ["type": "string"], "org_id": ["type": "string"],
            "idp_entity_id": ["type": "string"], "sso_url": ["type": "string"],
            "sp_entity_id": ["type": "string", "description": "agentd's entityID at the IdP (the Audience)."],
            "acs_url": ["type": "string", "description": "Register this at the IdP as the ACS (HTTP-POST)."],
            "sp_metadata_url": ["type": "string", "description": "Or give the IdP this: agentd's SP metadata."],
            "login_url": ["type": "string"], "login_attribute": ["type": ["string", "null"]], "groups_attribute": ["type": "string"],
            "map": ["type": "array", "items": ["type": "string"]], "link_existing": ["type": "boolean"],
            "linked_people": ["type": ["integer", "null"]], "created_at": timestamp, "created_by": ["type": "string"], "updated_at": timestamp,
        ],
    ]

    static let anyProvider: JSON = ["oneOf": [ssoProvider, samlProvider]]

    static let samlTest: JSON = [
        "type": "object", "required": ["provider", "kind", "idp_entity_id", "sso_url", "sp_entity_id", "acs_url", "problems"],
        "properties": [
            "provider": ["type": "string"], "kind": ["type": "string", "enum": ["saml"]], "idp_entity_id": ["type": "string"],
            "sso_url": ["type": "string"], "sp_entity_id": ["type": "string"], "acs_url": ["type": "string"],
            "problems": ["type": "array", "items": ["type": "string"]],
        ],
    ]

    static let ssoTest: JSON = [
        "type": "object",
        "required": ["provider", "issuer", "redirect_uri", "authorization_endpoint", "token_endpoint", "signing_algorithms", "key_ids",
                     "pkce_s256", "client_secret", "problems"],
        "properties": [
            "provider": ["type": "string"], "issuer": ["type": "string"], "redirect_uri": ["type": "string"],
            "authorization_endpoint": ["type": "string"], "token_endpoint": ["type": "string"],
            "userinfo_endpoint": ["type": ["string", "null"]], "end_session_endpoint": ["type": ["string", "null"]],
            "signing_algorithms": ["type": "array", "items": ["type": "string"]], "key_ids": ["type": "array", "items": ["type": "string"]],
            "pkce_s256": ["type": "boolean"], "client_secret": ["type": "string"],
            "problems": ["type": "array", "items": ["type": "string"], "description": "Empty when logins can work."],
        ],
    ]

    static let ssoRequirement: JSON = [
        "type": "object", "required": ["required", "break_glass", "providers"],
        "properties": [
            "required": ["type": "boolean"], "break_glass": ["type": "array", "items": ["type": "string"]],
            "providers": ["type": "array", "items": ["type": "string"]],
        ],
    ]
}
