// kura — a self-hosted encrypted container registry.
// ResourceRecord: an ARM resource as stored.

public import KuraAPI
public import KuraCore

/// An ARM resource as stored: its id (as created) and its document, the JSON body ARM serves
/// minus what is computed on each read. Resource groups are resources too
/// (`Microsoft.Resources/resourceGroups`).
public struct ResourceRecord: Sendable, Equatable {
    public var id: ResourceID
    public var document: JSONValue
    /// Creation and last change, Unix milliseconds.
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: ResourceID, document: JSONValue, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.document = document
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
