extension Schema {
    /// Migration 47 on: PII detection and masking (docs/compliance.md#pii-detection-and-masking).
    /// Append only; see `Migration`. (46 belongs to the data lifecycle's GDPR work.)
    static let privacy: [Migration] = [
        Migration(version: 47, name: "privacy policies", sql: """
            -- An org's privacy policy as JSON ({action, kinds, patterns}); NULL: off.
            ALTER TABLE org ADD COLUMN privacy TEXT;
            -- The rules an execution runs under, resolved from its org's policy and its
            -- workflow's privacy block when it started (JSON; NULL: none), and how many
            -- findings were masked in it, by kind ({"email": 3}): counts, never values.
            ALTER TABLE execution ADD COLUMN privacy TEXT;
            ALTER TABLE execution ADD COLUMN pii_masked TEXT;
            """),
    ]
}
