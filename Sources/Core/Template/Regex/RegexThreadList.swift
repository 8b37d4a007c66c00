/// The set of program positions alive at one input position: a sparse set, so adding,
/// testing and clearing are O(1) and each position is visited at most once per input scalar.
struct RegexThreadList {
    private(set) var dense: [Int]
    private var sparse: [Int]
    private(set) var count = 0

    init(capacity: Int) {
        dense = Array(repeating: 0, count: capacity)
        sparse = Array(repeating: 0, count: capacity)
    }

    func contains(_ position: Int) -> Bool {
        let slot = sparse[position]
        return slot < count && dense[slot] == position
    }

    /// Adds a position not yet in the set.
    mutating func insert(_ position: Int) {
        sparse[position] = count
        dense[count] = position
        count += 1
    }

    mutating func removeAll() {
        count = 0
    }
}
