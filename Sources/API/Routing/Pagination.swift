import Foundation
import Hummingbird
import Storage

/// Cursor pagination: `?limit=N&cursor=C`. A cursor is opaque to callers: the base64url of
/// `"v1:<listing>:<last ID of the previous page>"`, so a cursor from one listing is refused by another.
enum Pagination {
    static let parameters: [(name: String, schema: JSON, description: String)] = [
        ("limit", ["type": "integer", "minimum": 1, "maximum": JSON.number(Double(PageRequest.maximumLimit))],
         "Items per page (default \(PageRequest.defaultLimit))."),
        // why minLength 1: an empty cursor was not issued by any listing and is refused
        // (`invalid_cursor`), like any other cursor this listing did not issue.
        ("cursor", ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_-]+$"],
         "The `next_cursor` of the previous page; omit it for the first page."),
    ]

    static func request(from request: Request, listing: String) throws -> PageRequest {
        let query = request.uri.queryParameters
        var limit = PageRequest.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), (1...PageRequest.maximumLimit).contains(value) else {
                throw APIError.invalidParameter(name: "limit", "must be an integer from 1 to \(PageRequest.maximumLimit); got `\(text)`")
            }
            limit = value
        }
        var after: String?
        if let cursor = query["cursor"].map(String.init) {
            guard let decoded = decode(cursor, listing: listing) else { throw StorageError.invalidCursor }
            after = decoded
        }
        return PageRequest(limit: limit, after: after)
    }

    static func cursor(after id: String, listing: String) -> String {
        Data("v1:\(listing):\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String, listing: String) -> String? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        // The schema's rule (`parameters`): 1-200 characters of the base64url alphabet, as issued.
        guard (1...200).contains(cursor.count),
              cursor.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }),
              let data = Data(base64Encoded: base64),
              let text = String(data: data, encoding: .utf8), text.hasPrefix("v1:\(listing):") else { return nil }
        return String(text.dropFirst(4 + listing.count))
    }
}
