import Core
import AgentSecurity
import Testing

/// The vault's envelope encryption, tested the way an attacker with the database would try it.
@Suite struct VaultCryptoTests {
    static func key(_ id: String) -> MasterKey {
        var bytes = SecretHasher.randomBytes(32)
        return MasterKey(id: id, bytes: &bytes)
    }

    let master = VaultCryptoTests.key("mk1")
    let org = OrgID.generate(at: Instant(millisecondsSinceEpoch: 1))
    var ref: SecretRef { SecretRef(orgID: org, environment: .prod, path: "payments/sfdc", version: 1) }
    let value = Array(#"{"user":"svc","password":"hunter2-but-longer"}"#.utf8)

    @Test func roundTrips() throws {
        let sealed = VaultCrypto.seal(value, at: ref, with: master)
        #expect(try VaultCrypto.open(sealed, at: ref, keys: [master]) == value)
        #expect(sealed.keyID == "mk1")
    }

    @Test func sealingTwiceGivesDifferentBytes() {
        let first = VaultCrypto.seal(value, at: ref, with: master)
        let second = VaultCrypto.seal(value, at: ref, with: master)
        #expect(first.ciphertext != second.ciphertext)
        #expect(first.wrappedKey != second.wrappedKey)
    }

    @Test func aFlippedByteAnywhereFailsToOpen() {
        let sealed = VaultCrypto.seal(value, at: ref, with: master)
        for index in [0, 30, sealed.ciphertext.count - 1] {
            var cipher = sealed.ciphertext
            cipher[index] ^= 0x01
            #expect(throws: VaultError.tampered) {
                try VaultCrypto.open(SealedSecret(keyID: "mk1", wrappedKey: sealed.wrappedKey, ciphertext: cipher), at: ref, keys: [master])
            }
        }
        var wrapped = sealed.wrappedKey
        wrapped[wrapped.count - 1] ^= 0x80
        #expect(throws: VaultError.tampered) {
            try VaultCrypto.open(SealedSecret(keyID: "mk1", wrappedKey: wrapped, ciphertext: sealed.ciphertext), at: ref, keys: [master])
        }
    }

    @Test func aCiphertextMovedToAnotherOrgEnvironmentPathOrVersionFailsToOpen() {
        let sealed = VaultCrypto.seal(value, at: ref, with: master)
        let elsewhere = [
            SecretRef(orgID: OrgID.generate(at: Instant(millisecondsSinceEpoch: 2)), environment: .prod, path: "payments/sfdc", version: 1),
            SecretRef(orgID: org, environment: .dev, path: "payments/sfdc", version: 1),
            SecretRef(orgID: org, environment: .prod, path: "payments/other", version: 1),
            SecretRef(orgID: org, environment: .prod, path: "payments/sfdc", version: 2),
        ]
        for place in elsewhere {
            #expect(throws: VaultError.tampered) { try VaultCrypto.open(sealed, at: place, keys: [master]) }
        }
    }

    @Test func theWrongOrNoMasterKeyIsNamed() {
        let sealed = VaultCrypto.seal(value, at: ref, with: master)
        #expect(throws: VaultError.unknownKey("mk1")) { try VaultCrypto.open(sealed, at: ref, keys: [Self.key("mk2")]) }
        #expect(throws: VaultError.sealed) { try VaultCrypto.open(sealed, at: ref, keys: []) }
        // A different key under the same id does not open it either.
        #expect(throws: VaultError.tampered) { try VaultCrypto.open(sealed, at: ref, keys: [Self.key("mk1")]) }
    }

    @Test func rewrappingMovesTheValueToTheNewKeyOnly() throws {
        let sealed = VaultCrypto.seal(value, at: ref, with: master)
        let next = Self.key("mk2")
        let rewrapped = try VaultCrypto.rewrap(sealed, at: ref, from: [master], to: next)
        #expect(rewrapped.keyID == "mk2")
        #expect(rewrapped.ciphertext == sealed.ciphertext)
        #expect(try VaultCrypto.open(rewrapped, at: ref, keys: [next]) == value)
        #expect(throws: VaultError.unknownKey("mk2")) { try VaultCrypto.open(rewrapped, at: ref, keys: [master]) }
    }

    @Test func theCheckValueTellsKeysApartWithoutRevealingThem() {
        let other = Self.key("mk1")
        #expect(master.checkValue != other.checkValue)
        #expect(master.checkValue == master.checkValue)
        #expect(master.checkValue.count == 32)
    }

    @Test func keyMaterialIsZeroedOutOfTheCallersArray() {
        var bytes = SecretHasher.randomBytes(32)
        _ = MasterKey(id: "mk9", bytes: &bytes)
        #expect(bytes.allSatisfy { $0 == 0 })
    }
}
