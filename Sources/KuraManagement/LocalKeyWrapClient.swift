// kura — a self-hosted encrypted container registry.
// LocalKeyWrapClient: a registry's calls to a vault of this installation, as its identity, in process.

import KuraAPI
import Foundation
import KuraCore
public import KuraDirectory
public import KuraKeyVault
public import KuraRegistry

/// ``KeyWrapClient`` for vaults served by this process: the same Key Vault operations, rules,
/// authorization (the identity's access policies or roles) and audit entries as over HTTPS, without
/// the network hop. Vault refusals (401/403/404/disabled) are `revoked`; store failures are `unavailable`.
public struct LocalKeyWrapClient: KeyWrapClient {
    let vaults: any VaultDirectory
    let calls: InProcessVaultCall
    let endpoints: InstallationEndpoints
    /// What the audit log records as the client address of in-process calls.
    static let address = "kura-registry"

    public init(vaults: any VaultDirectory, calls: InProcessVaultCall, endpoints: InstallationEndpoints) {
        self.vaults = vaults
        self.calls = calls
        self.endpoints = endpoints
    }

    public func currentKey(_ keyID: String, as identity: String) async throws(KeyWrapFailure) -> VaultKeyDescription {
        let (vault, key) = try await resolve(keyID)
        let reply = try await call(.get(name: key.keyName, version: key.version), body: nil, vault: vault, identity: identity)
        guard let bundle = reply.answer as? KeyBundle, let kid = bundle.key.kid else { throw .unavailable("the vault returned no key id") }
        guard bundle.key.kty.hasPrefix("RSA") else {
            throw .revoked("the key \(kid) is not an RSA key; a registry's data key needs RSA-OAEP-256")
        }
        guard bundle.attributes.enabled != false else { throw .revoked("the key \(kid) is disabled") }
        return VaultKeyDescription(keyID: kid, recoveryLevel: bundle.attributes.recoveryLevel)
    }

    public func wrap(_ bytes: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> (keyID: String, wrapped: [UInt8]) {
        let (kid, wrapped) = try await rsaOAEP256(.wrapkey, bytes, keyID: keyID, as: identity)
        return (kid, wrapped)
    }

    public func unwrap(_ wrapped: [UInt8], keyID: String, as identity: String) async throws(KeyWrapFailure) -> [UInt8] {
        try await rsaOAEP256(.unwrapkey, wrapped, keyID: keyID, as: identity).result
    }

    /// `bytes` wrapped or unwrapped with RSA-OAEP-256 by the key `keyID` names, and the version that did it.
    func rsaOAEP256(_ operation: KeyVaultRoute.CryptoOperation, _ bytes: [UInt8], keyID: String,
                    as identity: String) async throws(KeyWrapFailure) -> (keyID: String, result: [UInt8]) {
        let (vault, key) = try await resolve(keyID)
        let reply = try await call(.crypto(name: key.keyName, version: key.version, operation: operation),
                                   body: ["alg": "RSA-OAEP-256", "value": .string(Data(bytes).base64URLEncodedString())],
                                   vault: vault, identity: identity)
        guard let answer = reply.answer as? KeyOperationResult, let result = Data(base64URLEncoded: answer.value) else {
            throw .unavailable("the vault's \(operation) answer is malformed")
        }
        return (answer.kid, Array(result))
    }

    /// The vault a key id names, as of now (a deleted vault revokes its keys).
    func resolve(_ keyID: String) async throws(KeyWrapFailure) -> (VaultContext, KeyIdentifier) {
        guard let key = KeyIdentifier(keyID, vaultDNSSuffix: endpoints.vaultDNSSuffix) else {
            throw .revoked("'\(keyID)' is not a key of a vault of this installation")
        }
        do {
            guard let vault = try await vaults.vault(named: key.vaultName) else {
                throw KeyWrapFailure.revoked("the vault '\(key.vaultName)' does not exist (deleted?)")
            }
            return (vault, key)
        } catch let failure as KeyWrapFailure {
            throw failure
        } catch {
            throw .unavailable("the vault store is unavailable: \(error)")
        }
    }

    /// One audited Key Vault operation as `identity`, authorized by the vault.
    func call(_ route: KeyVaultRoute, body: JSONValue?, vault: VaultContext, identity: String) async throws(KeyWrapFailure) -> KeyVaultService.Reply {
        do {
            return try await calls.perform(route, body: body, vault: vault, principal: identity, address: Self.address, authorization: .vault)
        } catch let error as KeyVaultError {
            throw error.status >= 500 ? .unavailable(error.message) : .revoked(error.message)
        } catch {
            throw .unavailable("the vault failed: \(error)")
        }
    }
}
