import ArgumentParser
import Client
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `agentctl login`: opens a session with a password and keeps its token for later commands.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log in with your password, or through your identity provider (--sso); later commands to the same address use the session.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Your login (asked for when missing).") var login: String?
    @Option(help: "The org to act in (ID or name); default: your oldest membership.") var org: String?
    @Flag(help: "Read the password from standard input instead of asking.") var passwordStdin = false
    @Option(help: "The code your authenticator app shows (asked for when agentd needs one).") var totp: String?
    @Option(help: "A recovery code, instead of a TOTP code.") var recoveryCode: String?
    @Option(help: "Log in through this identity provider (agentctl sso list): open the URL it prints in a browser.") var sso: String?
    @Flag(help: "With --sso, when the browser is on another machine: type the code its page shows instead.") var manual = false

    func run() async throws {
        if let sso { return try await loginThroughProvider(sso) }
        let name = login ?? prompt("login: ")
        let password: String
        if passwordStdin {
            password = readLine(strippingNewline: true) ?? ""
        } else {
            password = getpass("password: ").map { String(cString: $0) } ?? ""
        }
        try await reportingFailures {
            var body: [String: Any] = ["login": name, "password": password]
            if let org { body["org"] = org }
            if let totp { body["totp_code"] = totp }
            if let recoveryCode { body["recovery_code"] = recoveryCode }
            var client = connection.client
            client.bearerToken = nil
            let session: [String: Any]
            do {
                session = try await client.call(.POST, "/api/v1/login", json: body).json ?? [:]
            } catch ClientError.problem(let problem) where problem.code == "mfa_required" && !passwordStdin {
                body["totp_code"] = prompt("authenticator code: ")
                session = try await client.call(.POST, "/api/v1/login", json: body).json ?? [:]
            }
            try SessionFile.save(session.text("token"), for: connection.endpoint.description)
            if connection.output == .json {
                var shown = session
                shown["token"] = nil
                return Output.json(shown)
            }
            print("logged in as \(name); session \(session.text("id")) until \(session.text("expires_at")) (sooner when idle)")
            if (session["mfa_pending"] as? Bool) == true {
                print("your org requires MFA for your role: run `agentctl mfa enrol` before anything else")
            }
        }
    }

    /// The terminal's single sign-on: agentd starts the login, the person signs in at the IdP in
    /// a browser, and the browser brings a one-time code back (to a listener on 127.0.0.1 here,
    /// or typed in with --manual); the code and the poll secret buy the session, once.
    private func loginThroughProvider(_ provider: String) async throws {
        try await reportingFailures {
            var client = connection.client
            client.bearerToken = nil
            let listener = manual ? nil : try LoopbackListener()
            var body: [String: Any] = [:]
            if let listener { body["loopback_port"] = listener.port }
            let start = try await client.call(.POST, "/api/v1/sso/\(Users.escape(provider))/terminal-logins", json: body).json ?? [:]
            let url = start.text("authorization_url")
            FileHandle.standardError.write(Data("open this address in a browser to sign in (valid 10 minutes):\n\n  \(url)\n\n".utf8))
            if !manual { openBrowser(url) }
            let code: String
            if let listener {
                let waiting = "waiting for the browser to come back to 127.0.0.1:\(listener.port)… "
                    + "(browser on another machine? press Ctrl-C and use --manual)\n"
                FileHandle.standardError.write(Data(waiting.utf8))
                guard let back = await listener.code(within: 600) else {
                    Output.error("the browser did not come back within 10 minutes; run agentctl login --sso \(provider) again")
                    throw ExitCode(1)
                }
                code = back
            } else {
                code = prompt("code shown by the browser: ")
            }
            let session = try await client.call(.POST, "/api/v1/sso/terminal-logins/finish",
                                                json: ["poll": start.text("poll"), "code": code]).json ?? [:]
            try SessionFile.save(session.text("token"), for: connection.endpoint.description)
            if connection.output == .json {
                var shown = session
                shown["token"] = nil
                return Output.json(shown)
            }
            print("logged in through \(provider); session \(session.text("id")) until \(session.text("expires_at")) (sooner when idle)")
        }
    }

    /// Starts `$BROWSER` with the URL when it is set (the usual convention on Linux desktops and
    /// in `sensible-browser`); otherwise the person opens the printed address.
    private func openBrowser(_ url: String) {
        guard let browser = ProcessInfo.processInfo.environment["BROWSER"], !browser.isEmpty else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec " + browser + " \"$1\"", "sh", url]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try? process.run()
    }

    private func prompt(_ text: String) -> String {
        FileHandle.standardError.write(Data(text.utf8))
        return readLine(strippingNewline: true) ?? ""
    }
}

/// `agentctl logout`: ends the stored session for this address.
struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End your session and forget its token.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let endpoint = connection.endpoint.description
        guard let token = SessionFile.token(for: endpoint) else {
            Output.error("not logged in at \(endpoint)")
            return
        }
        try await reportingFailures {
            // The stored session, not an API key that may also be configured.
            var client = connection.client
            client.bearerToken = token
            do {
                _ = try await client.call(.POST, "/api/v1/logout")
            } catch ClientError.problem(let problem) where problem.status == 401 {
                // Already ended or expired on the server: nothing left to end.
            }
            try SessionFile.save(nil, for: endpoint)
            print("logged out")
        }
    }
}

/// `agentctl sessions list|revoke`.
struct Sessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List and end your login sessions.",
                                                    subcommands: [List.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Your open sessions.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/sessions").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["ID", "CREATED", "LAST SEEN", "EXPIRES", "CLIENT"],
                             rows: (page["items"] as? [[String: Any]] ?? []).map {
                                 [$0.text("id"), $0.text("created_at"), $0.text("last_seen_at"), $0.text("expires_at"), $0.text("client")]
                             })
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a session (yours, or anyone's in your org with users.manage).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The session's ID (ags_…).") var session: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/sessions/\(session)")
                print("revoked \(session)")
            }
        }
    }
}

/// `agentctl passwd`: sets a password (yours, or another user's with users.manage).
struct Passwd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Set a password: yours, or another user's as an administrator.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The user (ID or login).") var user: String
    @Flag(help: "Read the new password (and then the current one, if any) from standard input, one per line.")
    var passwordStdin = false

    func run() async throws {
        let password: String
        var current: String?
        if passwordStdin {
            password = readLine(strippingNewline: true) ?? ""
            current = readLine(strippingNewline: true)
        } else {
            password = getpass("new password: ").map { String(cString: $0) } ?? ""
            current = getpass("current password (empty when setting someone else's): ").map { String(cString: $0) }
        }
        try await reportingFailures {
            var body: [String: Any] = ["password": password]
            if let current, !current.isEmpty { body["current_password"] = current }
            _ = try await connection.client.call(.PUT, "/api/v1/users/\(Users.escape(user))/password", json: body)
            print("password set for \(user)")
        }
    }
}
