// kura — a self-hosted encrypted container registry.
// ContainerRegistryProvider: Microsoft.ContainerRegistry/registries, wired to the registry plane.

public import KuraAPI
import Foundation
public import KuraCore
public import KuraDirectory
public import KuraRegistry

/// Container registries. The ARM document is the registry's configuration; the registry plane's
/// record (data key, admin user) is created with it, so a registry is served at its login server
/// as soon as the PUT answers, and deleting the resource erases its data.
///
/// The seed's rules are enforced here, each as an ARM error: a customer-managed key needs the
/// Premium SKU, an identity the registry holds and a vault with soft delete and purge protection;
/// encryption is chosen at creation only (changing the key is a rotation and allowed); content
/// trust cannot be enabled with a customer-managed key.
public struct ContainerRegistryProvider: ResourceProvider, CustomerKeyRecorder {
    public static let type = "Microsoft.ContainerRegistry/registries"
    public var resourceType: String { Self.type }
    public var wireModel: any Codable.Type { ContainerRegistry.self }
    public var namesAreGlobal: Bool { true }
    let store: any ManagementStore
    let environment: ManagementEnvironment
    let provisioner: RegistryProvisioner
    /// Where a system-assigned identity becomes a principal.
    let directory: DirectoryService

    public init(store: any ManagementStore, environment: ManagementEnvironment, provisioner: RegistryProvisioner,
                directory: DirectoryService) {
        self.store = store
        self.environment = environment
        self.provisioner = provisioner
        self.directory = directory
    }

    static let skus = ["Basic", "Standard", "Premium"]
    /// What a caller needs on a user-assigned identity to attach it to a registry.
    static let assignIdentityAction = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"

    public func prepare(_ id: ResourceID, body: JSONValue, base: JSONValue, existing: ResourceRecord?,
                        caller: ManagementCaller) async throws -> JSONValue {
        let name = id.name
        guard (5...50).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ManagementError(status: 400, code: "InvalidResourceName",
                                  "Registry name '\(name)' is invalid: registry names may contain only alphanumeric characters and must be between 5 and 50 characters.")
        }
        let old = existing?.document
        let requested = body.member(caseInsensitive: "properties") ?? .object([:])
        var document = base

        // SKU
        let skuName = body.member(caseInsensitive: "sku")?.member(caseInsensitive: "name")?.stringValue
            ?? old?["sku"]?["name"]?.stringValue
        guard let skuName, let sku = Self.skus.first(where: { $0.lowercased() == skuName.lowercased() }) else {
            throw ManagementError.invalidParameter("The SKU '\(skuName ?? "(none)")' is not valid; use one of \(Self.skus.joined(separator: ", ")).")
        }
        document["sku"] = ["name": .string(sku), "tier": .string(sku)]

        // Identity
        let identity = try await resolveIdentity(body.member(caseInsensitive: "identity"), existing: old?["identity"],
                                                 registry: id, caller: caller)
        if let identity { document["identity"] = identity }

        // Properties
        var properties = old?["properties"] ?? .object([:])
        properties["adminUserEnabled"] = .bool(requested.member(caseInsensitive: "adminUserEnabled")?.boolValue
            ?? old?["properties"]?["adminUserEnabled"]?.boolValue ?? false)
        properties["anonymousPullEnabled"] = .bool(requested.member(caseInsensitive: "anonymousPullEnabled")?.boolValue
            ?? old?["properties"]?["anonymousPullEnabled"]?.boolValue ?? false)
        properties["loginServer"] = .string("\(name.lowercased()).\(environment.endpoints.registryLoginSuffix)")
        properties["creationDate"] = old?["properties"]?["creationDate"] ?? .string(Timestamp.iso8601(environment.now()))
        properties["provisioningState"] = "Succeeded"
        properties["status"] = nil
        properties["publicNetworkAccess"] = "Enabled"
        properties["networkRuleBypassOptions"] = "AzureServices"
        properties["zoneRedundancy"] = "Disabled"
        properties["dataEndpointEnabled"] = false
        properties["dataEndpointHostNames"] = []
        properties["privateEndpointConnections"] = []
        properties["policies"] = try policies(requested.member(caseInsensitive: "policies"), existing: old?["properties"]?["policies"])
        properties["encryption"] = try await encryption(requested.member(caseInsensitive: "encryption"),
                                                        existing: old?["properties"]?["encryption"], sku: sku, identity: identity,
                                                        wasCreated: existing != nil)
        if properties["encryption"]?["status"]?.stringValue == "enabled",
           properties["policies"]?["trustPolicy"]?["status"]?.stringValue == "enabled" {
            throw ManagementError(status: 400, code: "TrustPolicyNotSupportedWithCmk",
                                  "Content trust (policies.trustPolicy.status = enabled) is not supported on a registry encrypted with a customer-managed key.")
        }
        document["properties"] = properties
        return document
    }

    public func nameConflict(_ name: String) async throws -> ManagementError? {
        let inARM = try await !store.resources(type: Self.type, named: name).isEmpty
        let inPlane = try await provisioner.registry(named: name) != nil
        guard inARM || inPlane else { return nil }
        return ManagementError(status: 409, code: "AlreadyInUse", "The registry DNS name \(name.lowercased()).\(environment.endpoints.registryLoginSuffix) is already in use.")
    }

    /// Creates the registry plane's record (wrapping its data key through the customer-managed
    /// key as the registry's identity when encryption is enabled), or applies changes: admin user,
    /// anonymous pull, and a new key or identity, which is a rotation.
    public func didStore(_ record: ResourceRecord, existing: ResourceRecord?) async throws -> JSONValue? {
        try await syncSystemIdentity(record, existing: existing)
        let admin = record.document["properties"]?["adminUserEnabled"]?.boolValue ?? false
        let anonymous = record.document["properties"]?["anonymousPullEnabled"]?.boolValue ?? false
        let customerKey = try customerKey(of: record.document)
        let planeRecord = try await provisioner.registry(named: record.id.name)
        // A new ARM resource never takes over a registry that exists already (another group's).
        if existing == nil, planeRecord != nil { throw ManagementError.concurrentWrite(name: record.id.name) }
        guard var registry = planeRecord else {
            do {
                let (created, _) = try await provisioner.create(name: record.id.name, adminUserEnabled: admin, anonymousPullEnabled: anonymous,
                                                                customerKey: customerKey)
                return showing(created.customerKey, in: record.document, rotated: false)
            } catch {
                // A refused creation leaves nothing behind: not the system identity either.
                if let principal = record.document["identity"]?["principalId"]?.stringValue {
                    _ = try? await directory.removePrincipal(objectID: principal)
                }
                if let failure = error as? KeyWrapFailure { throw Self.keyError(failure, key: customerKey?.keyIdentifier) }
                // Another request for this registry is creating it right now (its ARM record came
                // first): this one changed nothing.
                if let conflict = error as? StoreError, conflict.code == .conflict {
                    throw ManagementError.concurrentWrite(name: record.id.name)
                }
                throw error
            }
        }
        registry = try await provisioner.update(registry, adminUserEnabled: admin, anonymousPullEnabled: anonymous)
        guard let customerKey, let binding = registry.customerKey,
              customerKey.keyIdentifier != binding.keyIdentifier || customerKey.identity != binding.identityObjectID else { return nil }
        do {
            let rotated = try await provisioner.rotateCustomerKey(registry, keyIdentifier: customerKey.keyIdentifier, identity: customerKey.identity)
            return showing(rotated.customerKey, in: record.document, rotated: true)
        } catch let failure as KeyWrapFailure {
            throw Self.keyError(failure, key: customerKey.keyIdentifier)
        }
    }

    /// The key and the identity's object id a document's encryption names, if enabled.
    func customerKey(of document: JSONValue) throws -> (keyIdentifier: String, identity: String)? {
        guard document["properties"]?["encryption"]?["status"]?.stringValue == "enabled",
              let properties = document["properties"]?["encryption"]?["keyVaultProperties"],
              let key = properties["keyIdentifier"]?.stringValue, let identity = properties["identity"]?.stringValue else { return nil }
        if identity == "system" {
            guard let principal = document["identity"]?["principalId"]?.stringValue else {
                throw ManagementError(status: 400, code: "InvalidEncryptionIdentity", "The registry has no system-assigned identity.")
            }
            return (key, principal)
        }
        for value in (document["identity"]?["userAssignedIdentities"]?.objectValue ?? [:]).values
        where value["clientId"]?.stringValue == identity {
            if let principal = value["principalId"]?.stringValue { return (key, principal) }
        }
        throw ManagementError(status: 400, code: "InvalidEncryptionIdentity", "The identity '\(identity)' is not assigned to the registry.")
    }

    /// `document` with the versioned key id the data key is wrapped with (and, after a rotation, its time).
    func showing(_ binding: CustomerKeyBinding?, in document: JSONValue, rotated: Bool) -> JSONValue? {
        guard let binding else { return nil }
        var updated = document
        updated["properties"]?["encryption"]?["keyVaultProperties"]?["versionedKeyIdentifier"] = .string(binding.versionedKeyID)
        if rotated {
            updated["properties"]?["encryption"]?["keyVaultProperties"]?["lastKeyRotationTimestamp"] =
                .string(Timestamp.iso8601(environment.now()))
        }
        return updated
    }

    /// A vault refusal during creation or rotation, as an ARM error.
    static func keyError(_ failure: KeyWrapFailure, key: String?) -> ManagementError {
        switch failure {
        case .revoked(let reason):
            ManagementError(status: 400, code: "CustomerKeyNotUsable",
                            "The registry's identity cannot use the key '\(key ?? "-")' (it needs get, wrapKey and unwrapKey on an enabled RSA key): \(reason)")
        case .unavailable(let reason):
            ManagementError(status: 503, code: "KeyVaultUnavailable", "The key vault of '\(key ?? "-")' could not be reached: \(reason)")
        }
    }

    /// The stored document plus the customer key's live state (`keyAccessible`, `lastKeyError`).
    public func render(_ record: ResourceRecord) async throws -> JSONValue {
        guard record.document["properties"]?["encryption"]?["status"]?.stringValue == "enabled",
              let registry = try await provisioner.registry(named: record.id.name), registry.customerKey != nil else { return record.document }
        // The recorded status, or the check in flight (never a second check of its own).
        let status = await provisioner.keyring.currentStatus(of: registry)
        var document = record.document
        document["properties"]?["encryption"]?["keyVaultProperties"]?["keyAccessible"] = .bool(status?.accessible ?? false)
        document["properties"]?["encryption"]?["keyVaultProperties"]?["lastKeyError"] = status?.lastError.map { .string($0) } ?? .null
        return document
    }

    public func willDelete(_ record: ResourceRecord) async throws {
        if let registry = try await provisioner.registry(named: record.id.name) { try await provisioner.delete(registry) }
        if let principal = record.document["identity"]?["principalId"]?.stringValue {
            try await directory.removePrincipal(objectID: principal)
        }
    }

    public func action(_ name: String, on record: ResourceRecord?, body: JSONValue?, caller: ManagementCaller) async throws -> ManagementReply {
        switch (name.lowercased(), record) {
        case ("checknameavailability", nil):
            let wanted = body?.member(caseInsensitive: "name")?.stringValue ?? ""
            guard (5...50).contains(wanted.count), wanted.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                return try .ok(["nameAvailable": false, "reason": "Invalid",
                                "message": "The specified resource name is invalid: use 5-50 alphanumeric characters."], as: NameAvailability.self)
            }
            let taken = try await nameConflict(wanted) != nil
            return try .ok(taken ? ["nameAvailable": false, "reason": "AlreadyExists",
                                    "message": .string("The registry \(wanted) is already in use.")] : ["nameAvailable": true],
                           as: NameAvailability.self)
        case ("listcredentials", let record?):
            return try .ok(try credentialsDocument(try await adminRegistry(record)), as: RegistryCredentials.self)
        case ("regeneratecredential", let record?):
            let which = body?.member(caseInsensitive: "name")?.stringValue?.lowercased()
            guard let index = ["password": 0, "password2": 1][which ?? ""] else {
                throw ManagementError.invalidParameter("The credential name must be 'password' or 'password2'.")
            }
            let registry = try await adminRegistry(record)
            _ = try await provisioner.regenerateAdminPassword(registry, index: index)
            return try .ok(try credentialsDocument(try await adminRegistry(record)), as: RegistryCredentials.self)
        default:
            throw ManagementError(status: 404, code: "NoRegisteredProviderFound", "The registries resource type has no action '\(name)'.")
        }
    }

    // MARK: Rules

    /// The registry's `identity`: `None`, `SystemAssigned`, `UserAssigned` or both. User-assigned
    /// identities must exist; `{id: {}}` keeps an assigned identity; the system-assigned identity
    /// keeps its ids for the registry's lifetime.
    ///
    /// Assigning a user-assigned identity lets the registry act as it (get its tokens), so, as in
    /// ARM, the caller needs `Microsoft.ManagedIdentity/userAssignedIdentities/assign/action` on
    /// each identity it adds (Owner, Contributor or Managed Identity Operator there).
    /// - Throws: `LinkedAuthorizationFailed` (403) otherwise.
    func resolveIdentity(_ requested: JSONValue?, existing: JSONValue?, registry: ResourceID,
                         caller: ManagementCaller) async throws -> JSONValue? {
        guard let requested, !requested.isNull else { return existing }
        let type = requested.member(caseInsensitive: "type")?.stringValue ?? "None"
        let kinds = Set(type.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        guard kinds.isSubset(of: ["none", "systemassigned", "userassigned"]) else {
            throw ManagementError.invalidParameter("Identity type '\(type)' is not valid; use None, SystemAssigned, UserAssigned or 'SystemAssigned, UserAssigned'.")
        }
        if kinds.contains("none") { return ["type": "None"] }
        var result: JSONValue = ["type": .string([kinds.contains("systemassigned") ? "SystemAssigned" : nil,
                                                   kinds.contains("userassigned") ? "UserAssigned" : nil]
                                                    .compactMap { $0 }.joined(separator: ", "))]
        if kinds.contains("systemassigned") {
            result["principalId"] = existing?["principalId"] ?? .string(UUID().uuidString.lowercased())
            result["tenantId"] = .string(environment.tenantID)
        }
        if kinds.contains("userassigned") {
            var assigned: JSONObject = [:]
            for key in (requested.member(caseInsensitive: "userAssignedIdentities")?.objectValue ?? [:]).keys {
                guard let id = ResourceID(parsing: key), id.type.lowercased() == UserAssignedIdentityProvider.type.lowercased(),
                      let identity = try await store.resource(id: id) else {
                    throw ManagementError(status: 400, code: "InvalidIdentity",
                                          "The user-assigned identity '\(key)' does not exist or is not a Microsoft.ManagedIdentity/userAssignedIdentities resource.")
                }
                // Kept as assigned only while it is the same principal: an identity deleted and made
                // again under the same id is a new principal, and assigning it needs the right again.
                let alreadyAssigned = (existing?["userAssignedIdentities"]?.objectValue ?? [:]).contains { key, value in
                    key.lowercased() == identity.id.description.lowercased()
                        && value["principalId"] == identity.document["properties"]?["principalId"]
                }
                if !alreadyAssigned, !caller.grants.allows(action: Self.assignIdentityAction, at: identity.id) {
                    throw ManagementError.linkedAuthorizationFailed(principal: caller.objectID, action: "\(Self.type)/write",
                                                                    linkedAction: Self.assignIdentityAction, scope: registry.description,
                                                                    linkedScope: identity.id.description)
                }
                assigned[identity.id.description] = ["principalId": identity.document["properties"]?["principalId"] ?? .null,
                                                     "clientId": identity.document["properties"]?["clientId"] ?? .null]
            }
            guard !assigned.isEmpty else {
                throw ManagementError.invalidParameter("Identity type UserAssigned needs at least one entry in 'userAssignedIdentities'.")
            }
            result["userAssignedIdentities"] = .object(assigned)
        }
        return result
    }

    /// The customer-managed key `keyVaultProperties` names, checked as a registry needs it: a
    /// Premium registry, a key of a vault here with soft delete and purge protection (or of a vault
    /// elsewhere on a host the operator allows). What both a PUT and a deployment's preflight check.
    /// - Parameter plannedVaults: in a deployment's preflight, the (lower-cased) names of the vaults
    ///   the deployment makes: one that does not exist yet is checked when the registry is applied.
    func checkedKey(_ properties: JSONValue, sku: String, plannedVaults: Set<String> = []) async throws -> KeyIdentifier {
        try Self.requirePremium(sku)
        guard let keyText = properties.member(caseInsensitive: "keyIdentifier")?.stringValue else {
            throw ManagementError.invalidParameter("encryption.keyVaultProperties.keyIdentifier is required when encryption is enabled.")
        }
        let key: KeyIdentifier
        if let local = KeyIdentifier(keyText, vaultDNSSuffix: environment.endpoints.vaultDNSSuffix) {
            guard let vault = try await store.resources(type: "Microsoft.KeyVault/vaults", named: local.vaultName).first else {
                if plannedVaults.contains(local.vaultName.lowercased()) { return local }
                throw ManagementError(status: 400, code: "KeyVaultNotFound", "The key vault '\(local.vaultName)' of key '\(keyText)' does not exist.")
            }
            guard vault.document["properties"]?["enableSoftDelete"]?.boolValue != false,
                  vault.document["properties"]?["enablePurgeProtection"]?.boolValue == true else {
                throw ManagementError(status: 400, code: "KeyVaultPurgeProtectionRequired",
                                      "The key vault '\(vault.id.name)' must have soft delete and purge protection enabled to hold a registry's customer-managed key.")
            }
            key = local
        } else if let remote = KeyIdentifier(remote: keyText) {
            // A vault elsewhere (another installation, Azure Key Vault) only on a host the operator
            // allows — refused here before any connection, in words that do not depend on the host.
            // Its soft delete and purge protection are checked through its data plane (the key's
            // recoveryLevel) when the registry's data key is wrapped.
            guard environment.remoteVaultHosts.allowedAuthority(of: keyText) != nil else {
                throw ManagementError(status: 400, code: "KeyVaultHostNotAllowed",
                                      "The key identifier names a key vault that is not part of this installation, and its host is not listed in the server setting keys.remoteVaultHosts; kura does not contact it.")
            }
            key = remote
        } else {
            throw ManagementError(status: 400, code: "InvalidKeyIdentifier",
                                  "The key identifier '\(keyText)' is not a Key Vault key URL (https://<vault host>/keys/<name>[/<version>]).")
        }
        return key
    }

    static func requirePremium(_ sku: String) throws {
        guard sku == "Premium" else {
            throw ManagementError(status: 400, code: "CmkRequiresPremiumSku",
                                  "Customer-managed key encryption is only available on the Premium SKU; the requested SKU is '\(sku)'.")
        }
    }

    /// A deployment's `validate`: the customer-key rules on what of the body is known yet.
    public func preflight(_ body: JSONValue, id: ResourceID, planned: Set<String>) async throws {
        let encryption = body.member(caseInsensitive: "properties")?.member(caseInsensitive: "encryption")
        let status = encryption?.member(caseInsensitive: "status")?.stringValue?.lowercased()
        guard let encryption, status == "enabled" || (status == nil && encryption.member(caseInsensitive: "keyVaultProperties") != nil) else { return }
        let skuName = body.member(caseInsensitive: "sku")?.member(caseInsensitive: "name")?.stringValue ?? ""
        let sku = Self.skus.first { $0.lowercased() == skuName.lowercased() } ?? skuName
        try Self.requirePremium(sku)
        let properties = encryption.member(caseInsensitive: "keyVaultProperties") ?? .object([:])
        // A key id computed from a resource of the deployment (`reference(…).keyUri`) is not known yet.
        guard properties.member(caseInsensitive: "keyIdentifier") != nil else { return }
        let vaults = planned.compactMap { ResourceID(parsing: $0) }.filter { $0.type.lowercased() == KeyVaultProvider.type.lowercased() }
        _ = try await checkedKey(properties, sku: sku, plannedVaults: Set(vaults.map { $0.name.lowercased() }))
    }

    /// `properties.encryption`: validated and completed with the status fields.
    func encryption(_ requested: JSONValue?, existing: JSONValue?, sku: String, identity: JSONValue?, wasCreated: Bool) async throws -> JSONValue {
        let oldStatus = existing?["status"]?.stringValue ?? "disabled"
        let requestedStatus = requested?.member(caseInsensitive: "status")?.stringValue?.lowercased()
        // A PUT replaces the whole registry: leaving encryption out asks for none (a PATCH arrives
        // merged into the stored document, so it keeps what it does not mention).
        let newStatus = requestedStatus ?? (requested?.member(caseInsensitive: "keyVaultProperties") != nil ? "enabled" : "disabled")
        guard ["enabled", "disabled"].contains(newStatus) else {
            throw ManagementError.invalidParameter("encryption.status must be 'enabled' or 'disabled', not '\(newStatus)'.")
        }
        if wasCreated, newStatus != oldStatus {
            throw ManagementError(status: 400, code: "EncryptionCannotBeChanged", newStatus == "enabled"
                ? "Customer-managed key encryption can only be enabled when the registry is created; this registry was created with service-managed encryption."
                : "Customer-managed key encryption cannot be disabled or removed once the registry has been created with it.")
        }
        guard newStatus == "enabled" else { return ["status": "disabled"] }
        let properties = requested?.member(caseInsensitive: "keyVaultProperties") ?? existing?["keyVaultProperties"] ?? .object([:])
        let key = try await checkedKey(properties, sku: sku)
        let identityText = properties.member(caseInsensitive: "identity")?.stringValue ?? existing?["keyVaultProperties"]?["identity"]?.stringValue
        let clientID = try identityClientID(identityText, identity: identity)
        let oldKey = existing?["keyVaultProperties"]
        let rotated = oldKey?["keyIdentifier"]?.stringValue.map { $0 != key.description } ?? true
        return .object([
            "status": "enabled",
            "keyVaultProperties": .object([
                "keyIdentifier": .string(key.description),
                "versionedKeyIdentifier": key.version != nil ? .string(key.description) : (rotated ? .null : oldKey?["versionedKeyIdentifier"] ?? .null),
                "identity": .string(clientID),
                "keyRotationEnabled": .bool(key.version == nil),
                "lastKeyRotationTimestamp": rotated && wasCreated
                    ? .string(Timestamp.iso8601(environment.now())) : oldKey?["lastKeyRotationTimestamp"] ?? .null,
                "keyAccessible": true,
                "lastKeyError": .null,
            ]),
        ])
    }

    /// The client id of the identity named by `text`: the client id or principal id of a
    /// user-assigned identity the registry holds; `system` (as az sends `[system]`) or nothing for
    /// its system-assigned one, stored as `system`.
    func identityClientID(_ text: String?, identity: JSONValue?) throws -> String {
        let assigned = identity?["userAssignedIdentities"]?.objectValue ?? [:]
        if let text, text.lowercased() != "system" {
            let wanted = text.lowercased()
            for value in assigned.values where value["clientId"]?.stringValue == wanted || value["principalId"]?.stringValue == wanted {
                if let clientID = value["clientId"]?.stringValue { return clientID }
            }
            throw ManagementError(status: 400, code: "InvalidEncryptionIdentity",
                                  "The identity '\(text)' in encryption.keyVaultProperties.identity is not assigned to this registry; assign it under 'identity.userAssignedIdentities' (use its clientId or principalId).")
        }
        guard let principal = identity?["principalId"]?.stringValue else {
            throw ManagementError(status: 400, code: "InvalidEncryptionIdentity",
                                  "Encryption with the system-assigned identity needs identity.type SystemAssigned on the registry.")
        }
        _ = principal
        return "system"
    }

    /// `properties.policies` with ACR's defaults, merged over the stored ones.
    func policies(_ requested: JSONValue?, existing: JSONValue?) throws -> JSONValue {
        let defaults: JSONValue = [
            "quarantinePolicy": ["status": "disabled"],
            "trustPolicy": ["type": "Notary", "status": "disabled"],
            "retentionPolicy": ["days": 7, "status": "disabled"],
            "exportPolicy": ["status": "enabled"],
        ]
        var result = defaults.merging(existing ?? .object([:])).merging(requested ?? .object([:]))
        for name in ["quarantinePolicy", "trustPolicy", "retentionPolicy", "exportPolicy"] {
            let status = result[name]?["status"]?.stringValue?.lowercased() ?? "disabled"
            guard ["enabled", "disabled"].contains(status) else {
                throw ManagementError.invalidParameter("policies.\(name).status must be 'enabled' or 'disabled'.")
            }
            result[name]?["status"] = .string(status)
        }
        if let days = result["retentionPolicy"]?["days"]?.integerValue, !(0...365).contains(days) {
            throw ManagementError.invalidParameter("policies.retentionPolicy.days must be between 0 and 365.")
        }
        return result
    }

    /// The ARM id of the registry named `name`, if it is an ARM resource (role assignments name it).
    public func resourceID(ofRegistry name: String) async throws -> ResourceID? {
        try await store.resources(type: Self.type, named: name).first?.id
    }

    // MARK: The key version in use

    /// Makes the registry's ARM record show the key version in use: a compare-and-swap like every
    /// ARM write, retried on a concurrent change, and left to the next pass while an ARM operation
    /// on the registry is in progress (that operation writes the record last).
    public func recordKeyInUse(_ versionedKeyID: String, registry: RegistryRecord) async throws {
        for _ in 0..<3 {
            guard let resource = try await store.resources(type: Self.type, named: registry.name).first,
                  !ManagementAPI.isInProgress(resource),
                  resource.document["properties"]?["encryption"]?["keyVaultProperties"]?["versionedKeyIdentifier"]?.stringValue != versionedKeyID
            else { return }
            var updated = resource
            updated.document["properties"]?["encryption"]?["keyVaultProperties"]?["versionedKeyIdentifier"] = .string(versionedKeyID)
            updated.document["properties"]?["encryption"]?["keyVaultProperties"]?["lastKeyRotationTimestamp"] =
                .string(Timestamp.iso8601(environment.now()))
            updated.updatedAt = max(environment.now(), resource.updatedAt + 1)
            if try await store.replaceResource(updated, expected: resource) { return }
        }
    }

    // MARK: Plumbing

    /// A system-assigned identity is a directory principal of its own (so it can get tokens).
    func syncSystemIdentity(_ record: ResourceRecord, existing: ResourceRecord?) async throws {
        let old = existing?.document["identity"]?["principalId"]?.stringValue
        let new = record.document["identity"]?["principalId"]?.stringValue
        if let old, old != new { try await directory.removePrincipal(objectID: old) }
        if let new, try await directory.principal(objectID: new) == nil {
            try await directory.add(PrincipalRecord(objectID: new, appID: UUID().uuidString.lowercased(),
                                                               displayName: record.id.name, kind: .managedIdentity,
                                                               secretHash: nil, createdAt: record.createdAt))
        }
    }

    func adminRegistry(_ record: ResourceRecord) async throws -> RegistryRecord {
        guard let registry = try await provisioner.registry(named: record.id.name) else {
            throw ManagementError.resourceNotFound(type: Self.type, name: record.id.name, group: record.id.resourceGroup)
        }
        guard registry.adminUserEnabled else {
            throw ManagementError(status: 400, code: "AdminUserDisabled",
                                  "Admin user is disabled for registry '\(record.id.name)'; enable it with adminUserEnabled = true.")
        }
        return registry
    }

    func credentialsDocument(_ registry: RegistryRecord) throws -> JSONValue {
        guard let credentials = try provisioner.adminCredentials(of: registry) else {
            throw ManagementError(status: 400, code: "AdminUserDisabled", "Registry '\(registry.name)' has no admin credentials.")
        }
        return ["username": .string(credentials.username),
                "passwords": .array(zip(["password", "password2"], credentials.passwords).map { ["name": .string($0), "value": .string($1)] })]
    }
}
