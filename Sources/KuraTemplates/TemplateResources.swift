// kura — a self-hosted encrypted container registry.
// TemplateResources: a template's resources expanded (children, copy loops, conditions) into ordered steps.

public import KuraAPI

/// One resource a deployment applies: its id, type and full name evaluated; its declaration kept
/// unevaluated, because its body may `reference()` resources applied before it.
public struct TemplateStep: Sendable {
    /// `/subscriptions/…/providers/Namespace/type/name[/childType/childName]`.
    public let id: String
    /// `Namespace/type[/childType]`, and `name[/childName]`.
    public let type: String
    public let name: String
    public let apiVersion: String?
    /// The declaration, without `resources` (its children are steps of their own).
    public let declaration: JSONValue
    /// The `copy` iterations it sits in (for `copyIndex()` in its body).
    public let copyIndices: [(loop: String, index: Int)]
    /// Ids of the steps it waits for.
    public let dependsOn: [String]

    /// The resource's body, evaluated now: `location`, `tags`, `sku`, `kind`, `identity`,
    /// `properties` (what the plane's PUT takes).
    public func body(_ evaluator: TemplateEvaluator) async throws(TemplateError) -> JSONValue {
        var scoped = evaluator
        scoped.copyIndices = copyIndices
        var body = JSONObject()
        for (key, value) in declaration.objectValue ?? [:] where TemplateStep.bodyMembers.contains(key.lowercased()) {
            body[key] = try await scoped.evaluate(value)
        }
        return .object(body)
    }

    /// What of the body is known before anything is applied (for a deployment's preflight).
    public func knownBody(_ evaluator: TemplateEvaluator) async -> JSONValue {
        var scoped = evaluator
        scoped.copyIndices = copyIndices
        let members = (declaration.objectValue ?? [:]).filter { TemplateStep.bodyMembers.contains($0.key.lowercased()) }
        return await scoped.evaluateKnown(.object(members)) ?? [:]
    }

    static let bodyMembers: Set<String> = ["location", "tags", "sku", "kind", "identity", "properties", "plan", "managedby"]
}

/// Expands a template's `resources`: nested children become steps of their own (typed
/// `parent/child`, named `parentName/childName`, depending on their parent), `copy` loops become one
/// step per iteration, a false `condition` drops the resource.
public enum TemplateResources {
    /// Resources one deployment may apply (ARM's limit is 800).
    static let maximumSteps = 800

    public static func steps(of template: JSONValue, evaluator: TemplateEvaluator) async throws(TemplateError) -> [TemplateStep] {
        var declared: [Declared] = []
        try flatten(template.member(caseInsensitive: "resources"), parent: nil, into: &declared)
        var expanded: [(declared: Declared, step: Expanded)] = []
        var excluded: [Expanded] = []
        for resource in declared {
            for instance in try await expand(resource, evaluator: evaluator) {
                guard instance.included else { excluded.append(instance); continue }
                expanded.append((resource, instance))
                guard expanded.count <= maximumSteps else {
                    throw .invalid("The template has more than \(maximumSteps) resources (after its copy loops).")
                }
            }
        }
        var seen = Set<String>()
        for entry in expanded where !seen.insert(entry.step.id.lowercased()).inserted {
            throw .invalid("The resource '\(entry.step.id)' is defined more than once in the template.")
        }
        return try await expanded.asyncMap { entry throws(TemplateError) in
            try await resolve(entry.step, of: entry.declared, among: expanded.map(\.step), excluded: excluded, evaluator: evaluator)
        }
    }

    /// A declaration with its parent's type and name expressions (for a nested child).
    struct Declared {
        let value: JSONValue
        let parentType: JSONValue?
        let parentName: JSONValue?
        /// The parent's own copy loop, if any (the child is expanded with it).
        let parentCopy: JSONValue?
    }

    /// One iteration of a declaration, its type and name evaluated — or, not `included`, one a
    /// false condition or a zero-count loop leaves out (still a valid `dependsOn` target, ignored
    /// there as ARM ignores it).
    struct Expanded {
        var included = true
        let id: String
        let type: String
        let name: String
        let copyLoop: String?
        let copyIndices: [(loop: String, index: Int)]
        let declaration: JSONValue
    }

    static func flatten(_ resources: JSONValue?, parent: Declared?, into declared: inout [Declared]) throws(TemplateError) {
        guard let resources, !resources.isNull else { return }
        guard let list = resources.arrayValue else { throw .invalid("The template's 'resources' must be an array.") }
        for resource in list {
            guard resource.objectValue != nil else { throw .invalid("Each template resource must be an object.") }
            if resource.member(caseInsensitive: "type")?.stringValue?.lowercased() == "microsoft.resources/deployments" {
                throw .invalid("Nested deployments (a 'Microsoft.Resources/deployments' resource) are not supported yet; deploy each template by itself.")
            }
            if resource.member(caseInsensitive: "scope") != nil {
                throw .invalid("A resource's 'scope' (an extension resource on another resource) is not supported yet; '\(resource.member(caseInsensitive: "name")?.text ?? "?")' names one.")
            }
            var own = resource
            own["resources"] = nil
            let entry = Declared(value: own, parentType: parent.map { $0.value.member(caseInsensitive: "type") ?? .null },
                                 parentName: parent.map { $0.value.member(caseInsensitive: "name") ?? .null },
                                 parentCopy: parent?.value.member(caseInsensitive: "copy") ?? parent?.parentCopy)
            declared.append(entry)
            try flatten(resource.member(caseInsensitive: "resources"), parent: entry, into: &declared)
        }
    }

    static func expand(_ resource: Declared, evaluator: TemplateEvaluator) async throws(TemplateError) -> [Expanded] {
        let copy = resource.value.member(caseInsensitive: "copy") ?? resource.parentCopy
        var iterations: [[(loop: String, index: Int)]] = [[]]
        var loopName: String?
        if let copy {
            guard let name = copy.member(caseInsensitive: "name")?.stringValue,
                  case .integer(let count) = try await evaluator.evaluate(copy.member(caseInsensitive: "count") ?? .null) else {
                throw .invalid("A 'copy' loop needs a 'name' and an integer 'count'.")
            }
            guard (0...800).contains(count) else { throw .invalid("The copy loop '\(name)' count \(count) is outside 0…800.") }
            loopName = name
            iterations = (0..<Int(count)).map { [(loop: name, index: $0)] }
        }
        var instances: [Expanded] = []
        if iterations.isEmpty, let loopName {
            instances.append(Expanded(included: false, id: "", type: "", name: "", copyLoop: loopName, copyIndices: [], declaration: resource.value))
        }
        for indices in iterations {
            var scoped = evaluator
            scoped.copyIndices = indices
            if let condition = resource.value.member(caseInsensitive: "condition") {
                guard case .bool(let included) = try await scoped.evaluate(condition) else {
                    throw .invalid("A resource's 'condition' must evaluate to true or false.")
                }
                if !included {
                    let (type, name) = try await typeAndName(resource, scoped)
                    let id = (try? scoped.resourceID("resourceId", [type] + name.split(separator: "/").map(String.init))) ?? ""
                    instances.append(Expanded(included: false, id: id, type: type, name: name, copyLoop: loopName, copyIndices: indices,
                                              declaration: resource.value))
                    continue
                }
            }
            let (type, name) = try await typeAndName(resource, scoped)
            let id = try scoped.resourceID("resourceId", [type] + name.split(separator: "/").map(String.init))
            instances.append(Expanded(id: id, type: type, name: name, copyLoop: loopName, copyIndices: indices, declaration: resource.value))
        }
        return instances
    }

    /// The full type and name: a nested child's are its parent's with its own appended.
    static func typeAndName(_ resource: Declared, _ evaluator: TemplateEvaluator) async throws(TemplateError) -> (String, String) {
        guard case .string(let type) = try await evaluator.evaluate(resource.value.member(caseInsensitive: "type") ?? .null),
              case .string(let name) = try await evaluator.evaluate(resource.value.member(caseInsensitive: "name") ?? .null) else {
            throw .invalid("Each template resource needs a string 'type' and 'name'.")
        }
        guard let parentType = resource.parentType, let parentName = resource.parentName, !type.contains("/") else { return (type, name) }
        guard case .string(let outerType) = try await evaluator.evaluate(parentType),
              case .string(let outerName) = try await evaluator.evaluate(parentName) else {
            throw .invalid("A nested resource's parent needs a string 'type' and 'name'.")
        }
        return (outerType + "/" + type, outerName + "/" + name)
    }

    /// The step: its `dependsOn` entries (resource ids, names, `type/name`s or copy loop names)
    /// resolved to the ids of steps in this template, plus its parent for a nested child.
    static func resolve(_ step: Expanded, of resource: Declared, among all: [Expanded], excluded: [Expanded],
                        evaluator: TemplateEvaluator) async throws(TemplateError) -> TemplateStep {
        var scoped = evaluator
        scoped.copyIndices = step.copyIndices
        var dependsOn: [String] = []
        let entries = try await scoped.evaluate(resource.value.member(caseInsensitive: "dependsOn") ?? .array([]))
        guard let list = entries.arrayValue else { throw .invalid("The 'dependsOn' of '\(step.name)' must be an array.") }
        for entry in list {
            guard case .string(let target) = entry else { throw .invalid("Each 'dependsOn' entry of '\(step.name)' must be a string.") }
            let named = { (candidate: Expanded) in
                (!candidate.id.isEmpty && candidate.id.lowercased() == target.lowercased())
                    || (!candidate.name.isEmpty && (candidate.name.lowercased() == target.lowercased()
                        || (candidate.type + "/" + candidate.name).lowercased() == target.lowercased()))
                    || candidate.copyLoop?.lowercased() == target.lowercased()
            }
            let matches = all.filter(named)
            // A resource a false condition or a zero-count loop leaves out is waited for by no one.
            if matches.isEmpty, excluded.contains(where: named) { continue }
            guard !matches.isEmpty else {
                throw .invalid("The resource '\(target)' that '\(step.name)' depends on is not defined in the template.")
            }
            dependsOn += matches.map(\.id)
        }
        // A serial loop: each batch waits for the one before it.
        if let loop = step.copyLoop, let index = step.copyIndices.last?.index,
           let batch = try await serialBatchSize(resource.value.member(caseInsensitive: "copy"), scoped), index >= batch {
            let previous = (index / batch - 1) * batch..<(index / batch) * batch
            dependsOn += all.filter { other in
                other.copyLoop?.lowercased() == loop.lowercased() && other.declaration == step.declaration
                    && other.copyIndices.last.map { previous.contains($0.index) } == true
            }.map(\.id)
        }
        if resource.parentType != nil {
            let parentID = step.id.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
            if all.contains(where: { $0.id.lowercased() == parentID.lowercased() }) { dependsOn.append(parentID) }
        }
        return TemplateStep(id: step.id, type: step.type, name: step.name,
                            apiVersion: resource.value.member(caseInsensitive: "apiVersion")?.stringValue, declaration: step.declaration,
                            copyIndices: step.copyIndices, dependsOn: Array(Set(dependsOn)).sorted())
    }

    /// A resource loop's batch size when its `mode` is `serial` (`batchSize`, 1 by default); nil
    /// for a parallel loop (the default) or none.
    static func serialBatchSize(_ copy: JSONValue?, _ evaluator: TemplateEvaluator) async throws(TemplateError) -> Int? {
        guard let copy else { return nil }
        let mode = try await evaluator.evaluate(copy.member(caseInsensitive: "mode") ?? "parallel")
        switch mode.stringValue?.lowercased() {
        case "parallel": return nil
        case "serial":
            guard case .integer(let size) = try await evaluator.evaluate(copy.member(caseInsensitive: "batchSize") ?? 1), (1...800).contains(size) else {
                throw .invalid("A serial 'copy' loop's 'batchSize' must be an integer from 1 to 800.")
            }
            return Int(size)
        default:
            throw .invalid("A 'copy' loop's 'mode' must be 'serial' or 'parallel', not \(mode.text).")
        }
    }

    /// The steps in waves: each wave depends only on earlier ones, so its steps may run together.
    /// - Throws: ``TemplateError`` naming the resources of a dependency cycle.
    public static func waves(_ steps: [TemplateStep]) throws(TemplateError) -> [[TemplateStep]] {
        var remaining = steps
        var done = Set<String>()
        var waves: [[TemplateStep]] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { step in step.dependsOn.allSatisfy { done.contains($0.lowercased()) } }
            guard !ready.isEmpty else {
                throw .invalid("Circular dependency detected on resource: \(remaining.map { "'\($0.id)'" }.joined(separator: ", ")). Please see https://aka.ms/arm-syntax-resources for usage details.")
            }
            waves.append(ready)
            for step in ready { done.insert(step.id.lowercased()) }
            remaining.removeAll { step in done.contains(step.id.lowercased()) }
        }
        return waves
    }
}

extension Array {
    /// `transform` over the elements in order, awaiting each.
    func asyncMap<T>(_ transform: (Element) async throws(TemplateError) -> T) async throws(TemplateError) -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
