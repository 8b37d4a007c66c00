import ArgumentParser
import Client
import Foundation

/// `agentctl sso …`: identity providers people log in through (docs/sso.md). Managing them is
/// an installation administrator's act.
struct SSO: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sso",
        abstract: "Add, show, test and remove identity providers (OpenID Connect, SAML 2.0); require single sign-on for an org.",
        subcommands: [Add.self, List.self, Show.self, Test.self, Remove.self, Require.self, SPMetadata.self]
    )

    static func path(_ name: String, _ suffix: String = "") -> String { "/api/v1/sso/providers/\(Users.escape(name))\(suffix)" }

    static func show(_ provider: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(provider) }
        func list(_ key: String) -> String { (provider[key] as? [String]).map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "" }
        if provider.text("kind") == "saml" {
            var pairs = [("name", provider.text("name")), ("kind", "saml"), ("org", provider.text("org")),
                         ("idp_entity_id", provider.text("idp_entity_id")), ("sso_url", provider.text("sso_url")),
                         ("sp_entity_id", provider.text("sp_entity_id") + "  (the Audience: agentd's entityID at the IdP)"),
                         ("acs_url", provider.text("acs_url") + "  (register this at the IdP, HTTP-POST)"),
                         ("sp_metadata", provider.text("sp_metadata_url") + "  (or: agentctl sso sp-metadata \(provider.text("name")) > sp.xml)"),
                         ("login_attribute", provider["login_attribute"] is String ? provider.text("login_attribute") : "the NameID"),
                         ("groups_attribute", provider.text("groups_attribute")), ("map", list("map")),
                         ("link_existing", provider.text("link_existing")), ("login_url", provider.text("login_url"))]
            if provider["linked_people"] is Int { pairs.append(("linked_people", provider.text("linked_people"))) }
            return Output.pairs(pairs)
        }
        var pairs = [("name", provider.text("name")), ("kind", provider.text("kind")), ("org", provider.text("org")),
                     ("issuer", provider.text("issuer")), ("client_id", provider.text("client_id")),
                     ("client_secret", provider["client_secret_path"] is String
                        ? "vault \(provider.text("client_secret_env"))/\(provider.text("client_secret_path"))" : "none (public client)"),
                     ("scopes", list("scopes")), ("groups_claim", provider.text("groups_claim")), ("login_claim", provider.text("login_claim")),
                     ("map", list("map")), ("link_existing", provider.text("link_existing")),
                     ("login_url", provider.text("login_url")), ("redirect_uri", provider.text("redirect_uri") + "  (register this at the IdP)")]
        if provider["ca_file"] is String { pairs.append(("ca_file", provider.text("ca_file"))) }
        if provider["api_audience"] is String {
            pairs.append(("api_audience", provider.text("api_audience")))
            pairs.append(("programs", list("programs")))
        }
        if provider["linked_people"] is Int { pairs.append(("linked_people", provider.text("linked_people"))) }
        Output.pairs(pairs)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an OpenID Connect or SAML 2.0 identity provider (or replace one with --replace).",
            discussion: """
                oidc: register agentd at the IdP first, with the redirect URI \
                <public_url>/auth/callback/NAME (agentctl sso show NAME prints it), and put the client secret in the org's vault: \
                agentctl secrets set sso/NAME --env prod. saml: give --metadata-file with the IdP's metadata, then give the IdP \
                agentd's (agentctl sso sp-metadata NAME). Each --map GROUP=ROLE (or GROUP=ROLE@TEAM) gives the IdP group's people that \
                role; at every login their roles are set again from their groups, and someone in no mapped group loses access.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "oidc or saml.") var kind: String
        @Argument(help: "Its name: people log in at /auth/login/NAME.") var name: String
        @Option(help: "oidc: the IdP's issuer URL, exactly as its discovery document states it.") var issuer: String?
        @Option(name: .customLong("client-id"), help: "oidc: agentd's client ID at the IdP.") var clientID: String?
        @Option(name: .customLong("metadata-file"), help: "saml: the IdP's metadata XML.") var metadataFile: String?
        @Option(name: .customLong("sp-entity-id"), help: "saml: agentd's entityID at the IdP (default: its SP metadata URL).") var spEntityID: String?
        @Option(name: .customLong("login-attribute"), help: "saml: the attribute that becomes the agentd login (default: the NameID).") var loginAttribute: String?
        @Option(name: .customLong("groups-attribute"), help: "saml: the attribute with the person's groups (default groups).") var groupsAttribute: String?
        @Option(name: .customLong("client-secret-path"), help: "Vault path of the client secret (none: a public client, PKCE only).") var clientSecretPath: String?
        @Option(name: .customLong("client-secret-env"), help: "Vault environment of the client secret (default prod).") var clientSecretEnv: String?
        @Option(help: "The org its people log into (default: yours).") var org: String?
        @Option(name: .customLong("map"), help: "GROUP=ROLE or GROUP=ROLE@TEAM (repeat it).") var maps: [String] = []
        @Option(name: .customLong("scope"), help: "A scope to ask for (repeat it; default openid profile email).") var scopes: [String] = []
        @Option(name: .customLong("groups-claim"), help: "The claim with the person's groups (default groups; realm_access.roles reaches inside).") var groupsClaim: String?
        @Option(name: .customLong("login-claim"), help: "The claim that becomes the agentd login (default preferred_username).") var loginClaim: String?
        @Option(name: .customLong("ca-file"), help: "PEM file of the CAs the IdP's certificate is checked against (on the agentd host).") var caFile: String?
        @Option(name: .customLong("api-audience"), help: "The aud of programs' access tokens: lets programs call with them.") var apiAudience: String?
        @Option(name: .customLong("program-claim"), help: "The claim naming a program's client (default azp, else client_id; Okta cid, Azure AD appid).") var programClaim: String?
        @Option(name: .customLong("program"), help: "CLIENT=LOGIN: the program's tokens act as that service account (repeat it).") var programs: [String] = []
        @Flag(name: .customLong("link-existing"), help: "Let a first login take over a local user of the same login.") var linkExisting = false
        @Flag(help: "Replace the provider of this name.") var replace = false

        func run() async throws {
            var body: [String: Any] = ["kind": kind, "map": maps]
            switch kind {
            case "oidc":
                guard let issuer, let clientID else { throw ValidationError("oidc needs --issuer and --client-id") }
                body["issuer"] = issuer
                body["client_id"] = clientID
            case "saml":
                guard let metadataFile else { throw ValidationError("saml needs --metadata-file with the IdP's metadata") }
                guard let data = FileManager.default.contents(atPath: metadataFile) else { throw ValidationError("cannot read \(metadataFile)") }
                body["metadata"] = String(decoding: data, as: UTF8.self)
                if let spEntityID { body["sp_entity_id"] = spEntityID }
                if let loginAttribute { body["login_attribute"] = loginAttribute }
                if let groupsAttribute { body["groups_attribute"] = groupsAttribute }
            default:
                throw ValidationError("KIND must be oidc or saml")
            }
            if !replace { body["name"] = name }
            if let clientSecretPath { body["client_secret_path"] = clientSecretPath }
            if let clientSecretEnv { body["client_secret_env"] = clientSecretEnv }
            if let org { body["org"] = org }
            if !scopes.isEmpty { body["scopes"] = scopes }
            if let groupsClaim { body["groups_claim"] = groupsClaim }
            if let loginClaim { body["login_claim"] = loginClaim }
            if let caFile { body["ca_file"] = caFile }
            if let apiAudience { body["api_audience"] = apiAudience }
            if let programClaim { body["program_claim"] = programClaim }
            if !programs.isEmpty { body["programs"] = programs }
            if linkExisting { body["link_existing"] = true }
            try await reportingFailures {
                let client = connection.client
                let provider = replace ? try await client.call(.PUT, SSO.path(name), json: body)
                                       : try await client.call(.POST, "/api/v1/sso/providers", json: body)
                SSO.show(provider.json ?? [:], as: connection.output)
                if connection.output != .json {
                    Output.error("next: agentctl sso test \(name)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the identity providers.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let listing = try await connection.client.call(.GET, "/api/v1/sso/providers").json ?? [:]
                if connection.output == .json { return Output.json(listing) }
                let items = listing["items"] as? [[String: Any]] ?? []
                Output.table(headers: ["NAME", "KIND", "ORG", "ISSUER / IDP", "CLIENT / SP", "MAPPINGS", "PROGRAMS", "PEOPLE"], rows: items.map {
                    [$0.text("name"), $0.text("kind"), $0.text("org"), $0["issuer"] is String ? $0.text("issuer") : $0.text("idp_entity_id"),
                     $0["client_id"] is String ? $0.text("client_id") : $0.text("sp_entity_id"),
                     String(($0["map"] as? [Any])?.count ?? 0), String(($0["programs"] as? [Any])?.count ?? 0), $0.text("linked_people")]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an identity provider: settings, login URL, the redirect URI to register.")
        @OptionGroup var connection: ConnectionOptions
        @Argument var name: String

        func run() async throws {
            try await reportingFailures {
                SSO.show(try await connection.client.call(.GET, SSO.path(name)).json ?? [:], as: connection.output)
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch the provider's discovery document and keys, check the client secret is in the vault, and report.")
        @OptionGroup var connection: ConnectionOptions
        @Argument var name: String

        func run() async throws {
            try await reportingFailures {
                let report = try await connection.client.call(.POST, SSO.path(name, "/test")).json ?? [:]
                if connection.output == .json { return Output.json(report) }
                func list(_ key: String) -> String { (report[key] as? [String]).map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "" }
                if report.text("kind") == "saml" {
                    Output.pairs([("idp_entity_id", report.text("idp_entity_id")), ("sso_url", report.text("sso_url")),
                                  ("sp_entity_id", report.text("sp_entity_id")), ("acs_url", report.text("acs_url"))])
                } else {
                Output.pairs([("issuer", report.text("issuer")), ("authorization", report.text("authorization_endpoint")),
                              ("token", report.text("token_endpoint")), ("userinfo", report.text("userinfo_endpoint")),
                              ("end_session", report.text("end_session_endpoint")), ("algorithms", list("signing_algorithms")),
                              ("keys", list("key_ids")), ("pkce_s256", report.text("pkce_s256")), ("client_secret", report.text("client_secret")),
                              ("redirect_uri", report.text("redirect_uri"))])
                }
                let problems = report["problems"] as? [String] ?? []
                if problems.isEmpty {
                    print("ok: people can log in at /auth/login/\(name) (agentctl login --sso \(name))")
                } else {
                    for problem in problems { Output.error("problem: \(problem)") }
                    throw ExitCode(1)
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an identity provider; its people keep their accounts and sessions.")
        @OptionGroup var connection: ConnectionOptions
        @Argument var name: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, SSO.path(name))
                print("removed \(name)")
            }
        }
    }

    struct Require: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Require single sign-on for an org: its people may no longer log in with a password, except break-glass logins.",
            discussion: "Name at least one org admin with a password as --break-glass: they can still log in when the IdP is down.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The org (default: yours).") var org: String?
        @Option(name: .customLong("break-glass"), help: "A login that may still use its password (repeat it).") var breakGlass: [String] = []
        @Flag(help: "Stop requiring it: passwords work again.") var off = false

        func run() async throws {
            try await reportingFailures {
                let client = connection.client
                var target = org ?? ""
                if org == nil { target = (try await client.call(.GET, "/api/v1/whoami").json ?? [:]).text("org_id") }
                let answer = try await client.call(.PUT, "/api/v1/orgs/\(Users.escape(target))/sso",
                                                   json: ["required": !off, "break_glass": breakGlass]).json ?? [:]
                if connection.output == .json { return Output.json(answer) }
                if (answer["required"] as? Bool) == true {
                    print("single sign-on is required in \(target); break-glass: \((answer["break_glass"] as? [String] ?? []).joined(separator: ", "))")
                } else {
                    print("single sign-on is no longer required in \(target)")
                }
            }
        }
    }

    struct SPMetadata: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sp-metadata",
            abstract: "Print agentd's SAML service-provider metadata for a SAML provider, for the IdP's admin (agentctl sso sp-metadata corp > sp.xml).")
        @OptionGroup var connection: ConnectionOptions
        @Argument var name: String

        func run() async throws {
            try await reportingFailures {
                let response = try await connection.client.send(.GET, "/auth/saml/\(Users.escape(name))/metadata")
                guard response.status == 200 else {
                    Output.error("\(name) is not a SAML provider (agentctl sso list)")
                    throw ExitCode(1)
                }
                FileHandle.standardOutput.write(response.body)
            }
        }
    }
}
