// kura — a self-hosted encrypted container registry.
// TemplateBudget: what evaluating one template may cost, and what it has evaluated once.

import KuraAPI
import Synchronization

/// How much evaluating one template may cost: a template whose expressions multiply (variables
/// that double each other, nested copy loops, strings that grow) is refused, not evaluated for
/// ever or into all the memory there is. Shared by every copy of one evaluator.
final class TemplateBudget: Sendable {
    /// Function calls, member or index steps and copy-loop iterations, over the whole template.
    static let limit = 200_000
    /// Bytes of strings and members of arrays and objects that functions make, over the whole
    /// template.
    static let byteLimit = 256 << 20
    private let spent = Mutex((steps: 0, bytes: 0))

    func spend() throws(TemplateError) {
        let steps = spent.withLock { spent in
            spent.steps += 1
            return spent.steps
        }
        guard steps <= Self.limit else {
            throw .invalid("The template is too large to evaluate: its expressions take more than \(Self.limit) steps.")
        }
    }

    func spend(bytes: Int) throws(TemplateError) {
        let total = spent.withLock { spent in
            spent.bytes += bytes
            return spent.bytes
        }
        guard total <= Self.byteLimit else {
            throw .invalid("The template is too large to evaluate: its functions make more than \(Self.byteLimit) bytes.")
        }
    }
}

/// The template's variables as evaluated, by lower-cased name.
final class TemplateVariableCache: Sendable {
    private let values = Mutex<[String: JSONValue]>([:])

    subscript(name: String) -> JSONValue? {
        get { values.withLock { $0[name.lowercased()] } }
        set { values.withLock { $0[name.lowercased()] = newValue } }
    }
}
