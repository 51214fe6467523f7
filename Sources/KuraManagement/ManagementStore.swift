// kura — a self-hosted encrypted container registry.
// ManagementStore: ARM resources as documents.

public import KuraCore

/// ARM's records: one document per resource (resource groups too).
/// Every method is atomic; the contract suites in `Tests/KuraStorageTests` run against the
/// in-memory implementation and `SQLMetadataStore` on SQLite and PostgreSQL alike.
public protocol ManagementStore: Sendable {
    // MARK: ARM resources

    /// Creates the resource or replaces its document (the stored id keeps its first casing).
    func putResource(_ resource: ResourceRecord) async throws
    /// Creates the resource only if no resource has its id (ARM's create): concurrent creates of
    /// one id have one winner.
    /// - Returns: whether it was inserted.
    func insertResource(_ resource: ResourceRecord) async throws -> Bool
    /// Replaces the resource's document only if it is still the version `expected` (compared by
    /// `updatedAt`, which every write advances, and `createdAt`, which tells a re-created resource apart).
    /// - Returns: whether it was replaced.
    func replaceResource(_ resource: ResourceRecord, expected: ResourceRecord) async throws -> Bool
    /// Deletes the resource only if it is still the version `expected`.
    /// - Returns: whether it was deleted.
    func deleteResource(_ expected: ResourceRecord) async throws -> Bool
    /// Looks a resource up by id, case-insensitively.
    func resource(id: ResourceID) async throws -> ResourceRecord?
    /// Resources of a subscription, optionally of one type (`Namespace/type`) and one group, by id.
    func resources(type: String?, subscription: String, resourceGroup: String?) async throws -> [ResourceRecord]
    /// Resources of `type` named `name` anywhere in the installation (names some types keep unique).
    func resources(type: String, named name: String) async throws -> [ResourceRecord]
    /// - Returns: whether the resource existed.
    @discardableResult func deleteResource(id: ResourceID) async throws -> Bool
}
