import ArgumentParser
import Client
import Foundation

/// `agentctl mfa …`: TOTP enrolment and the org's MFA policy.
struct MFA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mfa",
        abstract: "Enrol in TOTP, confirm, remove, and set which roles must use it.",
        subcommands: [Enrol.self, Confirm.self, Remove.self, Policy.self]
    )

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start enrolment: prints the otpauth URI for your app and recovery codes (shown once).")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let enrolment = try await connection.client.call(.POST, "/api/v1/mfa/totp").json ?? [:]
                if connection.output == .json { return Output.json(enrolment) }
                print("Add this to your authenticator app (or type the secret):")
                print("  \(enrolment.text("otpauth_uri"))")
                print("  secret: \(enrolment.text("secret"))")
                print("Recovery codes (each works once; store them offline now, they are not shown again):")
                for code in enrolment["recovery_codes"] as? [String] ?? [] { print("  \(code)") }
                print("Then: agentctl mfa confirm CODE")
            }
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm enrolment with the code your app shows now.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The 6-digit code.") var code: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.POST, "/api/v1/mfa/totp/confirm", json: ["code": code])
                print("MFA enrolled; logins now need a code")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user's TOTP (yours, or anyone's with users.manage).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The user (ID or login).") var user: String
        @Option(help: "For your own: a current code from your app or a recovery code.") var code: String?

        func run() async throws {
            try await reportingFailures {
                let query = code.map { "?code=\(Users.escape($0))" } ?? ""
                _ = try await connection.client.call(.DELETE, "/api/v1/users/\(Users.escape(user))/mfa" + query)
                print("MFA removed for \(user)")
            }
        }
    }

    struct Policy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set the roles that must use MFA in an org.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The org (ID or name).") var org: String
        @Option(name: .customLong("require"), help: "A role that must use MFA (repeat; none to clear).") var roles: [String] = []

        func run() async throws {
            try await reportingFailures {
                let policy = try await connection.client.call(.PUT, "/api/v1/orgs/\(Users.escape(org))/mfa-policy",
                                                              json: ["required_roles": roles]).json ?? [:]
                if connection.output == .json { return Output.json(policy) }
                let required = (policy["required_roles"] as? [String] ?? []).joined(separator: ", ")
                print("MFA required in \(org) for: \(required.isEmpty ? "nobody" : required)")
            }
        }
    }
}
