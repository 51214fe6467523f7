// kura — a self-hosted encrypted container registry.
// ResourceProvider: what one resource type adds to ARM's common handling.

public import KuraAPI
import Foundation

public import KuraCore

/// One resource type (`Microsoft.KeyVault/vaults`, ...). ``ManagementAPI`` does what every type
/// shares — api-version, authorization, the resource group, 404s, lists, storing — and asks the
/// provider only for the type's own rules.
public protocol ResourceProvider: Sendable {
    /// `Namespace/type`, as ARM spells it.
    var resourceType: String { get }

    /// The `Namespace/type` a list of these resources is addressed by (usually ``resourceType``).
    var listType: String { get }

    /// The `KuraAPI` model a resource of this type is served as: what ``render(_:)`` gives goes
    /// through it, so the API answers exactly the model's members.
    var wireModel: any Codable.Type { get }

    /// Validates a PUT (or a PATCH already merged into the stored document) and returns the
    /// document to store. `existing` is the stored resource when this replaces one.
    /// - Parameter base: the common fields (id, name, type, location, tags, systemData) already filled.
    func prepare(_ id: ResourceID, body: JSONValue, base: JSONValue, existing: ResourceRecord?, caller: ManagementCaller) async throws -> JSONValue

    /// Runs after the document is stored (e.g. start serving a new registry); returns a
    /// replacement document to store when the work changed it, else nil. If it throws, the
    /// resource is restored to what it was (or removed when new).
    func didStore(_ record: ResourceRecord, existing: ResourceRecord?) async throws -> JSONValue?

    /// The document as served: the stored one plus anything computed on read.
    func render(_ record: ResourceRecord) async throws -> JSONValue

    /// A deployment's check of the resource `id` before anything is applied: the type's rules that
    /// the known part of `body` (members whose expressions wait for other resources are left out)
    /// can already break. `planned` holds the (lower-cased) ids of every resource the deployment
    /// makes, which may not exist yet.
    func preflight(_ body: JSONValue, id: ResourceID, planned: Set<String>) async throws

    /// Removes what the resource owns outside the resource table (its principal, its data).
    func willDelete(_ record: ResourceRecord) async throws

    /// A POST action on a resource (`listCredentials`, ...) or a provider-level action
    /// (`checkNameAvailability`, when `record` is nil).
    func action(_ name: String, on record: ResourceRecord?, body: JSONValue?, caller: ManagementCaller) async throws -> ManagementReply

    /// Handles a request entirely (a child that is not stored by itself, like a vault's
    /// `accessPolicies/add`); nil lets ``ManagementAPI`` do the common handling.
    func handle(_ request: ManagementRequest, id: ResourceID) async throws -> ManagementReply?

    /// `GET {parent}/{child type}` for a type whose resources are not stored (a vault's keys):
    /// every child of `parent` as served; nil when the type's children are not listed this way.
    func listChildren(of parent: ResourceID, _ request: ManagementRequest) async throws -> [JSONValue]?

    /// Whether the resource's name must be unique in the whole installation (vaults, registries:
    /// their name is a host name).
    var namesAreGlobal: Bool { get }

    /// For global names: the error when `name` is taken (by a live or, for vaults, a deleted
    /// resource), or nil when it is free.
    func nameConflict(_ name: String) async throws -> ManagementError?
}

extension ResourceProvider {
    public func didStore(_ record: ResourceRecord, existing: ResourceRecord?) async throws -> JSONValue? { nil }
    public func render(_ record: ResourceRecord) async throws -> JSONValue { record.document }
    public func willDelete(_ record: ResourceRecord) async throws {}
    public func preflight(_ body: JSONValue, id: ResourceID, planned: Set<String>) async throws {}
    public func action(_ name: String, on record: ResourceRecord?, body: JSONValue?, caller: ManagementCaller) async throws -> ManagementReply {
        throw ManagementError(status: 404, code: "NoRegisteredProviderFound",
                              "The resource type '\(resourceType)' has no action '\(name)'.")
    }
    public var namesAreGlobal: Bool { false }
    public var listType: String { resourceType }
    public func handle(_ request: ManagementRequest, id: ResourceID) async throws -> ManagementReply? { nil }
    public func listChildren(of parent: ResourceID, _ request: ManagementRequest) async throws -> [JSONValue]? { nil }
    public func nameConflict(_ name: String) async throws -> ManagementError? { nil }
}
