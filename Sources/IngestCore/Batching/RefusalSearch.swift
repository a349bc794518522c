/// Finds the entries of a batch that the database refuses for their data: writes halves of
/// the batch until every refused entry stands alone. Iterative and strictly shrinking — each
/// part it splits has at least two entries and both halves are smaller — so it ends on every
/// input, after at most 2n - 1 writes for n entries.
public enum RefusalSearch {
    /// Writes what it can of `batch` and returns each refused entry as a one-entry batch with
    /// the error. `write` throws for a refused part; errors `isRefusal` rejects (a lost
    /// connection) end the search and are thrown to the caller, who retries.
    public static func run(_ batch: Batch, write: (Batch) throws -> Void,
                           isRefusal: (any Error) -> Bool) throws -> [(entry: Batch, error: any Error)] {
        var refused: [(entry: Batch, error: any Error)] = []
        var stack = [batch]
        while let part = stack.popLast() {
            guard !part.isEmpty else { continue }
            do {
                try write(part)
            } catch where isRefusal(error) {
                if part.count == 1 {
                    refused.append((part, error))
                } else {
                    let (a, b) = part.split(at: part.count / 2)
                    stack.append(b)
                    stack.append(a)
                }
            }
        }
        return refused
    }
}
