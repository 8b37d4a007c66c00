/// One numbered step of the schema. Plain SQL, forward-only.
///
/// Rule: a migration that has shipped is never edited. To change the schema, append a new
/// migration with the next number. Migrations use no application types, so old ones keep
/// meaning the same thing as the code moves on.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
}
