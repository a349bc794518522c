/// Finds the entries of a batch that the database refuses for their data. It halves a refused
/// part until every refused entry stands alone (few refusals: a few writes), but only for
/// `bisectionBudget` splits: past that, a refused part is tried entry by entry, since many
/// refusals make halving cost more than the rows themselves (a CHECK refusing every second
/// reading of 5,000 took ~10,000 writes by halving alone, ~5,070 this way). Iterative and
/// strictly shrinking, so it ends on every input, after at most `maxWrites(entries:)` writes.
public enum RefusalSearch {
    /// Splits in halves before trying entry by entry: enough to isolate a handful of refused
    /// entries in a batch of thousands by halving alone.
    public static func defaultBisectionBudget(entries n: Int) -> Int { max(64, n / 16) }

    /// The most writes a search of `n` entries makes (counting the first, of the whole batch):
    /// a tree of parts where every refused part of two or more is split, in halves (at most
    /// `budget` times) or into single entries. At most 2n − 1 parts in any such tree, and at
    /// most 1 + 2·budget parts that are not single entries.
    public static func maxWrites(entries n: Int, bisectionBudget budget: Int) -> Int {
        guard n > 0 else { return 0 }
        return min(2 * n - 1, n + 2 * budget + 1)
    }

    /// Writes what it can of `batch` and returns each refused entry as a one-entry batch with
    /// the error. `write` throws for a refused part; errors `isRefusal` rejects (a lost
    /// connection) end the search and are thrown to the caller, who retries. With
    /// `wholeRefused`, the caller already tried the whole batch and got this refusal: the
    /// search starts from its halves.
    public static func run(_ batch: Batch, write: (Batch) throws -> Void, isRefusal: (any Error) -> Bool,
                           wholeRefused: (any Error)? = nil,
                           bisectionBudget: Int? = nil) throws -> [(entry: Batch, error: any Error)] {
        var refused: [(entry: Batch, error: any Error)] = []
        var splits = bisectionBudget ?? defaultBisectionBudget(entries: batch.count)
        var stack: [Batch] = []

        /// A refused part: alone, it is found; else its halves or its entries go on the stack
        /// (pushed last first, so that entries are written in batch order).
        func refusedPart(_ part: Batch, _ error: any Error) {
            if part.count == 1 {
                refused.append((part, error))
            } else if splits > 0 {
                splits -= 1
                let (a, b) = part.split(at: part.count / 2)
                stack.append(b)
                stack.append(a)
            } else {
                stack.append(contentsOf: part.entries.reversed())
            }
        }

        if let wholeRefused, !batch.isEmpty {
            refusedPart(batch, wholeRefused)
        } else {
            stack.append(batch)
        }
        while let part = stack.popLast() {
            guard !part.isEmpty else { continue }
            do {
                try write(part)
            } catch where isRefusal(error) {
                refusedPart(part, error)
            }
        }
        return refused
    }
}
