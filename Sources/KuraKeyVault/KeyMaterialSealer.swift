// kura — a self-hosted encrypted container registry.
// KeyMaterialSealer: private key material at rest, AES-256-GCM bound to vault, key and version.

import Crypto
import Foundation
public import KuraCrypto

/// Seals ``KeyMaterial`` under the vault's key-material key (HKDF from the root key, one per
/// vault) with AAD = `"kura vault key v1"` ‖ 0 ‖ vault ‖ 0 ‖ key name ‖ 0 ‖ version (all lower-case),
/// so sealed material moved to another vault, key or version does not open.
///
/// Format: `"KVK1"` ‖ nonce (12) ‖ ciphertext ‖ tag (16).
public struct KeyMaterialSealer: Sendable {
    static let magic = Array("KVK1".utf8)
    let hierarchy: KeyHierarchy

    public init(hierarchy: KeyHierarchy) { self.hierarchy = hierarchy }

    public func seal(_ material: KeyMaterial, vault: String, key: String, version: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(material.encoded(), using: hierarchy.key(for: .vaultKeyMaterial(vaultID: vault.lowercased())),
                                   authenticating: Self.aad(vault: vault, key: key, version: version))
        return Self.magic + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    public func open(_ sealed: [UInt8], vault: String, key: String, version: String) throws -> KeyMaterial {
        guard sealed.count >= 4 + 12 + 16, sealed.prefix(4).elementsEqual(Self.magic) else {
            throw KeyVaultError(status: 500, code: "InternalError", "the stored material of key \(key)/\(version) is malformed")
        }
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: sealed[4..<16]), ciphertext: sealed[16..<(sealed.count - 16)],
                                            tag: sealed[(sealed.count - 16)...])
            let plain = try AES.GCM.open(box, using: hierarchy.key(for: .vaultKeyMaterial(vaultID: vault.lowercased())),
                                         authenticating: Self.aad(vault: vault, key: key, version: version))
            return try KeyMaterial.decoded(Array(plain))
        } catch let error as KeyVaultError {
            throw error
        } catch {
            throw KeyVaultError(status: 500, code: "InternalError", "the stored material of key \(key)/\(version) failed its integrity check")
        }
    }

    static func aad(vault: String, key: String, version: String) -> Data {
        Data("kura vault key v1".utf8) + [0] + Data(vault.lowercased().utf8) + [0] + Data(key.lowercased().utf8) + [0]
            + Data(version.lowercased().utf8)
    }
}
