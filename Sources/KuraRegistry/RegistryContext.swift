// kura — a self-hosted encrypted container registry.
// RegistryContext: one registry, resolved for the duration of a request.

public import KuraCrypto

/// A registry a request addresses, with its data key ready. Every registry service call takes
/// one, so no service ever touches a registry whose key it does not hold.
public struct RegistryContext: Sendable {
    public let record: RegistryRecord
    public let dataKey: DataKey

    public init(record: RegistryRecord, dataKey: DataKey) {
        self.record = record
        self.dataKey = dataKey
    }

    public var id: String { record.id }
}
