import Core
import Testing

/// Erasure's pure rules: which strings mention a person, and the sealed audit form that lets an
/// erased value be replaced without breaking the chain.
struct ErasureRulesTests {
    static let subject = ErasureSubject(userID: "usr_01ABC", login: "alice", displayName: "Alice Liddell", unixUID: 1000, keyIDs: ["agk_01KEY"])

    @Test(arguments: [
        ("alice", "erased"),
        ("mail alice@corp.example now", "mail erased@corp.example now"),
        ("\"by\":\"ALICE\"", "\"by\":\"erased\""),
        ("malice and alice_b and alice2", "malice and alice_b and alice2"),
        ("written for Alice Liddell.", "written for erased."),
        ("alicealice", "alicealice"),
        ("key:agk_01KEY acted", "key:erased acted"),
        ("", ""),
    ])
    func mentionsAreWholeWordsCaseInsensitiveLongestFirst(text: String, expected: String) {
        let strings = Self.subject.mentions
        #expect(Mentions.replace(strings, in: text, with: "erased").text == expected)
        #expect(Mentions.contains(strings, in: text) == (text != expected))
    }

    @Test func identifiersAreEveryFormAnActorTakesAndShortStringsAreNotSearched() {
        #expect(Self.subject.identifiers == ["usr_01ABC", "user:usr_01ABC", "alice", "uid:1000", "agk_01KEY", "key:agk_01KEY"])
        let short = ErasureSubject(userID: "usr_X1", login: "al", displayName: "Al", unixUID: nil, keyIDs: [])
        #expect(short.mentions == ["usr_X1"], "two letters would match inside countless words")
        #expect(Self.subject.mentions.first == "Alice Liddell", "longest first")
    }

    @Test func thePseudonymIsRandomHex() {
        #expect(ErasureSubject.pseudonym(random: [0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 9]) == "erased:deadbeef00010203")
    }

    static let digest: AuditChain.Digest = { bytes in
        // A stand-in digest for the rules (FNV-1a spread to 32 bytes); Storage uses SHA-256.
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return (0..<32).map { UInt8(truncatingIfNeeded: hash >> (($0 % 8) * 8)) }
    }

    @Test func aSaltedRowVerifiesAfterErasureReplacedItsValuesAndNotAfterAnyOtherChange() {
        let entry = AuditEntry(at: Instant(millisecondsSinceEpoch: 1_000), orgID: "org_1", actor: "user:usr_01ABC", action: .keyCreated,
                               targetType: "api_key", targetID: "agk_01KEY", details: ["login": "alice", "name": "ci"])
        let salt = "00112233445566778899aabbccddeeff"
        let hash = AuditChain.hash(sequence: 1, entry: entry, previousHash: AuditChain.genesis, digest: Self.digest, form: 2, salt: salt)
        let written = AuditRecord(sequence: 1, entry: entry, previousHash: AuditChain.genesis, hash: hash, form: 2, salt: salt)
        #expect(AuditChain.verify([written], after: nil, digest: Self.digest) == nil)
        #expect(hash != AuditChain.hash(sequence: 1, entry: entry, previousHash: AuditChain.genesis, digest: Self.digest),
                "form 2 hashes differently from form 1")
        let otherSalt = AuditRecord(sequence: 1, entry: entry, previousHash: AuditChain.genesis, hash: hash, form: 2, salt: "ff" + salt.dropFirst(2))
        #expect(AuditChain.verify([otherSalt], after: nil, digest: Self.digest) == .contentChanged(sequence: 1))

        // Erasure: replaced values kept as their salted hash, the other fields' salts kept, the row's salt dropped.
        func fieldSalt(_ field: String) -> String { AuditChain.fieldSalt(rowSalt: salt, field: field, digest: Self.digest) }
        func kept(_ field: String, _ value: String) -> String { "c:" + AuditChain.commitment(fieldSalt: fieldSalt(field), value: value, digest: Self.digest) }
        let erased = AuditEntry(at: entry.at, orgID: entry.orgID, actor: "erased:1", action: entry.action, targetType: entry.targetType,
                                targetID: "erased:1", details: ["login": "erased:1", "name": "ci"])
        let sealed = ["actor": kept("actor", "user:usr_01ABC"), "target_id": kept("target_id", "agk_01KEY"),
                      "details.login": kept("details.login", "alice"), "details.name": "s:" + fieldSalt("details.name")]
        let afterErasure = AuditRecord(sequence: 1, entry: erased, previousHash: AuditChain.genesis, hash: hash, form: 2, sealed: sealed)
        #expect(AuditChain.verify([afterErasure], after: nil, digest: Self.digest) == nil)

        // Any other change: a field kept by its salt changed; a kept hash swapped for another value's; a salt missing.
        let renamed = AuditEntry(at: entry.at, orgID: entry.orgID, actor: "erased:1", action: entry.action, targetType: entry.targetType,
                                 targetID: "erased:1", details: ["login": "erased:1", "name": "prod"])
        #expect(AuditChain.verify([AuditRecord(sequence: 1, entry: renamed, previousHash: AuditChain.genesis, hash: hash, form: 2, sealed: sealed)],
                                  after: nil, digest: Self.digest) == .contentChanged(sequence: 1))
        var swapped = sealed
        swapped["actor"] = kept("actor", "user:usr_OTHER")
        #expect(AuditChain.verify([AuditRecord(sequence: 1, entry: erased, previousHash: AuditChain.genesis, hash: hash, form: 2, sealed: swapped)],
                                  after: nil, digest: Self.digest) == .contentChanged(sequence: 1))
        var missing = sealed
        missing["details.name"] = nil
        #expect(AuditChain.verify([AuditRecord(sequence: 1, entry: erased, previousHash: AuditChain.genesis, hash: hash, form: 2, sealed: missing)],
                                  after: nil, digest: Self.digest) == .contentChanged(sequence: 1))
    }
}
