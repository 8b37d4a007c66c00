// Auth benchmark: what identifying a caller costs.
//   - API key check with the key cached (the common case): one HMAC-SHA-256 and a look-up.
//     Target p99 <= 100 µs.
//   - API key check with an empty cache (one database read).
//   - Password login with the Argon2id parameters agentd uses (verify + session written).
//   - Vault: a 1 KiB secret read (unwrap + decrypt) p99 and throughput; rotation of 10,000 secrets.
// Usage: auth-bench [iterations]
import Core
import Foundation
import AgentSecurity
import Storage

let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 20_000

func micros(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

func summary(_ samples: [Double]) -> String {
    let sorted = samples.sorted()
    func p(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
    return String(format: "p50 %8.1f µs   p99 %8.1f µs   max %8.1f µs   (n=%d)", p(0.5), p(0.99), sorted.last ?? 0, sorted.count)
}

_ = ChainDigest.prepare()
let directory = NSTemporaryDirectory() + "agentd-authbench-" + UUID().uuidString
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let now = Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
let database = try AgentDatabase(options: DatabaseOptions(path: directory + "/agentd.db"), now: now)
database.writer.start()
let audit = AuditLog(database: database, digest: ChainDigest.sha256)
let installation = Scope(orgID: OrgID.generate(at: now), reach: .installation, roles: [.admin])
let context = ChangeContext(scope: installation, actor: "bench", requestID: nil, now: now)
let org = try await OrgStore(database: database, audit: audit).create(name: "bench", displayName: nil, context: context)
_ = try await UserStore(database: database, audit: audit).create(login: "bench-user", displayName: nil, unixUID: nil,
                                                                 orgReference: org.id.rawValue, role: "developer", context: context)
let hasher = SecretHasher(key: SecretHasher.randomBytes(32))
let authenticator = APIKeyAuthenticator(lookup: CredentialLookup(database: database), hasher: hasher,
                                        cacheTTLMilliseconds: 3_600_000)
let token = APIKeyAuthenticator.newToken(at: now)
_ = try await APIKeyStore(database: database, audit: audit).create(
    id: token.id, secretHash: authenticator.hash(token), name: "bench", userReference: "bench-user",
    orgReference: org.id.rawValue, scopes: nil, expiresAt: nil, context: context)

// why detached: top-level code runs on the main actor, and every call from it would hop to the
// global executor and back, which a request handler in the daemon does not do.
let checkTime = now
let presented = token.text
let (cached, uncached) = try await Task.detached { () async throws -> ([Double], [Double]) in
    // Cached: warm once, then measure.
    _ = try await authenticator.authenticate(presented, now: checkTime)
    var cached: [Double] = []
    cached.reserveCapacity(iterations)
    for _ in 0..<iterations {
        let started = ContinuousClock.now
        _ = try await authenticator.authenticate(presented, now: checkTime)
        cached.append(micros(ContinuousClock.now - started))
    }
    // Uncached: drop the cache before each check (one database read).
    var uncached: [Double] = []
    for _ in 0..<min(iterations, 5_000) {
        authenticator.forgetAll()
        let started = ContinuousClock.now
        _ = try await authenticator.authenticate(presented, now: checkTime)
        uncached.append(micros(ContinuousClock.now - started))
    }
    return (cached, uncached)
}.value

// Password login: Argon2id verify plus the session row and its audit event.
let logins = LoginStore(database: database, audit: audit)
let userID = try await UserStore(database: database, audit: audit).get("bench-user", in: installation).user.id
try await logins.setPassword(of: userID, hash: PasswordHasher.hash("bench password phrase")!, historyDepth: 5, context: context)
let hashKey = SecretHasher.randomBytes(32)
let mfa = MFAService(store: MFAStore(database: database, audit: audit), sealer: SeedSealer(hashKey: hashKey), hasher: hasher)
let passwordLogin = PasswordLogin(store: logins, mfa: mfa, hasher: hasher)
var loginTimes: [Double] = []
for _ in 0..<30 {
    let started = ContinuousClock.now
    _ = try await passwordLogin.login("bench-user", password: "bench password phrase", orgName: nil, client: "bench",
                                      requestID: nil, now: now)
    loginTimes.append(micros(ContinuousClock.now - started))
}

// Vault: reading a 1 KiB secret (unwrap the data key, decrypt), and rotating 10,000 secrets.
var masterBytes = SecretHasher.randomBytes(32)
let vault = Vault(keys: [MasterKey(id: "mk1", bytes: &masterBytes)], source: "bench", keyringPath: directory + "/bench.keyring")
try Keyring.write(directory + "/bench.keyring", keys: [("mk1", SecretHasher.randomBytes(32))])
let secrets = SecretStore(database: database, audit: audit)
let vaultKeys = VaultKeyStore(database: database)
let value = SecretHasher.randomBytes(1024)
for index in 0..<10_000 {
    _ = try await secrets.put(path: "bench/s\(index)", environment: .prod, orgReference: org.id.rawValue, context: context,
                              seal: try vault.sealer(for: value))
}
let sealedValues = try await secrets.allSealed()
let (reads, readSeconds) = try await Task.detached { () async throws -> ([Double], Double) in
    var samples: [Double] = []
    let start = ContinuousClock.now
    for (ref, sealed) in sealedValues {
        let began = ContinuousClock.now
        _ = try vault.open(sealed, at: ref)
        samples.append(micros(ContinuousClock.now - began))
    }
    return (samples, micros(ContinuousClock.now - start) / 1e6)
}.value
let rotationStart = ContinuousClock.now
let rotated = try await vault.rotate(secrets, keyStore: vaultKeys, now: now)
let rotationSeconds = micros(ContinuousClock.now - rotationStart) / 1e6

print("auth benchmark (Argon2id opslimit \(PasswordHasher.opsLimit), memlimit \(PasswordHasher.memLimit / 1_048_576) MiB)")
print("API key, cached:     " + summary(cached) + "   (target p99 <= 100 µs)")
print("API key, uncached:   " + summary(uncached))
print("password login:      " + summary(loginTimes).replacingOccurrences(of: " µs", with: " µs"))
print("secret read (1 KiB):  " + summary(reads) + String(format: "   throughput %.0f reads/s", Double(reads.count) / readSeconds))
print(String(format: "vault rotation:       %d secrets re-wrapped in %.2f s (new key %@)", rotated.rewrapped, rotationSeconds, rotated.keyID))
await database.writer.stop()
