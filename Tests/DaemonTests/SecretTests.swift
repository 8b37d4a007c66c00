import Client
import Foundation
import Testing

/// Secrets through the real daemon: values in, never out; sealed in the file; per environment.
@Suite(.serialized) struct SecretTests {
    static let json = [("Content-Type", "application/json")]

    @Test func aValueGoesInSealedAndNeverComesBack() async throws {
        try await TestDaemon.run { daemon in
            let value = "sfdc-password-\(UUID().uuidString)"
            let first = try await daemon.socket.call(.PUT, "/api/v1/secrets",
                                                     json: ["environment": "prod", "path": "payments/sfdc", "value": value]).json
            #expect(first?["version"] as? Int == 1)
            let second = try await daemon.socket.call(.PUT, "/api/v1/secrets",
                                                      json: ["environment": "prod", "path": "payments/sfdc", "value": value + "-2"]).json
            #expect(second?["version"] as? Int == 2)
            _ = try await daemon.socket.call(.PUT, "/api/v1/secrets", json: ["environment": "dev", "path": "payments/sfdc", "value": "dev-only"])

            let list = try await daemon.socket.send(.GET, "/api/v1/secrets")
            let versions = try await daemon.socket.send(.GET, "/api/v1/secrets/versions?environment=prod&path=payments/sfdc")
            let audit = try await daemon.socket.send(.GET, "/api/v1/audit?limit=200")
            for response in [list, versions, audit] {
                #expect(!String(decoding: response.body, as: UTF8.self).contains(value), "no route returns a value")
            }
            #expect((versions.json?["items"] as? [[String: Any]])?.map { $0["version"] as? Int } == [2, 1])
            #expect((list.json?["items"] as? [[String: Any]])?.count == 2)
            #expect(!daemon.log.text.contains(value), "values are never logged")
            let python = try await runProgram("/usr/bin/env", ["python3", "-c",
                "import sqlite3,sys; d=open(sys.argv[1],'rb').read()+open(sys.argv[1]+'-wal','rb').read(); print(sys.argv[2].encode() in d)",
                daemon.databasePath, value])
            #expect(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "False", "the database file holds no plaintext")

            let status = try await daemon.socket.call(.GET, "/api/v1/vault").json
            #expect(status?["sealed"] as? Bool == false)
            #expect(status?["secrets"] as? Int == 2)
            #expect(status?["key_ids"] as? [String] == ["mk1"])

            #expect(try await daemon.socket.send(.DELETE, "/api/v1/secrets?environment=prod&path=payments/sfdc").status == 204)
            #expect(try await daemon.socket.send(.GET, "/api/v1/secrets/versions?environment=prod&path=payments/sfdc").status == 404)
        }
    }

    @Test func badInputGetsItsOwnProblemAndWritesNothing() async throws {
        try await TestDaemon.run { daemon in
            let cases: [(String, Int, String)] = [
                (#"{"environment":"prod","path":"big","value":"\#(String(repeating: "x", count: 70_000))"}"#, 413, "secret_too_large"),
                (#"{"environment":"prod","path":"../etc/passwd","value":"x"}"#, 422, "validation_failed"),
                (#"{"environment":"QA","path":"ok/path","value":"x"}"#, 422, "validation_failed"),
                (#"{"environment":"qa","path":"ok/path","value":"x"}"#, 404, "not_found"),
                (#"{"environment":"prod","path":"ok/path"}"#, 422, "validation_failed"),
                (#"{"environment":"prod","path":"ok/path","value_base64":"***"}"#, 422, "validation_failed"),
            ]
            for (body, status, code) in cases {
                let response = try await daemon.socket.send(.PUT, "/api/v1/secrets", body: Data(body.utf8), headers: Self.json)
                #expect(response.status == status, "\(body.prefix(60))")
                #expect(response.json?["code"] as? String == code)
            }
            let list = try await daemon.socket.call(.GET, "/api/v1/secrets").json?["items"] as? [Any]
            #expect(list?.isEmpty == true)
        }
    }

    @Test func agentctlStoresFromAFileAndShowsTheVault() async throws {
        try await TestDaemon.run { daemon in
            let directory = try TestDaemon.makeDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let file = directory + "/creds.json"
            try #"{"user":"svc","password":"p"}"#.write(toFile: file, atomically: true, encoding: .utf8)
            let agentctl = TestDaemon.binaries + "/agentctl"
            let socket = ["--socket", daemon.socketPath]
            let set = try await runProgram(agentctl, ["secrets", "set", "payments/sfdc", "--env", "prod", "--from-file", file] + socket)
            #expect(set.status == 0, "\(set.stderr)")
            #expect(set.stdout.contains("prod/payments/sfdc is now version 1"))
            let list = try await runProgram(agentctl, ["secrets", "list"] + socket)
            #expect(list.stdout.contains("payments/sfdc"))
            #expect(!list.stdout.contains("svc"))
            let vault = try await runProgram(agentctl, ["vault", "status"] + socket)
            #expect(vault.stdout.contains("mk1"), "\(vault.stdout)")
        }
    }
}

@Suite(.serialized) struct VaultRotationTests {
    @Test func rotationRewrapsEverythingWithoutAFailedReadAndRetiresTheOldKey() async throws {
        try await TestDaemon.run { daemon in
            for index in 0..<50 {
                _ = try await daemon.socket.call(.PUT, "/api/v1/secrets", json: ["environment": "prod", "path": "s/\(index)", "value": "value-\(index)"])
            }
            // Checks run while the rotation does: none may fail.
            async let rotation = daemon.socket.call(.POST, "/api/v1/vault/rotate")
            var checks: [Int] = []
            for _ in 0..<5 {
                let check = try await daemon.socket.call(.POST, "/api/v1/vault/check").json
                checks.append((check?["failed"] as? [Any])?.count ?? -1)
            }
            let result = try await rotation.json
            #expect(checks.allSatisfy { $0 == 0 }, "\(checks)")
            #expect(result?["active_key_id"] as? String == "mk2")
            #expect(result?["rewrapped"] as? Int == 50)
            let after = try await daemon.socket.call(.POST, "/api/v1/vault/check").json
            #expect(after?["checked"] as? Int == 50)
            #expect((after?["failed"] as? [Any])?.isEmpty == true)
            let status = try await daemon.socket.call(.GET, "/api/v1/vault").json
            #expect(status?["key_ids"] as? [String] == ["mk2"])
            let keyring = try String(contentsOfFile: daemon.directory + "/.agentd/master.keyring", encoding: .utf8)
            #expect(keyring.hasPrefix("mk2 ") && !keyring.contains("mk1"))
        }
        // A restart with the rotated keyring opens everything.
    }

    @Test func aTamperedValueIsNamedByCheck() async throws {
        try await TestDaemon.run { daemon in
            _ = try await daemon.socket.call(.PUT, "/api/v1/secrets", json: ["environment": "prod", "path": "db/pw", "value": "original-value"])
            _ = try await daemon.socket.call(.PUT, "/api/v1/secrets", json: ["environment": "prod", "path": "db/other", "value": "other-value"])
            // An attacker with the file moves one value's ciphertext onto another path.
            let python = try await runProgram("/usr/bin/env", ["python3", "-c", """
                import sqlite3,sys
                c=sqlite3.connect(sys.argv[1])
                row=c.execute("SELECT wrapped_key, ciphertext FROM secret_version WHERE path='db/pw'").fetchone()
                c.execute("UPDATE secret_version SET wrapped_key=?, ciphertext=? WHERE path='db/other'", row)
                c.commit()
                """, daemon.databasePath])
            #expect(python.status == 0, "\(python.stderr)")
            let agentctl = try await runProgram(TestDaemon.binaries + "/agentctl", ["vault", "check", "--socket", daemon.socketPath])
            #expect(agentctl.status == 1)
            #expect(agentctl.stdout.contains("prod/db/other v1: tampered"), "\(agentctl.stdout)")
            #expect(!agentctl.stdout.contains("db/pw v1"))
        }
    }
}

@Suite(.serialized) struct PassphraseVaultTests {
    @Test func aPassphraseVaultStartsSealedAndOpensOnlyWithTheRightPassphrase() async throws {
        let env = ["AGENTD_VAULT_KEY_SOURCE": "passphrase"]
        let first = try await TestDaemon.start(environment: env)
        #expect(try await first.socket.call(.GET, "/api/v1/vault").json?["sealed"] as? Bool == true)
        let sealedWrite = try await first.socket.send(.PUT, "/api/v1/secrets",
            body: Data(#"{"environment":"dev","path":"a/b","value":"value-1"}"#.utf8), headers: [("Content-Type", "application/json")])
        #expect(sealedWrite.status == 503)
        #expect(sealedWrite.json?["code"] as? String == "vault_sealed")
        let opened = try await first.socket.call(.POST, "/api/v1/vault/unseal", json: ["passphrase": "correct horse battery staple"]).json
        #expect(opened?["sealed"] as? Bool == false)
        _ = try await first.socket.call(.PUT, "/api/v1/secrets", json: ["environment": "dev", "path": "a/b", "value": "value-1"])
        #expect(try await first.stop() == 0)

        let second = try await TestDaemon.start(directory: first.directory, environment: env)
        #expect(try await second.socket.call(.GET, "/api/v1/vault").json?["sealed"] as? Bool == true)
        let wrong = try await second.socket.send(.POST, "/api/v1/vault/unseal",
            body: Data(#"{"passphrase":"wrong horse battery staple"}"#.utf8), headers: [("Content-Type", "application/json")])
        #expect(wrong.status == 403)
        #expect(wrong.json?["code"] as? String == "unseal_failed")
        #expect(try await second.socket.call(.GET, "/api/v1/vault").json?["sealed"] as? Bool == true)
        _ = try await second.socket.call(.POST, "/api/v1/vault/unseal", json: ["passphrase": "correct horse battery staple"])
        let check = try await second.socket.call(.POST, "/api/v1/vault/check").json
        #expect(check?["checked"] as? Int == 1)
        #expect((check?["failed"] as? [Any])?.isEmpty == true)
        #expect(try await second.stop() == 0, "\(second.log.text)")
    }
}
