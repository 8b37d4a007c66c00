/// Finds a byte string inside another in linear time (Knuth–Morris–Pratt), for `contains` and
/// `split` on UTF-8 text. A naive search is O(text × needle), which a 1 MiB text and a long
/// needle of repeated characters would turn into minutes.
///
/// Searching UTF-8 bytes finds exactly the matches a search by Unicode scalars would: a valid
/// UTF-8 needle can only match at a scalar boundary of valid UTF-8 text.
struct ByteSearch {
    private let needle: [UInt8]
    private let failure: [Int]

    init(_ needle: [UInt8]) {
        self.needle = needle
        var failure = Array(repeating: 0, count: needle.count)
        var matched = 0
        if needle.count > 1 {
            for index in 1..<needle.count {
                while matched > 0 && needle[index] != needle[matched] { matched = failure[matched - 1] }
                if needle[index] == needle[matched] { matched += 1 }
                failure[index] = matched
            }
        }
        self.failure = failure
    }

    /// Start offsets of the non-overlapping matches, left to right; only the first when
    /// `firstOnly`. An empty needle has no matches.
    func matches(in haystack: [UInt8], firstOnly: Bool) -> [Int] {
        guard !needle.isEmpty else { return [] }
        var starts: [Int] = []
        var matched = 0
        for index in 0..<haystack.count {
            let byte = haystack[index]
            while matched > 0 && byte != needle[matched] { matched = failure[matched - 1] }
            if byte == needle[matched] { matched += 1 }
            if matched == needle.count {
                starts.append(index + 1 - matched)
                if firstOnly { return starts }
                matched = 0
            }
        }
        return starts
    }
}
