extension ConfigLoader {
    /// `routes:` — the routes that were read whole (each bad one is reported and left out);
    /// nil when `routes` is not a non-empty list.
    func routes(_ top: ConfigNode) -> [Route]? {
        guard let node = top.value("routes") else { return nil }
        guard case .sequence(let seq) = node else { return top.fail("routes", "expected a list of routes, got \(ConfigNode.kind(node))") }
        guard !seq.isEmpty else { return top.fail("routes", "expected at least one route") }
        var routes: [Route] = []
        for (i, item) in seq.enumerated() {
            guard let r = ConfigNode(file: top.file, path: "routes[\(i)]", node: item, problems: top.problems) else { continue }
            if let route = route(r) { routes.append(route) }
        }
        return routes
    }

    /// One route; nil when anything in it is wrong (every problem reported).
    private func route(_ r: ConfigNode) -> Route? {
        let before = r.problems.found.count
        r.rejectUnknownKeys(["topic", "family", "format"])
        var pattern: TopicPattern?
        if let topic = r.required("topic", "every route needs a topic pattern, e.g. plant/{site}/{line}/sensor/{device}/{metric}") {
            do { pattern = try TopicPattern(topic) } catch { r.report("topic", error.description) }
        }
        let family = r.required("family", "every route needs a family (supported: \(Family.supportedNames))").flatMap { name in
            Family(rawValue: name) ?? r.fail("family", "unknown family '\(name)'; supported: \(Family.supportedNames)")
        }
        let format = r.choice("format", PayloadFormat.self) ?? .json
        if format == .number, let family, !family.acceptsBareNumber {
            r.report("format", "format 'number' is for sensor routes only; a \(family.rawValue) payload is JSON")
        }
        guard let pattern, let family, r.problems.found.count == before else { return nil }
        return Route(pattern: pattern, family: family, format: format)
    }
}
