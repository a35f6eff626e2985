/// The optimal-string-alignment distance between two strings, ignoring case:
/// insertions, deletions, substitutions and swaps of neighbours each cost one.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs.lowercased())
    let b = Array(rhs.lowercased())
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], previous2[j - 2] + 1)
            }
        }
        (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
}

/// The candidate most likely meant by a mistyped `name`: the closest one
/// within a few edits (more allowed for longer names), or failing that one
/// that `name` is a beginning of (or that is a beginning of `name`).
func closestMatch(to name: String, among candidates: [String]) -> String? {
    let allowed = max(1, min(3, name.count / 3))
    var best: (candidate: String, score: Int)?
    for candidate in candidates {
        let distance = editDistance(name, candidate)
        let score: Int
        if distance <= allowed {
            score = distance
        } else if min(name.count, candidate.count) >= 4,
                  candidate.lowercased().hasPrefix(name.lowercased()) || name.lowercased().hasPrefix(candidate.lowercased()) {
            score = allowed + 1
        } else {
            continue
        }
        if best == nil || score < best!.score {
            best = (candidate, score)
        }
    }
    return best?.candidate
}
