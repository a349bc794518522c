/// The last `capacity` things a plan sent, oldest overwritten first: where duplicates and
/// corrections pick an earlier message or record from.
struct RecentRing<Element> {
    let capacity: Int
    private(set) var elements: [Element] = []
    private var head = 0

    init(capacity: Int = 1000) { self.capacity = capacity }

    var isEmpty: Bool { elements.isEmpty }

    subscript(index: Int) -> Element {
        get { elements[index] }
        set { elements[index] = newValue }
    }

    mutating func append(_ element: Element) {
        if elements.count < capacity {
            elements.append(element)
        } else {
            elements[head] = element
            head = (head + 1) % capacity
        }
    }

    /// A random index (one draw of `rng`, none when empty); when that element does not pass
    /// `isEligible`, the next one that does, wrapping around; nil when none does.
    func randomIndex(using rng: inout SplitMix64, where isEligible: (Element) -> Bool = { _ in true }) -> Int? {
        guard !elements.isEmpty else { return nil }
        let start = rng.next(below: elements.count)
        for offset in 0..<elements.count {
            let index = (start + offset) % elements.count
            if isEligible(elements[index]) { return index }
        }
        return nil
    }
}
