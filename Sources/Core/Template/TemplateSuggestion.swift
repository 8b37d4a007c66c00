/// "Did you mean …?" for misspelled function and root names, by edit distance.
enum TemplateSuggestion {
    /// The candidate closest to `name`, when it is close enough to be a likely typo: at most one
    /// edit away for names of up to 3 characters, two edits for longer ones. Ties go to the
    /// candidate that sorts first.
    static func closest(to name: String, among candidates: [String]) -> String? {
        let target = Array(name.unicodeScalars)
        guard !target.isEmpty, target.count <= 64 else { return nil }
        let allowed = target.count <= 3 ? 1 : 2
        var best: String?
        var bestDistance = Int.max
        for candidate in candidates.sorted() {
            let distance = editDistance(target, Array(candidate.unicodeScalars))
            if distance <= allowed, distance < bestDistance {
                best = candidate
                bestDistance = distance
            }
        }
        return best
    }

    /// Levenshtein distance: insertions, deletions and substitutions each cost one.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The message for a path root that is not known.
    static func unknownNameMessage(_ name: String, known: [String]) -> String {
        if let suggestion = closest(to: name, among: known) {
            return "unknown name '\(name)' — did you mean '\(suggestion)'?"
        }
        if known.isEmpty { return "unknown name '\(name)'" }
        return "unknown name '\(name)'; paths start with " + known.sorted().joined(separator: ", ")
    }
}
